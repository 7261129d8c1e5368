"""``flask.typing``: the type aliases annotated Flask code imports, all of ``erlen.typing``."""

from erlen.app.typing import *  # noqa: F403
from erlen.app.typing import __all__ as __all__
