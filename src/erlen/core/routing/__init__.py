"""URL routing: rules, converters, matching a path to a view and building URLs for endpoints.

``converters.py`` holds the typed variables (``<int:id>``), ``rules.py`` parses and compiles
a rule, ``router.py`` arranges rules for fast matching and builds paths for ``url_for``, and
``adapter.py`` is the router bound to one server, Werkzeug's ``MapAdapter``.
"""

from .adapter import MapAdapter
from .converters import (
    DEFAULT_CONVERTERS,
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntConverter,
    PathConverter,
    StringConverter,
    UUIDConverter,
    quote_segment,
)
from .router import Router
from .rules import Rule

__all__ = [
    "AnyConverter",
    "BaseConverter",
    "DEFAULT_CONVERTERS",
    "FloatConverter",
    "IntConverter",
    "MapAdapter",
    "PathConverter",
    "Router",
    "Rule",
    "StringConverter",
    "UUIDConverter",
    "quote_segment",
]
