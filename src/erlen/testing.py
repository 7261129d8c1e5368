"""``erlen.testing``, the public path of :mod:`erlen.adapters.testing`.

The test client: real WSGI requests to the app, in-process, with a cookie jar.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .adapters.testing import *
from .adapters.testing import __all__ as __all__
