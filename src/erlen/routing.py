"""URL rules, converters, the matcher and URL building.

A :class:`Rule` such as ``/user/<int:user_id>`` is compiled once, when added, into an anchored
regular expression and a list of parts for building. The :class:`Router` keeps:

- static rules (no variables) in a dict keyed by path, found in O(1);
- dynamic rules in buckets keyed by their first path segment when it is literal (``/api/...``),
  each bucket merged with the rules whose first segment is variable and sorted most specific
  first. A request is tried only against the bucket of its own first segment, so the last of a
  hundred ``/rN/<name>`` rules costs one dict lookup and one regex match.

Ordering follows Flask: a literal segment beats a variable one (``/user/new`` before
``/user/<name>``), ``int`` and ``float`` beat ``string``, and ``path`` comes last.
"""

from __future__ import annotations

import ast
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

from .errors import BuildError, MethodNotAllowed, NotFound, RequestRedirect

__all__ = [
    "BaseConverter",
    "StringConverter",
    "IntConverter",
    "FloatConverter",
    "PathConverter",
    "UUIDConverter",
    "AnyConverter",
    "DEFAULT_CONVERTERS",
    "Rule",
    "Router",
]

# -- converters -------------------------------------------------------------------------------

_SEGMENT_SAFE = "!$&'()*+,;=:@"


class BaseConverter:
    """Turns one URL variable into a Python value and back.

    ``regex`` is what the variable matches; ``to_python`` may raise ``ValueError`` to reject a
    match (the router then tries the next rule, then answers 404). ``weight`` orders rules: lower
    is tried first. Subclass this for a custom converter and register it on
    ``app.url_map.converters``.
    """

    regex: ClassVar[str] = "[^/]+"
    weight: ClassVar[int] = 100
    part_isolating: ClassVar[bool] = True

    def __init__(self, map: Router | None = None, *args: Any, **kwargs: Any) -> None:
        self.map = map

    def to_python(self, value: str) -> Any:
        return value

    def to_url(self, value: Any) -> str:
        return quote(str(value), safe=_SEGMENT_SAFE)


class StringConverter(BaseConverter):
    """The default: one path segment, optionally with length bounds."""

    def __init__(
        self,
        map: Router | None = None,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            bounds = f"{{{int(length)}}}"
        else:
            bounds = f"{{{int(minlength)},{'' if maxlength is None else int(maxlength)}}}"
        self.regex = f"[^/]{bounds}"  # type: ignore[misc]


class PathConverter(BaseConverter):
    """Like string, but also matches slashes: ``/files/<path:name>``."""

    regex = "[^/].*?"
    weight = 200
    part_isolating = False

    def to_url(self, value: Any) -> str:
        return quote(str(value), safe=_SEGMENT_SAFE + "/")


class _NumberConverter(BaseConverter):
    weight = 50
    num_convert: ClassVar[Any] = int

    def __init__(
        self,
        map: Router | None = None,
        fixed_digits: int = 0,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        self.fixed_digits = fixed_digits
        self.min = min
        self.max = max
        self.signed = signed
        if signed:
            self.regex = f"-?{type(self).regex}"  # type: ignore[misc]

    def to_python(self, value: str) -> Any:
        if self.fixed_digits and len(value) != self.fixed_digits:
            raise ValueError("wrong number of digits")
        number = self.num_convert(value)
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValueError("out of range")
        return number

    def to_url(self, value: Any) -> str:
        text = str(self.num_convert(value))
        if self.fixed_digits:
            text = text.zfill(self.fixed_digits)
        return text


class IntConverter(_NumberConverter):
    """Non-negative integers (``signed=True`` allows a minus sign), ``min``/``max`` bounds."""

    regex = r"\d+"


class FloatConverter(_NumberConverter):
    """Decimal numbers with a point: ``1.5`` (not ``1``), ``min``/``max`` bounds."""

    regex = r"\d+\.\d+"
    num_convert = float

    def __init__(
        self,
        map: Router | None = None,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)


class UUIDConverter(BaseConverter):
    """A UUID in its canonical hex form, given to the view as :class:`uuid.UUID`."""

    regex = r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        return str(value)


class AnyConverter(BaseConverter):
    """One of a fixed set of values: ``<any(about, help):page>``."""

    def __init__(self, map: Router | None = None, *items: str) -> None:
        super().__init__(map)
        if not items:
            raise ValueError("any() needs at least one value")
        self.items = tuple(str(item) for item in items)
        self.regex = "(?:" + "|".join(re.escape(item) for item in self.items) + ")"  # type: ignore[misc]

    def to_url(self, value: Any) -> str:
        if str(value) not in self.items:
            raise ValueError(f"{value!r} is not one of {', '.join(self.items)}")
        return quote(str(value), safe=_SEGMENT_SAFE)


DEFAULT_CONVERTERS: dict[str, type[BaseConverter]] = {
    "default": StringConverter,
    "string": StringConverter,
    "int": IntConverter,
    "float": FloatConverter,
    "path": PathConverter,
    "uuid": UUIDConverter,
    "any": AnyConverter,
}


def _parse_converter_args(text: str) -> tuple[list[Any], dict[str, Any]]:
    """Parse ``min=1, max=9`` or ``about, 'contact us'`` without evaluating code."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        raise ValueError(f"invalid converter arguments: {text!r}") from None
    assert isinstance(call, ast.Call)

    def value_of(node: ast.expr) -> Any:
        if isinstance(node, ast.Name):  # a bare word: any(about, help)
            return {"True": True, "False": False, "None": None}.get(node.id, node.id)
        return ast.literal_eval(node)

    try:
        args = [value_of(node) for node in call.args]
        kwargs = {kw.arg: value_of(kw.value) for kw in call.keywords if kw.arg}
    except ValueError:
        raise ValueError(f"converter arguments must be literals: {text!r}") from None
    return args, kwargs


# -- rules ------------------------------------------------------------------------------------

_VARIABLE = re.compile(
    r"<(?:(?P<converter>[A-Za-z_][A-Za-z0-9_]*)(?:\((?P<args>[^)]*)\))?:)?"
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)>"
)


class Rule:
    """One URL pattern bound to an endpoint and a set of methods.

    ``methods`` defaults to GET; HEAD is added whenever GET is present. OPTIONS is answered by
    the app unless the rule lists it. With ``strict_slashes`` (the default) a rule ending in ``/``
    redirects the slash-less URL to itself, and a rule without one does not match a URL with one.
    """

    __slots__ = (
        "rule", "endpoint", "methods", "strict_slashes", "defaults", "websocket", "host",
        "arguments", "is_static", "_regex", "_converters", "_to_python", "_parts", "_sort_key",
        "_first",
    )  # fmt: skip

    def __init__(
        self,
        rule: str,
        endpoint: str,
        methods: Iterable[str] | None = None,
        strict_slashes: bool = True,
        defaults: Mapping[str, Any] | None = None,
        websocket: bool = False,
    ) -> None:
        if not rule.startswith("/"):
            raise ValueError(f"URL rule {rule!r} must start with a slash ('/').")
        self.rule = rule
        self.endpoint = endpoint
        upper = {method.upper() for method in (methods if methods is not None else ("GET",))}
        if "GET" in upper:
            upper.add("HEAD")
        self.methods = frozenset(upper)
        self.strict_slashes = strict_slashes
        self.defaults = dict(defaults) if defaults else None
        self.websocket = websocket
        self.host: str | None = None
        self.arguments: tuple[str, ...] = ()
        self.is_static = "<" not in rule
        self._regex: re.Pattern[str] | None = None
        self._converters: dict[str, BaseConverter] = {}
        self._to_python: tuple[tuple[str, BaseConverter], ...] = ()
        self._parts: list[str | tuple[str, BaseConverter]] = []
        self._sort_key: tuple[Any, ...] = ()
        self._first: str | None = None

    def __repr__(self) -> str:
        methods = ", ".join(sorted(self.methods))
        return f"<Rule {self.rule!r} ({methods}) -> {self.endpoint}>"

    def compile(self, router: Router) -> None:
        """Build the matching regex and the building parts with the router's converters."""
        parts: list[str | tuple[str, BaseConverter]] = []
        names: list[str] = []
        position = 0
        for match in _VARIABLE.finditer(self.rule):
            if match.start() > position:
                parts.append(self.rule[position : match.start()])
            name = match.group("name")
            if name in names:
                raise ValueError(f"URL rule {self.rule!r} uses the variable {name!r} twice.")
            names.append(name)
            converter_name = match.group("converter") or "default"
            converter_class = router.converters.get(converter_name)
            if converter_class is None:
                raise LookupError(
                    f"URL rule {self.rule!r} uses the unknown converter {converter_name!r}; "
                    "register it on app.url_map.converters first."
                )
            args, kwargs = _parse_converter_args(match.group("args") or "")
            parts.append((name, converter_class(router, *args, **kwargs)))
            position = match.end()
        if position < len(self.rule):
            parts.append(self.rule[position:])
        leftover = "".join(part for part in parts if isinstance(part, str))
        if "<" in leftover or ">" in leftover:
            raise ValueError(f"URL rule {self.rule!r} has a malformed variable.")
        self._parts = parts
        self.arguments = tuple(names)
        self._converters = {name: conv for part in parts if isinstance(part, tuple)
                            for name, conv in (part,)}  # fmt: skip
        # PERF: converters that keep the matched text as it is (string, path) are not called.
        self._to_python = tuple(
            (name, converter)
            for name, converter in self._converters.items()
            if type(converter).to_python is not BaseConverter.to_python
        )
        pattern = []
        for index, part in enumerate(parts):
            if isinstance(part, str):
                text = part
                if index == len(parts) - 1 and not self.strict_slashes:
                    text = text.rstrip("/")
                pattern.append(re.escape(text))
            else:
                pattern.append(f"(?P<{part[0]}>{part[1].regex})")
        tail = "/?" if not self.strict_slashes else ""
        self._regex = re.compile("".join(pattern) + tail + r"\Z")
        self._sort_key = self._specificity()
        first = self.rule[1:].split("/", 1)[0]
        self._first = first if "<" not in first and "/" in self.rule[1:] else None

    def _specificity(self) -> tuple[Any, ...]:
        key: list[tuple[int, int]] = []
        for segment in self.rule.strip("/").split("/"):
            variables = list(_VARIABLE.finditer(segment))
            if not variables:
                key.append((0, 0))
            elif len(variables) == 1 and variables[0].group(0) == segment:
                converter = self._converters[variables[0].group("name")]
                key.append((2, converter.weight))
            else:
                literal = len(_VARIABLE.sub("", segment))
                key.append((1, -literal))
        return (tuple(key), -len(key))

    def match(self, path: str) -> dict[str, Any] | None:
        """The converted values when ``path`` matches, else None."""
        assert self._regex is not None
        found = self._regex.match(path)
        if found is None:
            return None
        values = found.groupdict()
        if self._to_python:
            try:
                for name, converter in self._to_python:
                    values[name] = converter.to_python(values[name])
            except ValueError:
                return None
        if self.defaults:
            return {**self.defaults, **values}
        return values

    def build(self, values: Mapping[str, Any]) -> str:
        """The path for ``values`` (which must hold every argument)."""
        out = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
            else:
                out.append(part[1].to_url(values[part[0]]))
        return "".join(out)


# -- the router -------------------------------------------------------------------------------


class Router:
    """The app's URL map: add rules, match a request's path, build URLs for endpoints."""

    def __init__(self, converters: Mapping[str, type[BaseConverter]] | None = None) -> None:
        self.converters: dict[str, type[BaseConverter]] = dict(DEFAULT_CONVERTERS)
        if converters:
            self.converters.update(converters)
        self._rules: list[Rule] = []
        self._static: dict[str, list[Rule]] = {}
        self._dynamic: list[Rule] = []
        self._by_endpoint: dict[str, list[Rule]] = {}
        self._buckets: dict[str, tuple[Rule, ...]] = {}
        self._wildcard: tuple[Rule, ...] = ()
        self._dirty = False

    def __repr__(self) -> str:
        return f"<Router {len(self._rules)} rules>"

    def add(self, rule: Rule) -> None:
        """Compile and add a rule; among equal rules, the first added wins."""
        rule.compile(self)
        self._rules.append(rule)
        self._by_endpoint.setdefault(rule.endpoint, []).append(rule)
        if rule.is_static:
            self._static.setdefault(rule.rule, []).append(rule)
            if not rule.strict_slashes:
                other = rule.rule[:-1] if rule.rule.endswith("/") else rule.rule + "/"
                if other:
                    self._static.setdefault(other, []).append(rule)
        else:
            self._dynamic.append(rule)
            self._dirty = True

    def _index(self) -> None:
        """Regroup dynamic rules by first segment; run lazily after rules were added."""
        ordered = sorted(self._dynamic, key=lambda rule: rule._sort_key)
        wildcard = tuple(rule for rule in ordered if rule._first is None)
        buckets: dict[str, list[Rule]] = {}
        for rule in ordered:
            if rule._first is not None:
                buckets.setdefault(rule._first, [])
        for key, bucket in buckets.items():
            bucket.extend(rule for rule in ordered if rule._first in (key, None))
        self._buckets = {key: tuple(bucket) for key, bucket in buckets.items()}
        self._wildcard = wildcard
        self._dirty = False

    def _candidates(self, path: str) -> tuple[Rule, ...]:
        if self._dirty:
            self._index()
        slash = path.find("/", 1)
        first = path[1:slash] if slash > 0 else None
        if first is not None:
            bucket = self._buckets.get(first)
            if bucket is not None:
                return bucket
        return self._wildcard

    def match(self, path: str, method: str, websocket: bool = False) -> tuple[Rule, dict[str, Any]]:
        """The rule for ``path`` and ``method`` with its converted values.

        Raises :class:`NotFound`, :class:`MethodNotAllowed` (a rule matches the path but not
        the method; OPTIONS too, unless a rule lists it: the app answers that one) or
        :class:`RequestRedirect` (the canonical URL has a trailing slash; ``new_url`` is the
        path only, the app adds the query string).
        """
        if not path:
            path = "/"
        allowed: set[str] = set()
        # PERF: static paths are one dict lookup.
        static = self._static.get(path)
        if static is not None:
            for rule in static:
                if method in rule.methods and rule.websocket == websocket:
                    return rule, dict(rule.defaults) if rule.defaults else {}
                if rule.websocket == websocket:
                    allowed.update(rule.methods)
        for rule in self._candidates(path):
            if rule.websocket != websocket:
                continue
            values = rule.match(path)
            if values is None:
                continue
            if method in rule.methods:
                return rule, values
            allowed.update(rule.methods)
        if allowed:
            raise MethodNotAllowed(allowed | {"OPTIONS"})
        if not path.endswith("/") and self._matches_any(path + "/", websocket):
            raise RequestRedirect(path + "/")
        raise NotFound()

    def _matches_any(self, path: str, websocket: bool) -> bool:
        static = self._static.get(path)
        if static is not None and any(rule.websocket == websocket for rule in static):
            return True
        return any(
            rule.websocket == websocket and rule.match(path) is not None
            for rule in self._candidates(path)
        )

    def allowed_methods(self, path: str) -> set[str]:
        """Every method some rule accepts for ``path`` (with OPTIONS when there is any)."""
        methods: set[str] = set()
        for rule in self._static.get(path, ()):
            methods.update(rule.methods)
        for rule in self._candidates(path):
            if rule.match(path) is not None:
                methods.update(rule.methods)
        return methods | {"OPTIONS"} if methods else methods

    def build(self, endpoint: str, values: Mapping[str, Any], method: str | None = None) -> str:
        """The path (plus query string for extra values) of ``endpoint``.

        Raises :class:`BuildError` when the endpoint is unknown or a value is missing.
        """
        rules = self._by_endpoint.get(endpoint)
        if not rules:
            raise BuildError(endpoint, values, "no rule for this endpoint")
        missing: list[str] = []
        for rule in rules:
            if method is not None and method.upper() not in rule.methods:
                continue
            defaults = rule.defaults or {}
            if any(key in values and values[key] != value for key, value in defaults.items()):
                continue
            lacking = [
                name for name in rule.arguments if name not in values and name not in defaults
            ]
            if lacking:
                missing = missing or lacking
                continue
            try:
                path = rule.build({**defaults, **values})
            except (ValueError, TypeError) as error:
                raise BuildError(
                    endpoint, values, f"a value does not fit the rule: {error}"
                ) from None
            extra = [
                (key, value) for key, value in values.items()
                if key not in rule.arguments and key not in defaults and value is not None
            ]  # fmt: skip
            return path + _query_string(extra) if extra else path
        if missing:
            names = ", ".join(repr(name) for name in missing)
            raise BuildError(endpoint, values, f"missing value for {names}")
        raise BuildError(endpoint, values, "no rule of this endpoint fits the method or defaults")

    def iter_rules(self, endpoint: str | None = None) -> Iterator[Rule]:
        """The rules in registration order (only ``endpoint``'s when given)."""
        if endpoint is not None:
            return iter(self._by_endpoint.get(endpoint, ()))
        return iter(self._rules)

    __iter__ = iter_rules

    def rules_for(self, endpoint: str) -> list[Rule]:
        return list(self._by_endpoint.get(endpoint, ()))


def _query_string(pairs: list[tuple[str, Any]]) -> str:
    parts = []
    for key, value in pairs:
        items = value if isinstance(value, (list, tuple)) else (value,)
        for item in items:
            if item is None:
                continue
            parts.append(f"{quote(str(key), safe='')}={quote(str(item), safe='')}")
    return "?" + "&".join(parts) if parts else ""
