"""``flask.json.tag``: all of ``erlen.jsontag``."""

from erlen.jsontag import *  # noqa: F403
from erlen.jsontag import __all__ as __all__
