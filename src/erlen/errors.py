"""``erlen.errors``, the public path of :mod:`erlen.core.errors`.

HTTP errors as exceptions, ``abort``, and the error objects clients receive.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.responses import abort as abort
from .core import errors as _errors
from .core.errors import *

__all__ = ["abort"]
__all__ += _errors.__all__
