"""``flask.wrappers``."""

from erlen.request import Request
from erlen.response import Response

__all__ = ["Request", "Response"]
