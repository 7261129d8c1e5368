"""``erlen.apidocs``, the public path of :mod:`erlen.app.typed.apidocs`.

The routes that publish an app's API: ``/openapi.json`` and the ``/docs`` page (Swagger UI).
Import from here: the module behind it is where the layers put it, and may move.
"""

from .app.typed.apidocs import *
from .app.typed.apidocs import __all__ as __all__
