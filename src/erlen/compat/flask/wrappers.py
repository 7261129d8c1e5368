"""``flask.wrappers``."""

from erlen.core.request import Request
from erlen.core.response import Response

__all__ = ["Request", "Response"]
