"""``app.logger``: the standard library's logging, with a stderr handler when none is set up."""

from __future__ import annotations

import logging
import sys
from typing import IO, TYPE_CHECKING, Any

from .context import _cv_context

if TYPE_CHECKING:
    from .app import App

__all__ = ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"]


class _ErrorsStream:
    """The server's error stream (``wsgi.errors``) while a WSGI request is handled, else stderr.

    Log records of a request then land in the log of the server that serves it.
    """

    def _target(self) -> IO[str]:
        ctx = _cv_context.get()
        environ = getattr(ctx.request, "environ", None) if ctx is not None else None
        stream = environ.get("wsgi.errors") if isinstance(environ, dict) else None
        return stream if stream is not None else sys.stderr

    def _get_current_object(self) -> IO[str]:
        """The stream writes go to now (Flask's is a ``LocalProxy``, which code unwraps so)."""
        return self._target()

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)


#: Flask's ``wsgi_errors_stream``: where the default handler writes.
wsgi_errors_stream: IO[str] = _ErrorsStream()  # type: ignore[assignment]

default_handler = logging.StreamHandler(wsgi_errors_stream)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def has_level_handler(logger: logging.Logger) -> bool:
    """True when some handler in the logger's chain would show its records."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


def create_logger(app: App) -> logging.Logger:
    """The logger named after the app, at DEBUG level in debug mode unless a level was set."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
