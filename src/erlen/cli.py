"""``erlen.cli``, the public path of :mod:`erlen.adapters.cli`.

The ``erlen`` command: ``run``, ``routes``, ``shell`` and the app's own commands.
Import from here: the module behind it is where the layers put it, and may move.
"""

from .adapters.cli import *
from .adapters.cli import __all__ as __all__
