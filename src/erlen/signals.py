"""``erlen.signals``, the public path of :mod:`erlen.app.signals`.

Flask's signals over blinker: ``request_started``, ``template_rendered`` and the rest.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.signals import *
from .app.signals import __all__ as __all__
