"""``erlen.security``, the public path of :mod:`erlen.app.security`.

Safe-default tools: upload file names that are safe on disk, and security headers.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.security import *
from .app.security import __all__ as __all__
