"""``flask``, as ``erlen.flask_patch`` serves it: Flask's top-level names, Erlen's objects."""

from __future__ import annotations

from typing import Any

from erlen.adapters.erlen import Erlen as Flask
from erlen.app.blueprints import Blueprint
from erlen.app.config import Config
from erlen.app.context import (
    after_this_request,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
    stream_with_context,
)
from erlen.app.responses import abort, make_response, redirect
from erlen.app.sessions import flash, get_flashed_messages
from erlen.app.signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    message_flashed,
    request_finished,
    request_started,
    request_tearing_down,
    template_rendered,
)
from erlen.app.static import send_file, send_from_directory
from erlen.app.templating import (
    get_template_attribute,
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)
from erlen.app.urls import url_for
from erlen.core.request import Request
from erlen.core.response import Response

from . import json
from .json import jsonify

__all__ = [
    "Blueprint",
    "Config",
    "Flask",
    "Request",
    "Response",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
]


#: The submodules Flask's own ``__init__`` imports, so Flask code reaches them as attributes
#: (``flask.templating.Environment``, ``flask.signals.Namespace``) without importing them.
#: Here each is imported on first access instead: ``flask.signals`` loads blinker.
_SUBMODULES = frozenset(
    ("app", "blueprints", "cli", "config", "ctx", "globals", "helpers", "logging", "sessions",
     "signals", "templating", "typing", "views", "wrappers")
)  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    if name == "__version__":
        # Extensions read it to pick code paths (Flask-SQLAlchemy, Flask-Login): the Flask
        # release whose API Erlen follows.
        return "3.1.3"
    if name in ("Markup", "escape"):
        import markupsafe

        return getattr(markupsafe, name)
    raise AttributeError(f"module 'flask' has no attribute {name!r}")
