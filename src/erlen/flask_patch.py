"""``erlen.flask_patch``, the public path of :mod:`erlen.compat.flask_patch`.

Make ``import flask`` give Erlen, so Flask extensions run unmodified on an Erlen app.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .compat.flask_patch import *
from .compat.flask_patch import __all__ as __all__
