"""``erlen.static``, the public path of :mod:`erlen.app.static`.

Files as responses: :func:`send_file` and :func:`send_from_directory` (the ``static`` view).
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.static import *
from .app.static import __all__ as __all__
