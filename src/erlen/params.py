"""``erlen.params``, the public path of :mod:`erlen.app.typed.params`.

Typed views: the markers that say where a view parameter comes from, and the decision, made
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.typed.params import *
from .app.typed.params import __all__ as __all__
