"""Rules: a URL pattern such as ``/post/<int:post_id>`` bound to an endpoint and its methods.

A :class:`Rule` is parsed (and its syntax checked) when created; it is compiled against the
router's converters when added with :meth:`Router.add <erlen.routing.Router.add>`, which is when
an unknown converter is reported. Compiling prepares everything matching and building need, so
that neither parses anything per request.

Rule syntax: literal text and variables. A variable is ``<name>`` (the ``string`` converter),
``<converter:name>`` or ``<converter(arguments):name>``; arguments are Python-like literals
(integers, floats, quoted strings, bare words, ``True``/``False``/``None``), positional or
``key=value``, and are never evaluated. Variables may sit inside a segment with literal text
around them: ``/<lang>/page-<int:n>.html``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from .converters import BaseConverter, quote_segment

__all__ = ["Rule", "Piece", "Binding"]

_VARIABLE_RE = re.compile(
    r"""
    <
    (?:
        (?P<converter>[A-Za-z_][A-Za-z0-9_]*)
        (?:\((?P<args>(?:[^()'"]|'[^']*'|"[^"]*")*)\))?
        :
    )?
    (?P<name>[^<>:]*)
    >
    """,
    re.VERBOSE,
)
_ARGUMENT_RE = re.compile(
    r"""
    \s*
    (?:(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*)?
    (?:'(?P<single>[^']*)'|"(?P<double>[^"]*)"|(?P<bare>[^\s,'"=()]+))
    \s*(?:,|\Z)
    """,
    re.VERBOSE,
)
_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_CONSTANTS: dict[str, Any] = {"True": True, "False": False, "None": None}

#: How one path segment ranks against others: (kind, converter weights, -literal length).
#: Kinds: 0 literal only, 1 literal and converters, 2 converters only, 3 a converter that can
#: span segments (``path``), 9 the end of the rule. Lower ranks are tried first.
SegmentRank = tuple[int, tuple[int, ...], int]
_END_OF_RULE: SegmentRank = (9, (), 0)


#: A variable's name, its group number in a pattern, and its converter's ``to_python`` (None
#: when that returns the text unchanged).
Binding = tuple[str, int, Callable[[str], Any] | None]


class Piece(NamedTuple):
    """One path segment of a compiled rule: its regex, with the leading slash, and variables.

    ``variables`` number their groups from the start of the piece. A ``shareable`` piece
    matches a given path in at most one way, so rules that begin with the same shareable pieces
    can share them in a combined pattern (see ``matcher.py``). The last piece of every rule is
    its end: ``\\Z``, or ``/?\\Z`` without strict slashes.
    """

    pattern: str
    groups: int
    variables: tuple[Binding, ...]
    shareable: bool = True


class _Variable(NamedTuple):
    """A ``<converter(args):name>`` as written in a rule, before any converter is looked up."""

    name: str
    converter: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def _parse_value(match: re.Match[str]) -> Any:
    """The Python value of one converter argument: quoted text, a number, a constant or a word."""
    if match["single"] is not None:
        return match["single"]
    if match["double"] is not None:
        return match["double"]
    bare: str = match["bare"]
    if bare in _CONSTANTS:
        return _CONSTANTS[bare]
    if _INT_RE.match(bare):
        return int(bare)
    if _FLOAT_RE.match(bare):
        return float(bare)
    return bare


def _parse_arguments(text: str, rule: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Split ``min=1, max=9`` or ``about, 'contact us'`` into positional and keyword arguments."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    position = 0
    while text[position:].strip():
        match = _ARGUMENT_RE.match(text, position)
        if match is None:
            raise ValueError(f"rule {rule!r}: cannot parse converter arguments ({text!r})")
        key = match["key"]
        if key is None:
            if kwargs:
                raise ValueError(f"rule {rule!r}: positional argument after keyword in ({text})")
            args.append(_parse_value(match))
        elif key in kwargs:
            raise ValueError(f"rule {rule!r}: argument {key!r} given twice in ({text})")
        else:
            kwargs[key] = _parse_value(match)
        position = match.end()
    return tuple(args), kwargs


def parse_rule(rule: str) -> list[str | _Variable]:
    """The rule as literal texts and variables, in order; ``ValueError`` on invalid syntax."""
    tokens: list[str | _Variable] = []
    names: set[str] = set()
    position = 0
    while position < len(rule):
        start = rule.find("<", position)
        literal = rule[position:] if start == -1 else rule[position:start]
        if ">" in literal:
            raise ValueError(f"rule {rule!r}: '>' without a matching '<'")
        if literal:
            tokens.append(literal)
        if start == -1:
            break
        match = _VARIABLE_RE.match(rule, start)
        if match is None:
            raise ValueError(
                f"rule {rule!r}: malformed variable at position {start}; write <name>, "
                "<converter:name> or <converter(arguments):name>"
            )
        name = match["name"]
        if not name.isidentifier():
            raise ValueError(f"rule {rule!r}: variable name {name!r} is not a Python identifier")
        if name in names:
            raise ValueError(f"rule {rule!r}: variable {name!r} appears twice")
        names.add(name)
        args, kwargs = _parse_arguments(match["args"] or "", rule)
        tokens.append(_Variable(name, match["converter"] or "default", args, kwargs))
        position = match.end()
    return tokens


def _rank_segment(items: list[str | tuple[_Variable, BaseConverter]]) -> SegmentRank:
    literal_length = sum(len(item) for item in items if isinstance(item, str))
    converters = [item[1] for item in items if not isinstance(item, str)]
    weights = tuple(converter.weight for converter in converters)
    if not converters:
        return (0, (), -literal_length)
    if not all(converter.part_isolating for converter in converters):
        return (3, weights, -literal_length)
    if literal_length:
        return (1, weights, -literal_length)
    return (2, weights, 0)


class _Domain(NamedTuple):
    """A compiled subdomain or host pattern."""

    regex: re.Pattern[str]
    bindings: tuple[Binding, ...]
    #: Literal texts and (name, to_url) slots, in order, for building.
    plan: tuple[str | tuple[str, Callable[[Any], str]], ...]


class Rule:
    """A URL rule: the pattern, its endpoint, the methods it answers and how it matches.

    ``methods`` defaults to GET; HEAD is added whenever GET is present. OPTIONS is only in
    ``methods`` when given explicitly: automatic OPTIONS answers are the app's business (see
    :meth:`Router.match <erlen.routing.Router.match>`). With ``strict_slashes`` (the default),
    ``/projects/`` requested as ``/projects`` redirects and ``/about`` requested as ``/about/``
    is not found; without it both forms match. ``defaults`` are values the view receives without
    them being in the URL; for a rule's own variable a default is only a fallback when building.

    Raises ``ValueError`` for a rule that does not start with ``/`` or has invalid syntax.
    """

    __slots__ = (
        "rule", "endpoint", "methods", "strict_slashes", "defaults", "is_static", "arguments",
        "websocket", "host", "subdomain", "domain_arguments", "_tokens", "_regex", "_pattern",
        "_pieces", "_variables", "_rank", "_first_segment", "_build_prefix", "_build_slots",
        "_consumed", "_fixed_defaults", "_domains", "provide_automatic_options",
        "_router_slashes",
    )  # fmt: skip

    def __init__(
        self,
        rule: str,
        endpoint: str,
        methods: Iterable[str] | None = None,
        strict_slashes: bool | None = None,
        defaults: Mapping[str, Any] | None = None,
        websocket: bool = False,
        subdomain: str | None = None,
        host: str | None = None,
    ) -> None:
        if not isinstance(rule, str) or not rule.startswith("/"):
            raise ValueError(f"rule {rule!r} must be a string starting with '/'")
        if isinstance(methods, str):
            raise TypeError(f"rule {rule!r}: methods must be a list of names, not a string")
        method_set = {method.upper() for method in (methods if methods is not None else ("GET",))}
        if not method_set:
            raise ValueError(f"rule {rule!r}: methods must name at least one method")
        if "GET" in method_set:
            method_set.add("HEAD")
        self.rule = rule
        self.endpoint = endpoint
        self.methods: frozenset[str] = frozenset(method_set)
        self.strict_slashes = True if strict_slashes is None else strict_slashes
        #: None given: the router's ``strict_slashes`` applies once the rule is added to one,
        #: as Werkzeug's Map setting does.
        self._router_slashes = strict_slashes is None
        self.defaults: dict[str, Any] | None = dict(defaults) if defaults is not None else None
        self.websocket = websocket
        #: Set by the app: OPTIONS on this rule is answered with the Allow header.
        self.provide_automatic_options = False
        #: The subdomain (``"api"``, ``"<user>"``) or, when the router matches hosts, the host
        #: (``"<shop>.example.com"``) the rule answers on; None for the default.
        self.subdomain = subdomain
        self.host = host
        self._tokens = parse_rule(rule)
        self.arguments: tuple[str, ...] = tuple(
            token.name for token in self._tokens if isinstance(token, _Variable)
        )
        #: The variables of the subdomain and host patterns (not of the path).
        self.domain_arguments: tuple[str, ...] = tuple(
            token.name
            for pattern in (subdomain, host)
            if pattern
            for token in parse_rule(pattern)
            if isinstance(token, _Variable)
        )
        #: (subdomain, host) patterns compiled: (regex, bindings, build plan), or None.
        self._domains: tuple[_Domain | None, _Domain | None] = (None, None)
        self.is_static = not self.arguments
        # Filled in by compile(), when the rule joins a router.
        self._regex: re.Pattern[str] | None = None
        self._pattern = ""
        self._pieces: tuple[Piece, ...] = ()
        self._variables: tuple[Binding, ...] = ()
        self._rank: tuple[SegmentRank, ...] = ()
        self._first_segment: str | None = None
        self._build_prefix = ""
        self._build_slots: tuple[tuple[str, Callable[[Any], str], str], ...] = ()
        defaults_ = self.defaults or {}
        self._consumed = (
            frozenset(self.arguments) | frozenset(self.domain_arguments) | frozenset(defaults_)
        )
        # Defaults for names that are not variables: a build must not contradict them.
        self._fixed_defaults = {
            key: value for key, value in defaults_.items() if key not in self.arguments
        }

    def compile(self, converters: Mapping[str, type[BaseConverter]], map: Any = None) -> None:
        """Look up the converters and prepare the regex, the rank and the build plan.

        Raises ``LookupError`` for an unknown converter and ``ValueError`` for converter
        arguments or a converter regex that do not work.
        """
        if self._router_slashes and map is not None:
            self.strict_slashes = bool(getattr(map, "strict_slashes", True))
        segments: list[list[str | tuple[_Variable, BaseConverter]]] = [[]]
        literals = [""]
        slot_names: list[tuple[str, Callable[[Any], str]]] = []
        for token in self._tokens:
            if isinstance(token, str):
                literals[-1] += quote_segment(token, slash=True)
                for position, text in enumerate(token.split("/")):
                    if position:
                        segments.append([])
                    if text:
                        segments[-1].append(text)
            else:
                converter = self._make_converter(token, converters, map)
                segments[-1].append((token, converter))
                slot_names.append((token.name, converter.to_url))
                literals.append("")
        segments = segments[1:]  # the empty one before the leading slash
        self._rank = (*(_rank_segment(items) for items in segments), _END_OF_RULE)
        # A literal first segment lets the router file the rule under it (see router.py).
        first = segments[0]
        literal_first = len(first) == 1 and isinstance(first[0], str) and len(segments) > 1
        self._first_segment = str(first[0]) if literal_first else None
        self._build_prefix = literals[0]
        self._build_slots = tuple(
            (name, to_url, literal)
            for (name, to_url), literal in zip(slot_names, literals[1:], strict=True)
        )
        tail = r"\Z"
        if not self.strict_slashes and self.rule != "/":
            tail = r"/?\Z"
            if not segments[-1]:
                segments.pop()  # "/projects/": the optional slash stands for the last segment
        self._pieces = (*(self._compile_segment(items) for items in segments), Piece(tail, 0, ()))
        self._pattern = "".join(piece.pattern for piece in self._pieces)
        try:
            self._regex = re.compile(self._pattern, re.DOTALL)
        except re.error as exc:
            raise ValueError(f"rule {self.rule!r} does not compile to a regex: {exc}") from None
        starts = [0]
        for piece in self._pieces[:-1]:
            starts.append(starts[-1] + piece.groups)
        self._variables = self.bind_groups(starts)
        self._domains = (
            self._compile_domain(self.subdomain, converters, map),
            self._compile_domain(self.host, converters, map),
        )

    def _compile_domain(
        self, pattern: str | None, converters: Mapping[str, type[BaseConverter]], map: Any
    ) -> _Domain | None:
        """A subdomain or host pattern as a regex over the whole name, with its variables."""
        if not pattern:
            return None
        parts: list[str] = []
        bindings: list[Binding] = []
        plan: list[str | tuple[str, Callable[[Any], str]]] = []
        groups = 0
        for token in parse_rule(pattern):
            if isinstance(token, str):
                parts.append(re.escape(token))
                plan.append(token)
                continue
            converter = self._make_converter(token, converters, map)
            capture, binding, taken = self._capture(token, converter, groups)
            bindings.append(binding)
            parts.append(capture)
            groups += taken
            plan.append((token.name, converter.to_url))
        regex = re.compile("".join(parts) + r"\Z", re.DOTALL | re.IGNORECASE)
        return _Domain(regex, tuple(bindings), tuple(plan))

    def match_domain(
        self, domain: str, host_matching: bool, default: str = ""
    ) -> dict[str, Any] | None:
        """The values of the subdomain (or host, when ``host_matching``) variables for
        ``domain``, or None when the rule does not answer on it.

        A rule without a pattern answers on the default subdomain only (and, matching hosts, on
        none), as Werkzeug's do.
        """
        compiled = self._domains[1 if host_matching else 0]
        if compiled is None:
            return {} if not host_matching and domain == default else None
        found = compiled.regex.match(domain)
        if found is None:
            return None
        values: dict[str, Any] = {}
        for name, group, to_python in compiled.bindings:
            text = found.group(group)
            try:
                values[name] = text if to_python is None else to_python(text)
            except ValueError:
                return None
        return values

    def build_domain(self, values: Mapping[str, Any], host_matching: bool) -> str | None:
        """The rule's subdomain (or host) filled with ``values``; None when it has no pattern.

        Raises ``ValueError`` for a missing value or one its converter cannot encode.
        """
        compiled = self._domains[1 if host_matching else 0]
        if compiled is None:
            return None
        parts: list[str] = []
        for item in compiled.plan:
            if isinstance(item, str):
                parts.append(item)
                continue
            name, to_url = item
            value = values.get(name)
            if value is None and self.defaults:
                value = self.defaults.get(name)
            if value is None:
                raise ValueError(f"missing value for {name!r}")
            parts.append(to_url(value))
        return "".join(parts)

    def _compile_segment(self, items: list[str | tuple[_Variable, BaseConverter]]) -> Piece:
        """The regex of one path segment (with its leading slash) and the variables in it."""
        pattern = ["/"]
        variables: list[Binding] = []
        groups = 0
        for item in items:
            if isinstance(item, str):
                pattern.append(re.escape(item))
                continue
            variable, converter = item
            capture, binding, taken = self._capture(variable, converter, groups)
            variables.append(binding)
            pattern.append(capture)
            groups += taken
        # Only a literal segment, or a single converter that fills the segment and cannot match
        # a slash, matches a given path in exactly one way: the matcher may share those.
        shareable = all(isinstance(item, str) for item in items) or (
            len(items) == 1 and not isinstance(items[0], str) and items[0][1].part_isolating
        )
        return Piece("".join(pattern), groups, tuple(variables), shareable)

    def _capture(
        self, variable: _Variable, converter: BaseConverter, groups: int
    ) -> tuple[str, Binding, int]:
        """A variable's capturing group, its binding (after ``groups`` groups), and how many
        groups it takes; ``ValueError`` for a converter regex that does not compile."""
        try:
            inner_groups = re.compile(converter.regex).groups
        except re.error as exc:
            raise ValueError(
                f"rule {self.rule!r}: converter {variable.converter!r} has an invalid "
                f"regex {converter.regex!r}: {exc}"
            ) from None
        identity = type(converter).to_python is BaseConverter.to_python
        # PERF: converters that return the text unchanged are not called per match.
        binding = (variable.name, groups + 1, None if identity else converter.to_python)
        return f"({converter.regex})", binding, 1 + inner_groups

    def bind_groups(self, starts: Sequence[int]) -> tuple[Binding, ...]:
        """The rule's variables with their group numbers, given where each piece's groups start."""
        return tuple(
            (name, start + offset, to_python)
            for piece, start in zip(self._pieces, starts, strict=True)
            for name, offset, to_python in piece.variables
        )

    def _make_converter(
        self,
        variable: _Variable,
        converters: Mapping[str, type[BaseConverter]],
        map: Any = None,
    ) -> BaseConverter:
        converter_class = converters.get(variable.converter)
        if converter_class is None:
            raise LookupError(
                f"rule {self.rule!r} uses unknown converter {variable.converter!r}; "
                f"known converters: {', '.join(sorted(converters))}"
            )
        try:
            return converter_class(map, *variable.args, **variable.kwargs)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"rule {self.rule!r}: invalid arguments for converter {variable.converter!r}: {exc}"
            ) from None

    def convert(
        self, match: re.Match[str], bindings: tuple[Binding, ...] | None = None
    ) -> dict[str, Any]:
        """The view arguments from a regex match of this rule (defaults first, then the URL's).

        ``bindings`` give the variables' group numbers in a combined pattern (see
        :meth:`bind_groups`); by default, those of the rule's own regex. Raises ``ValueError``
        when a converter rejects its text, meaning the rule does not match after all.
        """
        values = dict(self.defaults) if self.defaults else {}
        for name, group, to_python in bindings or self._variables:
            text = match.group(group)
            values[name] = text if to_python is None else to_python(text)
        return values

    def contradicts_defaults(self, values: Mapping[str, Any]) -> bool:
        """Whether ``values`` give another value for a default that is not a variable.

        ``/page/`` with ``defaults={"n": 1}`` cannot build ``n=2``; another rule must.
        """
        for key, value in self._fixed_defaults.items():
            given = values.get(key)
            if given is not None and given != value:
                return True
        return False

    def build(self, values: Mapping[str, Any]) -> str | None:
        """This rule's path filled with ``values``, or None when a variable has no value.

        Raises ``ValueError`` naming the variable when its converter cannot encode the value.
        """
        parts = [self._build_prefix]
        for name, to_url, literal in self._build_slots:
            value = values.get(name)
            if value is None:
                if not self.defaults or name not in self.defaults:
                    return None
                value = self.defaults[name]
            try:
                parts.append(to_url(value))
            except (ValueError, TypeError, OverflowError) as exc:
                raise ValueError(f"value {value!r} for {name!r} cannot be built: {exc}") from None
            parts.append(literal)
        return "".join(parts)

    def missing(self, values: Mapping[str, Any]) -> list[str]:
        """The variables ``values`` lacks to build this rule (for error messages)."""
        defaults = self.defaults or {}
        return [
            name for name in self.arguments if values.get(name) is None and name not in defaults
        ]

    def __str__(self) -> str:
        return self.rule  # as Werkzeug's: str(request.url_rule) is the rule's text

    def __repr__(self) -> str:
        methods = ", ".join(sorted(self.methods))
        return f"<Rule {self.rule!r} ({methods}) -> {self.endpoint}>"
