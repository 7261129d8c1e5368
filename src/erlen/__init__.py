"""Erlen: a web microframework with Flask's familiar API on a lean, fast, sans-IO core.

    from erlen import Erlen

    app = Erlen(__name__)

    @app.route("/")
    def hello():
        return "Hello World!"

    if __name__ == "__main__":
        app.run()

The names below are the public API. Heavier parts (templates, static files, sessions, the test
client, the server, the CLI) are imported on first use, so ``import erlen`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from . import json
from .adapters.erlen import Erlen
from .app.config import Config
from .app.context import (
    after_this_request,
    copy_current_request_context,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
    stream_with_context,
)
from .app.context import current_app as _current_app_proxy
from .app.json import jsonify
from .app.responses import abort, make_response, redirect
from .app.urls import url_for
from .core import __version__ as __version__
from .core.errors import HTTPException
from .core.request import Request
from .core.response import Response

#: The app handling the current request (or of the pushed app context), as a proxy. Typed as
#: the public ``Erlen``, whose server entry points (``test_client``, ``cli``...) it has; the app
#: layer below knows it only as its ``App``.
current_app: Erlen = cast("Erlen", _current_app_proxy)

if TYPE_CHECKING:
    from markupsafe import Markup, escape

    from .adapters.websocket import WebSocket, WebSocketDisconnect, websocket
    from .app.blueprints import Blueprint
    from .app.sessions import flash, get_flashed_messages
    from .app.static import send_file, send_from_directory
    from .app.templating import (
        render_template,
        render_template_string,
        stream_template,
        stream_template_string,
    )
    from .app.typed.params import Body, Cookie, File, Form, Header, Path, Query


__all__ = [
    "Erlen",
    "Blueprint",
    "Config",
    "Request",
    "Response",
    "HTTPException",
    "abort",
    "after_this_request",
    "copy_current_request_context",
    "current_app",
    "escape",
    "flash",
    "g",
    "get_flashed_messages",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "Markup",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "url_for",
    "websocket",
    "WebSocket",
    "WebSocketDisconnect",
    "Body",
    "Cookie",
    "File",
    "Form",
    "Header",
    "Path",
    "Query",
]

# Names served from modules that are imported on first use (PEP 562).
_LAZY = {
    "Blueprint": "app.blueprints",
    "WebSocket": "adapters.websocket",
    "WebSocketDisconnect": "adapters.websocket",
    "websocket": "adapters.websocket",
    "flash": "app.sessions",
    "get_flashed_messages": "app.sessions",
    "send_file": "app.static",
    "send_from_directory": "app.static",
    "render_template": "app.templating",
    "render_template_string": "app.templating",
    "stream_template": "app.templating",
    "stream_template_string": "app.templating",
    # Typed views' parameter markers (params.py); pydantic itself waits for a typed route.
    "Body": "app.typed.params",
    "Cookie": "app.typed.params",
    "File": "app.typed.params",
    "Form": "app.typed.params",
    "Header": "app.typed.params",
    "Path": "app.typed.params",
    "Query": "app.typed.params",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is not None:
        import importlib

        value = getattr(importlib.import_module(f".{module_name}", __name__), name)
        globals()[name] = value
        return value
    if name in ("Markup", "escape"):
        import markupsafe

        value = getattr(markupsafe, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'erlen' has no attribute {name!r}")
