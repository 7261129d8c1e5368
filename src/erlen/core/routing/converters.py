"""Converters: the typed variables of a rule, such as ``<int:post_id>``.

A converter has two halves that must agree. ``regex`` and :meth:`~BaseConverter.to_python` turn a
piece of a (percent-decoded) request path into a Python value; :meth:`~BaseConverter.to_url`
turns a value back into a percent-encoded piece of a URL. Whatever ``to_url`` produces must, once
decoded, be accepted by ``regex`` and give the same value back, so ``to_url`` refuses (with
``ValueError``) values that could never match, rather than building links that answer 404.

Custom converters subclass :class:`BaseConverter` and are registered on the router::

    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split("+")

        def to_url(self, value: list[str]) -> str:
            return "+".join(quote_segment(item) for item in value)

    app.url_map.converters["list"] = ListConverter

Arguments written in a rule (``<int(min=1):n>``) are passed to the converter's constructor.
Rule patterns are compiled with ``re.DOTALL``, so ``.`` in a converter's ``regex`` also matches a
decoded newline. A converter's ``regex`` must not use numbered back-references, since it is
embedded in larger patterns.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    import uuid

__all__ = [
    "BaseConverter",
    "StringConverter",
    "IntConverter",
    "FloatConverter",
    "PathConverter",
    "UUIDConverter",
    "AnyConverter",
    "DEFAULT_CONVERTERS",
    "quote_segment",
]

#: Characters a path segment may hold unencoded besides the unreserved ones (RFC 3986 ``pchar``).
SEGMENT_SAFE = "!$&'()*+,;=:@"
_UNSAFE_IN_SEGMENT = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@]")
_UNSAFE_IN_PATH = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/]")


def quote_segment(value: str, slash: bool = False) -> str:
    """Percent-encode ``value`` (as UTF-8) for a path segment; ``slash=True`` keeps ``/``.

    Raises ``UnicodeEncodeError`` (a ``ValueError``) for strings that are not valid Unicode,
    such as lone surrogates.
    """
    # PERF: most values need no quoting; the check costs a fifth of `quote` itself.
    if (_UNSAFE_IN_PATH if slash else _UNSAFE_IN_SEGMENT).search(value) is None:
        return value
    return quote(value, safe=SEGMENT_SAFE + "/" if slash else SEGMENT_SAFE)


class BaseConverter:
    """A rule variable: ``[^/]+`` in the path, given to the view as the string it matched.

    ``weight`` orders rules that could match the same path: the lower the weight, the more
    specific the converter and the earlier its rule is tried. ``part_isolating`` is False for a
    converter whose ``regex`` can match ``/``, so that it may span several path segments.
    """

    regex: str = "[^/]+"
    weight: int = 100
    part_isolating: bool = True

    def __init__(self, map: Any = None, *args: Any, **kwargs: Any) -> None:
        # Werkzeug's signature: the router comes first, then the rule's arguments, so a custom
        # converter written for Flask (``super().__init__(url_map)``) works unchanged.
        self.map = map

    def to_python(self, value: str) -> Any:
        """The view's value for the matched ``value``; ``ValueError`` makes the rule not match."""
        return value

    def to_url(self, value: Any) -> str:
        """The percent-encoded URL text for ``value``; ``ValueError`` if it cannot be built."""
        return quote_segment(str(value))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.regex!r}>"


class StringConverter(BaseConverter):
    """``<name>`` or ``<string(minlength=2, maxlength=8):name>``: text without a slash.

    ``length`` fixes the exact number of characters. A value that contains ``/`` is built
    with its slash, as Werkzeug builds it (a link to ``/tag/c/c++`` that this rule will not
    match): a page must not fail on a user's tag. Use ``<path:...>`` for such values.
    """

    def __init__(
        self,
        map: Any = None,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            minlength = maxlength = length
        if minlength < 0 or (maxlength is not None and maxlength < minlength):
            raise ValueError(f"invalid length bounds minlength={minlength}, maxlength={maxlength}")
        self.minlength = minlength
        self.maxlength = maxlength
        if length is not None:
            self.regex = f"[^/]{{{length}}}"
        elif maxlength is None:
            self.regex = "[^/]+" if minlength == 1 else f"[^/]{{{minlength},}}"
        else:
            self.regex = f"[^/]{{{minlength},{maxlength}}}"

    def to_url(self, value: Any) -> str:
        text = value if type(value) is str else str(value)
        too_long = self.maxlength is not None and len(text) > self.maxlength
        if len(text) < self.minlength or too_long:
            raise ValueError(f"length {len(text)} is outside the rule's bounds")
        quoted = quote_segment(text, slash=True)
        # APPSEC: a leading slash stays encoded: "/<name>" must never build "//evil.example".
        return f"%2F{quoted[1:]}" if quoted.startswith("/") else quoted


class _NumberConverter(BaseConverter):
    """Shared bounds and sign handling of ``int`` and ``float``."""

    weight = 50

    def __init__(
        self,
        map: Any = None,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        self.min = min
        self.max = max
        self.signed = signed

    def _check(self, number: float) -> None:
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValueError(f"{number} is outside the range {self.min}..{self.max}")
        if number < 0 and not self.signed:
            raise ValueError(f"{number} is negative; the rule needs signed=True")


class IntConverter(_NumberConverter):
    """``<int:n>``: ASCII digits only (no sign unless ``signed=True``, no ``+``, no spaces).

    ``fixed_digits=4`` accepts exactly four digits and builds zero-padded (``0042``);
    ``min`` and ``max`` bound the value, both ways.
    """

    def __init__(
        self,
        map: Any = None,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min, max, signed)
        self.fixed_digits = fixed_digits
        # APPSEC: [0-9], not \d, which would accept other scripts' digits that int() converts.
        digits = f"[0-9]{{{fixed_digits}}}" if fixed_digits else "[0-9]+"
        self.regex = f"-?{digits}" if signed else digits

    def to_python(self, value: str) -> int:
        number = int(value)
        self._check(number)
        return number

    def to_url(self, value: Any) -> str:
        number = int(value)
        self._check(number)
        digits = str(abs(number)).zfill(self.fixed_digits)
        if self.fixed_digits and len(digits) != self.fixed_digits:
            raise ValueError(f"{number} has more than {self.fixed_digits} digits")
        return f"-{digits}" if number < 0 else digits


class FloatConverter(_NumberConverter):
    """``<float:x>``: digits, a dot, digits (``1.5``; not ``1``, ``.5`` or ``1e3``).

    Building writes the shortest text that reads back as the same float, without an exponent.
    """

    def __init__(
        self,
        map: Any = None,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min, max, signed)
        self.regex = r"-?[0-9]+\.[0-9]+" if signed else r"[0-9]+\.[0-9]+"

    def to_python(self, value: str) -> float:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{value!r} is too large for a float")
        self._check(number)
        return number

    def to_url(self, value: Any) -> str:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{number} has no URL form")
        if number == 0:
            number = 0.0  # -0.0 would need signed=True for no benefit
        self._check(number)
        text = repr(number)
        if "e" in text:
            # Rare: expand the exponent. Imported here to keep `import erlen` cheap.
            from decimal import Decimal

            text = format(Decimal(text), "f")
        return text if "." in text else f"{text}.0"


class PathConverter(BaseConverter):
    """``<path:subpath>``: the rest of the path, slashes included (never a leading slash)."""

    regex = "[^/].*?"
    weight = 200
    part_isolating = False

    def to_url(self, value: Any) -> str:
        text = str(value)
        # APPSEC: a leading slash could never match, and at the start of a URL it would make
        # "//host/..." -- a link to another site.
        if not text or text.startswith("/"):
            raise ValueError("a path value must be non-empty and must not start with '/'")
        return quote_segment(text, slash=True)


class UUIDConverter(BaseConverter):
    """``<uuid:ident>``: a hyphenated UUID, given to the view as :class:`uuid.UUID`."""

    regex = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    weight = 30

    def to_python(self, value: str) -> uuid.UUID:
        # PERF: `uuid` costs ~7 ms to import (it loads `platform`); only UUID routes pay it.
        import uuid

        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        import uuid

        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


class AnyConverter(BaseConverter):
    """``<any(about, help, 'contact us'):page>``: exactly one of the listed words."""

    weight = 20

    def __init__(self, map: Any = None, *items: Any) -> None:
        super().__init__(map)
        if not items:
            raise ValueError("any() needs at least one value")
        self.items = tuple(str(item) for item in items)
        longest_first = sorted(self.items, key=len, reverse=True)
        self.regex = "(?:" + "|".join(re.escape(item) for item in longest_first) + ")"
        self.part_isolating = not any("/" in item for item in self.items)

    def to_url(self, value: Any) -> str:
        text = str(value)
        if text not in self.items:
            raise ValueError(f"{text!r} is not one of {', '.join(map(repr, self.items))}")
        return quote_segment(text, slash=not self.part_isolating)


DEFAULT_CONVERTERS: dict[str, type[BaseConverter]] = {
    "default": StringConverter,
    "string": StringConverter,
    "int": IntConverter,
    "float": FloatConverter,
    "path": PathConverter,
    "uuid": UUIDConverter,
    "any": AnyConverter,
}
