"""``app.logger``: the standard library's logging, with a stderr handler when none is set up."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import Erlen

__all__ = ["create_logger", "default_handler"]

default_handler = logging.StreamHandler(sys.stderr)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def _has_level_handler(logger: logging.Logger) -> bool:
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


def create_logger(app: Erlen) -> logging.Logger:
    """The logger named after the app, at DEBUG level in debug mode unless a level was set."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not _has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
