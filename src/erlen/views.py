"""``erlen.views``, the public path of :mod:`erlen.app.views`.

Class-based views: :class:`View`, and :class:`MethodView` which dispatches on the HTTP method.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.views import *
from .app.views import __all__ as __all__
