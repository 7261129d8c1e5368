"""What the environment says about debug mode and dotenv files, read the same way everywhere.

Erlen's own names come first (``ERLEN_DEBUG``, ``ERLEN_SKIP_DOTENV``); Flask's
(``FLASK_DEBUG``, ``FLASK_SKIP_DOTENV``) are read when Erlen's are unset, so a project moved
from Flask keeps its environment. Nothing here imports click, so ``app.run()`` and the app
itself can use it without paying for the command line.
"""

from __future__ import annotations

import os
import sys

__all__ = ["get_debug_flag", "get_load_dotenv", "load_dotenv"]

_FALSE_VALUES = frozenset(("0", "false", "no"))

#: The files ``load_dotenv`` reads by default, weakest first. ``.flaskenv`` and ``.erlenenv``
#: hold a project's shared, committed settings; ``.env`` holds a developer's private ones, so it
#: wins, as it does over ``.flaskenv`` in Flask.
DEFAULT_DOTENV_FILES = (".flaskenv", ".erlenenv", ".env")


def _environ(name: str) -> str | None:
    """``ERLEN_<name>`` if set and not empty, else ``FLASK_<name>``."""
    return os.environ.get(f"ERLEN_{name}") or os.environ.get(f"FLASK_{name}")


def get_debug_flag() -> bool:
    """Whether the environment asks for debug mode: ``ERLEN_DEBUG``, else ``FLASK_DEBUG``.

    Any value but empty, ``0``, ``false`` or ``no`` (in any case) turns it on.
    """
    value = _environ("DEBUG")
    if not value:
        return False
    return value.lower() not in _FALSE_VALUES


def get_load_dotenv(default: bool = True) -> bool:
    """Whether dotenv files should be loaded: False when ``ERLEN_SKIP_DOTENV`` (else
    ``FLASK_SKIP_DOTENV``) is set to a true value, ``default`` when neither is set."""
    value = _environ("SKIP_DOTENV")
    if not value:
        return default
    return value.lower() in _FALSE_VALUES


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Set environment variables from dotenv files; never replace a variable already set.

    With ``load_defaults``, the nearest of each of ``DEFAULT_DOTENV_FILES`` (searched from the
    current folder upwards) is read, later files winning over earlier ones; ``path``, when
    given and a file, is read last and wins over them all. The working directory is left as
    it was. Returns True if any file held a variable. Without python-dotenv installed nothing
    is loaded, and a tip is printed when there are files that would have been.
    """
    try:
        import dotenv
    except ImportError:
        if path is not None or any(os.path.isfile(name) for name in DEFAULT_DOTENV_FILES):
            print(
                " * Tip: there are .env files present. Install python-dotenv"
                " (pip install 'erlen[dotenv]') to use them.",
                file=sys.stderr,
            )
        return False
    values: dict[str, str | None] = {}
    if load_defaults:
        for name in DEFAULT_DOTENV_FILES:
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                values.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        values.update(dotenv.dotenv_values(path, encoding="utf-8"))
    for key, value in values.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return bool(values)
