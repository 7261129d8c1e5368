"""``erlen.json``, the public path of :mod:`erlen.app.json`.

JSON in and out: ``jsonify``, ``dumps``, ``loads``, and the app's JSON provider.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.json import *
from .app.json import __all__ as __all__
