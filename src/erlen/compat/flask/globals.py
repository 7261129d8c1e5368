"""``flask.globals``: the proxies, and ``app_ctx`` / ``request_ctx`` for the contexts."""

from erlen.app.context import (
    _cv_context,
    app_ctx,
    current_app,
    g,
    request,
    request_ctx,
    session,
)

# Flask keeps one variable per context kind; Erlen one for both. Code that reads
# ``_cv_app.get(None)`` or ``_cv_request.get(None)`` sees the active context either way.
_cv_app = _cv_context
_cv_request = _cv_context

__all__ = ["app_ctx", "current_app", "g", "request", "request_ctx", "session"]
