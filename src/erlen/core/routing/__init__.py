"""URL routing: rules, converters, matching a path to a view and building URLs for endpoints.

``converters.py`` holds the typed variables (``<int:id>``), ``rules.py`` parses and compiles
a rule, and ``router.py`` arranges rules for fast matching and builds paths for ``url_for``.
"""

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
    "PathConverter",
    "Router",
    "Rule",
    "StringConverter",
    "UUIDConverter",
    "quote_segment",
]
