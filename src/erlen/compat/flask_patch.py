"""Make ``import flask`` give Erlen, so Flask extensions run unmodified on an Erlen app.

Import this module first, before anything that imports Flask or an extension::

    import erlen.flask_patch  # noqa: F401

    from flask import Flask          # erlen.Erlen
    from flask_login import LoginManager

From then on ``flask`` and every documented ``flask.<submodule>`` (``flask.globals``,
``flask.signals``, ``flask.json.tag``, ``flask.testing``...) resolve to the modules of
``erlen.compat.flask``, which re-export Erlen's own objects: ``flask.Flask`` is
:class:`erlen.Erlen`, ``flask.request`` is ``erlen.request``. The real Flask package may stay
installed (pip pulls it in with every extension); it is never imported. Werkzeug is not
replaced: extensions keep using its data structures and helpers, and Erlen answers the
``werkzeug.exceptions`` they raise as the HTTP errors they are. The other way round, Erlen's
HTTP and routing errors become instances of Werkzeug's classes of the same meaning, so Flask
code that says ``except werkzeug.exceptions.NotFound`` or ``isinstance(e, HTTPException)``
with Werkzeug's class sees the errors Erlen raises.

Nothing here runs unless this module is imported: a program without it pays nothing.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, cast

from ..adapters import erlen as erlen_adapter
from ..adapters.testing import ClientRedirectError
from ..core.datastructures import BadRequestKeyError
from ..core.errors import BuildError, RequestRedirect, default_exceptions

__all__ = ["patched_names"]

_TARGET = "erlen.compat.flask"


class _AliasLoader(importlib.abc.Loader):
    """Loads ``flask.x`` as the already-importable module ``erlen.compat.flask.x``."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        # The same module object under both names: ``flask.json is erlen.compat.flask.json``.
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the target module was executed when it was imported."""


class _FlaskFinder(importlib.abc.MetaPathFinder):
    """Answers imports of ``flask`` and ``flask.*`` before the real package can."""

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "flask" and not fullname.startswith("flask."):
            return None
        target_name = _TARGET + fullname[len("flask") :]
        try:
            target_spec = importlib.util.find_spec(target_name)
        except ModuleNotFoundError:
            target_spec = None
        if target_spec is None:
            # A submodule Erlen does not offer (flask.sansio, ...): say so plainly rather than
            # letting the real Flask load half-way under an Erlen parent.
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: erlen.flask_patch offers flask's documented "
                f"modules only, and {fullname!r} is not one of them.",
                name=fullname,
            )
        return importlib.util.spec_from_loader(
            fullname,
            _AliasLoader(target_name),
            is_package=target_spec.submodule_search_locations is not None,
        )


def patched_names() -> list[str]:
    """The ``flask`` modules imported so far, each an alias of an ``erlen.compat.flask`` one."""
    return sorted(name for name in sys.modules if name == "flask" or name.startswith("flask."))


def _adopt_werkzeug_errors() -> None:
    """Put each Werkzeug error class among the bases of Erlen's class of the same meaning.

    Erlen's own classes stay first in the method order, so their behaviour is unchanged;
    Werkzeug's add ``isinstance`` and the few helpers Flask code calls (``get_description``).
    Erlen's ``HTTPException`` base itself is left alone: Python swaps bases only between
    classes of the same layout, and each status class is where Flask code looks anyway.
    """
    try:
        import werkzeug.exceptions as wz_errors
        import werkzeug.routing as wz_routing
        import werkzeug.test as wz_test
    except ImportError:  # no Werkzeug, so no Flask code that could test for its classes
        return

    pairs: list[tuple[type[BaseException], type[BaseException]]] = [
        (cls, wz_errors.default_exceptions[code])
        for code, cls in default_exceptions.items()
        if code in wz_errors.default_exceptions
    ]
    pairs += [
        (BadRequestKeyError, wz_errors.BadRequestKeyError),
        (RequestRedirect, wz_routing.RequestRedirect),
        (BuildError, wz_routing.BuildError),
        (ClientRedirectError, wz_test.ClientRedirectError),
    ]
    for erlen_class, werkzeug_class in pairs:
        if not issubclass(erlen_class, werkzeug_class):
            # A builtin base Werkzeug's class already has (KeyError) moves behind it.
            kept = tuple(b for b in erlen_class.__bases__ if not issubclass(werkzeug_class, b))
            erlen_class.__bases__ = (*kept, werkzeug_class)


def _stubbed_run_simple() -> Callable[..., Any] | None:
    """What a program put in place of ``werkzeug.serving.run_simple``, if anything: Flask's
    ``app.run()`` calls that, and tests replace it to check what ``run()`` passes without
    starting a server. Werkzeug's own function is not called: Erlen serves with its server."""
    serving = sys.modules.get("werkzeug.serving")
    function = getattr(serving, "run_simple", None)
    if function is None or getattr(function, "__module__", None) == "werkzeug.serving":
        return None
    return cast("Callable[..., Any]", function)


def _install() -> None:
    if any(isinstance(finder, _FlaskFinder) for finder in sys.meta_path):
        return
    real = [
        name
        for name, module in sys.modules.items()
        if (name == "flask" or name.startswith("flask."))
        and not getattr(module, "__name__", "").startswith(_TARGET)
    ]
    if real:
        raise ImportError(
            "The real Flask was imported before erlen.flask_patch ("
            + ", ".join(sorted(real)[:3])
            + "): import erlen.flask_patch first, before any Flask extension or module "
            "that imports flask."
        )
    sys.meta_path.insert(0, _FlaskFinder())
    _adopt_werkzeug_errors()
    erlen_adapter.find_run_simple_stub = _stubbed_run_simple


_install()
