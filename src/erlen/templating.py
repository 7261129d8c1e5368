"""``erlen.templating``, the public path of :mod:`erlen.app.templating`.

Jinja2 templates: the app's environment, ``render_template`` and ``stream_template``.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.templating import *
from .app.templating import __all__ as __all__
