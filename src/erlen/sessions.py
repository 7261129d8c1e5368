"""``erlen.sessions``, the public path of :mod:`erlen.app.sessions`.

Sessions kept in a signed cookie, and message flashing on top of them.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.sessions import *
from .app.sessions import __all__ as __all__
