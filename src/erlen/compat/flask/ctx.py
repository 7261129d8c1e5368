"""``flask.ctx``: Flask's two context classes are one in Erlen, :class:`erlen.context.Context`."""

from erlen.app.context import (
    Context,
    Namespace,
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
)

AppContext = Context
RequestContext = Context
_AppCtxGlobals = Namespace

__all__ = [
    "AppContext",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
]
