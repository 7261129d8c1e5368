"""The router: finds the rule for a request path and builds paths back from endpoints.

Matching strategy (the hot path):

1. Rules without variables sit in a dict keyed by their path: one lookup, whatever the table
   size. A static rule therefore beats any dynamic one on the same path.
2. Rules with variables are sorted most specific first (see ``Rule._rank``: literal segments
   before converters, low converter weights such as ``int`` before ``string``, ``path`` last)
   and filed by their first segment when it is literal (``/users/<int:id>`` under ``users``);
   the others form one *wildcard* group, tried after the first segment's group.
3. Each group is one combined regex (see ``matcher.py``): a single C-level ``match`` finds the
   first rule that fits. Only when that rule then fails (a converter rejects the text, or the
   method differs) are the group's later rules tried one by one.

Failure is the slow path: a 405 or 404 rescans to collect the allowed methods and to look for a
trailing-slash redirect.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote_plus

from ..errors import BuildError, HTTPException, MethodNotAllowed, NotFound, RequestRedirect
from .adapter import MapAdapter, subdomain_of, without_default_port
from .converters import DEFAULT_CONVERTERS, BaseConverter, quote_segment
from .matcher import RuleGroup
from .rules import Rule

__all__ = ["Router"]

_REPEATED_SLASHES = re.compile("/{2,}")


class _Table:
    """The rules of one kind (HTTP or WebSocket), arranged for matching."""

    __slots__ = ("static", "groups", "wildcard", "empty")

    def __init__(self, rules: list[Rule]) -> None:
        self.empty = not rules
        static: dict[str, list[tuple[bool, int, Rule]]] = {}
        dynamic: list[Rule] = []
        for order, rule in enumerate(rules):
            if not rule.is_static:
                dynamic.append(rule)
                continue
            static.setdefault(rule.rule, []).append((False, order, rule))
            if not rule.strict_slashes and rule.rule != "/":
                other = rule.rule[:-1] if rule.rule.endswith("/") else f"{rule.rule}/"
                static.setdefault(other, []).append((True, order, rule))
        # Rules written for exactly this path come before those that only tolerate its slash.
        self.static = {
            path: tuple(entry[2] for entry in sorted(entries, key=lambda entry: entry[:2]))
            for path, entries in static.items()
        }
        dynamic.sort(key=lambda rule: rule._rank)  # stable: ties keep registration order
        by_segment: dict[str, list[Rule]] = {}
        wildcard: list[Rule] = []
        for rule in dynamic:
            if rule._first_segment is None:
                wildcard.append(rule)
            else:
                by_segment.setdefault(rule._first_segment, []).append(rule)
        self.groups = {segment: RuleGroup(group) for segment, group in by_segment.items()}
        self.wildcard = RuleGroup(wildcard) if wildcard else None

    def candidate_groups(self, path: str) -> Iterator[RuleGroup]:
        end = path.find("/", 1)
        group = self.groups.get(path[1:end]) if end != -1 else None
        if group is not None:
            yield group
        if self.wildcard is not None:
            yield self.wildcard


class Router:
    """The URL map: rules in, ``(rule, values)`` out for a path, paths out for an endpoint.

    ``converters`` is live: a converter registered on it after the router was created
    (``app.url_map.converters["list"] = ListConverter``) is available to rules added later.
    Add every rule before serving; adding one invalidates the compiled tables, which are
    rebuilt on the next match.
    """

    def __init__(self, converters: Mapping[str, type[BaseConverter]] | None = None) -> None:
        self.converters: dict[str, type[BaseConverter]] = dict(DEFAULT_CONVERTERS)
        if converters:
            self.converters.update(converters)
        self._rules: list[Rule] = []
        self._by_endpoint: dict[str, list[Rule]] = {}
        self._build_order: dict[str, list[Rule]] = {}
        self._tables: tuple[_Table, _Table] | None = None
        self._host_matching = False
        #: The subdomain of rules that name none (Werkzeug's ``Map.default_subdomain``).
        self.default_subdomain = ""
        #: What rules added without ``strict_slashes`` of their own get (Werkzeug's Map
        #: setting): with False, ``/about/`` matches the rule ``/about`` and the reverse.
        self.strict_slashes = True
        #: Whether a path with repeated slashes (``/api//users``) that matches once they are
        #: merged redirects there, as Werkzeug's ``Map.merge_slashes`` does.
        self.merge_slashes = True
        #: Whether :meth:`lookup` needs the request's domain: some rule has a subdomain or a
        #: host, or the router matches hosts. PERF: False for most apps, which route on the
        #: path alone.
        self.uses_domains = False

    @property
    def host_matching(self) -> bool:
        """Whether rules match the request's host (their ``host``) instead of the subdomain."""
        return self._host_matching

    @host_matching.setter
    def host_matching(self, value: bool) -> None:
        self._host_matching = bool(value)
        self.uses_domains = self._host_matching or any(
            rule.subdomain or rule.host for rule in self._rules
        )

    def add(self, rule: Rule) -> None:
        """Compile ``rule`` with the current converters and add it.

        Several rules may share a path and methods; the first added wins. Raises ``LookupError``
        for an unknown converter and ``ValueError`` for invalid converter arguments.
        """
        rule.compile(self.converters, self)
        self._rules.append(rule)
        if rule.subdomain or rule.host:
            self.uses_domains = True
        self._by_endpoint.setdefault(rule.endpoint, []).append(rule)
        candidates = self._build_order.setdefault(rule.endpoint, [])
        candidates.append(rule)
        # Rules that pin more values (``/page/`` with defaults={"n": 1}) are built first, so
        # that values equal to those defaults give the canonical, shorter URL; then rules that
        # take more path variables, so that a value goes into the path rather than the query
        # (``/items/42`` before ``/items/?id=42``), as Werkzeug orders them.
        candidates.sort(key=lambda rule: (-len(rule._fixed_defaults), -len(rule.arguments)))
        self._tables = None

    def _compile(self) -> tuple[_Table, _Table]:
        http = [rule for rule in self._rules if not rule.websocket]
        websocket = [rule for rule in self._rules if rule.websocket]
        self._tables = (_Table(http), _Table(websocket))
        return self._tables

    def match(
        self, path: str, method: str, websocket: bool = False, domain: str | None = None
    ) -> tuple[Rule, dict[str, Any]]:
        """The rule for ``path`` and ``method``, and the view's arguments.

        ``path`` is the percent-decoded path ("" counts as "/"); ``method`` is upper-case. HEAD
        matches GET rules. WebSocket rules match only with ``websocket=True``, and only they do.
        ``domain`` is the request's subdomain (or its host, with :attr:`host_matching`) when
        rules are matched on it too; None routes on the path alone.

        Raises:
            MethodNotAllowed: rules match the path but none accepts the method;
                ``valid_methods`` lists theirs, plus OPTIONS. This is also what an OPTIONS request
                gets unless a rule lists OPTIONS itself: the app catches it and answers the
                OPTIONS request with ``Allow: <valid_methods>``.
            RequestRedirect: nothing matches, but the path with a trailing slash does (a rule
                such as ``/projects/`` with strict slashes). ``new_url`` is that path,
                percent-encoded, without script root or query string: the app adds those.
            NotFound: nothing matches.
        """
        found = self.lookup(path, method, websocket, domain)
        if isinstance(found, HTTPException):
            raise found
        return found

    def lookup(
        self, path: str, method: str, websocket: bool = False, domain: str | None = None
    ) -> tuple[Rule, dict[str, Any]] | HTTPException:
        """:meth:`match`, with the routing error returned instead of raised.

        PERF: for the app, which keeps the error on the request and raises it only where the
        view would run: one raise (and traceback) fewer for every 404. A converter's own
        error (``abort(404)`` in ``to_python``) is still raised.
        """
        tables = self._tables or self._compile()
        table = tables[1] if websocket else tables[0]
        if not path:
            path = "/"
        if domain is not None:
            # The combined regexes know only paths: rules matched on a domain too are tried one
            # by one, which only apps that use domains pay for.
            for rule, values in self._domain_matches(table, path, domain):
                if method in rule.methods:
                    return rule, values
            return self._error(table, path, domain)
        static = table.static.get(path)
        if static is not None:
            for rule in static:
                if method in rule.methods:
                    return rule, dict(rule.defaults) if rule.defaults else {}
        end = path.find("/", 1)
        if end != -1:
            group = table.groups.get(path[1:end])
            if group is not None:
                result = group.match(path, method)
                if result is not None:
                    return result
        if table.wildcard is not None:
            result = table.wildcard.match(path, method)
            if result is not None:
                return result
        return self._error(table, path)

    def _path_matches(self, table: _Table, path: str) -> Iterator[tuple[Rule, dict[str, Any]]]:
        """Every rule whose path matches, with its values, in the order :meth:`lookup` tries."""
        for rule in table.static.get(path, ()):
            yield rule, dict(rule.defaults) if rule.defaults else {}
        for group in table.candidate_groups(path):
            yield from group.matching(path)

    def _domain_matches(
        self, table: _Table, path: str, domain: str
    ) -> Iterator[tuple[Rule, dict[str, Any]]]:
        """The rules that match both ``path`` and ``domain``, with all their values."""
        # As in Werkzeug, which matches the domain before the path and literal parts before
        # variables: rules with a literal (or the default) domain come first.
        variable = []
        for rule, values in self._path_matches(table, path):
            domain_values = rule.match_domain(domain, self._host_matching, self.default_subdomain)
            if domain_values is None:
                continue
            if not domain_values:
                yield rule, values
            else:
                # The rule's defaults win over what the domain gave, as in Werkzeug.
                variable.append((rule, {**domain_values, **values}))
        yield from variable

    def _error(self, table: _Table, path: str, domain: str | None = None) -> HTTPException:
        """The error for a path no rule accepted (the slow path of :meth:`match`)."""
        allowed = self._allowed(table, path, domain)
        if allowed:
            return MethodNotAllowed(allowed)
        # APPSEC: "//host" as a Location would send the client to another site.
        if not path.endswith("/") and not path.startswith("//"):
            slashed = f"{path}/"
            if self._allowed(table, slashed, domain):
                return RequestRedirect(quote_segment(slashed, slash=True))
        if self.merge_slashes and "//" in path:
            merged = _REPEATED_SLASHES.sub("/", path)  # never starts with "//"
            candidates = (merged,) if merged.endswith("/") else (merged, f"{merged}/")
            for candidate in candidates:
                if self._allowed(table, candidate, domain):
                    return RequestRedirect(quote_segment(candidate, slash=True))
        return NotFound()

    def _allowed(self, table: _Table, path: str, domain: str | None = None) -> set[str]:
        methods: set[str] = set()
        if domain is None:
            matches = self._path_matches(table, path)
        else:
            matches = self._domain_matches(table, path, domain)
        for rule, _ in matches:
            methods |= rule.methods
        return methods

    @property
    def has_websocket_rules(self) -> bool:
        """Whether any rule is a WebSocket one."""
        tables = self._tables or self._compile()
        return not tables[1].empty

    def is_websocket_path(self, path: str, domain: str | None = None) -> bool:
        """True when a WebSocket rule matches ``path`` (to explain a 404 over plain HTTP)."""
        tables = self._tables or self._compile()
        if tables[1].empty:
            return False
        return bool(self._allowed(tables[1], path or "/", domain))

    def allowed_methods(
        self, path: str, websocket: bool = False, domain: str | None = None
    ) -> set[str]:
        """The methods the rules matching ``path`` (and ``domain``) accept (OPTIONS when the
        app answers it)."""
        tables = self._tables or self._compile()
        return self._allowed(tables[1] if websocket else tables[0], path or "/", domain)

    def build(self, endpoint: str, values: Mapping[str, Any], method: str | None = None) -> str:
        """The path of ``endpoint`` filled with ``values``; see :meth:`build_parts`."""
        return self.build_parts(endpoint, values, method)[1]

    def build_parts(
        self, endpoint: str, values: Mapping[str, Any], method: str | None = None
    ) -> tuple[str | None, str]:
        """The subdomain (or host, with :attr:`host_matching`) and the path of ``endpoint``
        filled with ``values``; the first is None for a rule without one. Unused values become
        the query string.

        The first of the endpoint's rules that ``values`` can fill (and that accepts ``method``,
        when given) is used. Values are percent-encoded by their converters; query values
        that are lists or tuples repeat their key and ``None`` values are left out. The result
        has no scheme, host or script root.

        Raises:
            BuildError: unknown endpoint, a missing value (``reason`` names it), values that
                contradict every rule's defaults, or a value a converter cannot encode.
        """
        candidates = self._build_order.get(endpoint)
        if candidates is None:
            raise BuildError(endpoint, values, "no rule for this endpoint")
        reason: str | None = None
        for rule in candidates:
            if method is not None and method not in rule.methods:
                continue
            if rule._fixed_defaults and rule.contradicts_defaults(values):
                reason = reason or _unsuitable_reason(rule, values)
                continue
            try:
                path = rule.build(values)
                domain = (
                    rule.build_domain(values, self._host_matching)
                    if rule.subdomain or rule.host
                    else None
                )
            except ValueError as exc:
                reason = reason or str(exc)
                continue
            if path is None:
                reason = reason or _unsuitable_reason(rule, values)
                continue
            # Every variable was given, so equal sizes mean no value is left for the query.
            if len(values) != len(rule.arguments) or rule.defaults:
                query = _query_string(values, rule._consumed)
                if query:
                    path = f"{path}?{query}"
            return domain, path
        if reason is None:
            reason = f"no rule for this endpoint accepts method {method!r}"
        raise BuildError(endpoint, values, reason)

    def bind(
        self,
        server_name: str,
        script_name: str | None = None,
        subdomain: str | None = None,
        url_scheme: str = "http",
        default_method: str = "GET",
        path_info: str | None = None,
        query_args: str | None = None,
    ) -> MapAdapter:
        """The router bound to a server, to match paths and build URLs outside the dispatch,
        as Werkzeug's ``Map.bind``: ``url_map.bind("example.com").match("/user/1")``."""
        if self._host_matching and subdomain is not None:
            raise RuntimeError("With host matching, a router is bound to a host, not a subdomain.")
        return MapAdapter(
            self, without_default_port(server_name.lower(), url_scheme), script_name or "/",
            subdomain, url_scheme, path_info or "/", default_method, query_args or "",
        )  # fmt: skip

    def bind_to_environ(
        self,
        environ: Mapping[str, Any],
        server_name: str | None = None,
        subdomain: str | None = None,
    ) -> MapAdapter:
        """The router bound to the server, script root, path, method and query of a WSGI
        ``environ`` (Werkzeug's ``Map.bind_to_environ``; it reads the environ's keys only).

        Without ``server_name`` the request's host is the server name; with one, the host's
        part before it is the subdomain (``"<invalid>"`` for a host outside it), as in
        Werkzeug.
        """
        scheme = str(environ.get("wsgi.url_scheme", "http"))
        host = str(environ.get("HTTP_HOST") or "")
        if not host:
            host = f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '')}"
        host = without_default_port(host.rstrip(":").lower(), scheme)
        if server_name is None:
            server_name = host
        else:
            server_name = without_default_port(server_name.lower(), scheme)
            if subdomain is None and not self._host_matching:
                subdomain = subdomain_of(host, server_name)
        return MapAdapter(
            self, server_name, _wsgi_text(environ.get("SCRIPT_NAME")) or "/", subdomain, scheme,
            _wsgi_text(environ.get("PATH_INFO")) or "/",
            str(environ.get("REQUEST_METHOD", "GET")), str(environ.get("QUERY_STRING", "")),
        )  # fmt: skip

    def is_endpoint_expecting(self, endpoint: str, *arguments: str) -> bool:
        """Whether a rule of ``endpoint`` takes all of ``arguments`` (from its path or defaults).

        Werkzeug's name, used by URL-default functions that add a value (a language code) only
        to the endpoints that take it.
        """
        wanted = set(arguments)
        return any(
            wanted <= {*rule.arguments, *(rule.defaults or ())}
            for rule in self._by_endpoint.get(endpoint, ())
        )

    def iter_rules(self, endpoint: str | None = None) -> Iterator[Rule]:
        """Every rule (or every rule of ``endpoint``), in the order it was added."""
        if endpoint is None:
            return iter(self._rules)
        return iter(self._by_endpoint.get(endpoint, ()))

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def rules_for(self, endpoint: str) -> list[Rule]:
        """The rules of ``endpoint``, in the order they were added."""
        return list(self._by_endpoint.get(endpoint, ()))

    def __repr__(self) -> str:
        return f"<Router with {len(self._rules)} rules>"


# Characters a query key or value keeps as they are; the rest, "&", "=", "+", "#" and "%"
# included, are percent-encoded (a space becomes "+").
_QUERY_SAFE = "!$'()*,/:;?@"
_UNSAFE_IN_QUERY = re.compile(r"[^A-Za-z0-9\-._~!$'()*,/:;?@]")


def _quote_query(value: Any) -> str:
    text = value if type(value) is str else str(value)
    # PERF: skip quote_plus (~0.4 us) for the usual value that needs no quoting.
    if _UNSAFE_IN_QUERY.search(text) is None:
        return text
    return quote_plus(text, safe=_QUERY_SAFE)


def _query_string(values: Mapping[str, Any], consumed: frozenset[str]) -> str:
    """The values the rule did not use, as a query string, in the order given.

    A list or tuple repeats its key; None values (also inside lists) are left out.
    """
    pairs: list[str] = []
    for key, value in values.items():
        if key in consumed or value is None:
            continue
        quoted_key = _quote_query(key)
        if isinstance(value, list | tuple):
            pairs.extend(f"{quoted_key}={_quote_query(item)}" for item in value if item is not None)
        else:
            pairs.append(f"{quoted_key}={_quote_query(value)}")
    return "&".join(pairs)


def _unsuitable_reason(rule: Rule, values: Mapping[str, Any]) -> str:
    missing = rule.missing(values)
    if len(missing) == 1:
        return f"missing value for {missing[0]!r}"
    if missing:
        return f"missing values for {', '.join(map(repr, missing))}"
    return f"the values contradict the defaults {rule._fixed_defaults!r} of rule {rule.rule!r}"


def _wsgi_text(value: Any) -> str:
    """A WSGI path as text: the server gives its bytes as latin-1 characters."""
    text = str(value or "")
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:  # already text, from an environ not built by a server
        return text
