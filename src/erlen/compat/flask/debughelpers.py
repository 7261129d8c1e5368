"""``flask.debughelpers``."""

from erlen.debughelpers import DebugFilesKeyError, FormDataRoutingRedirect, UnexpectedUnicodeError

__all__ = ["DebugFilesKeyError", "FormDataRoutingRedirect", "UnexpectedUnicodeError"]
