"""``erlen.signals``, the public path of :mod:`erlen.app.signals`.

Flask's signals over blinker: ``request_started``, ``template_rendered`` and the rest.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.signals import *

__all__ = [
    "Namespace",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
    "send",
    "send_async",
]
