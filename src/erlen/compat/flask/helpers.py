"""``flask.helpers``."""

from erlen.app.context import stream_with_context
from erlen.app.helpers import get_debug_flag, get_load_dotenv
from erlen.app.responses import abort, make_response, redirect
from erlen.app.scaffold import get_root_path
from erlen.app.sessions import flash, get_flashed_messages
from erlen.app.static import send_file, send_from_directory
from erlen.app.templating import get_template_attribute
from erlen.app.urls import url_for

__all__ = [
    "abort",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_root_path",
    "get_template_attribute",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]
