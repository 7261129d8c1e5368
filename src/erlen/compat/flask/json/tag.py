"""``flask.json.tag``: all of ``erlen.jsontag``."""

from erlen.app.jsontag import *  # noqa: F403
from erlen.app.jsontag import __all__ as __all__
