"""A router bound to one server: Werkzeug's ``MapAdapter``, for code that matches or builds URLs
itself.

The app matches each request with :meth:`Router.lookup` and builds with ``url_for``; this is
the form Werkzeug and Flask code know: ``app.url_map.bind("example.com").match("/user/1")``
gives ``("user", {"id": 1})``, and ``app.create_url_adapter(request)`` (or, in a request,
``request_ctx.url_adapter``) is bound to the current request. Code checks with it whether a
``next=`` URL is one of the app's own routes, or which view a path would reach.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import HTTPException, RequestRedirect

if TYPE_CHECKING:
    from .router import Router
    from .rules import Rule

__all__ = ["MapAdapter", "subdomain_of", "without_default_port"]


class MapAdapter:
    """``router`` as seen from ``server_name`` under ``script_name``; see :meth:`Router.bind`.

    As in Werkzeug, ``server_name`` is the app's domain and ``subdomain`` the part of the
    current host before it (``"api"`` for ``api.example.com``); with host matching the server
    name is the whole host.
    """

    def __init__(
        self,
        router: Router,
        server_name: str,
        script_name: str = "/",
        subdomain: str | None = None,
        url_scheme: str = "http",
        path_info: str = "/",
        default_method: str = "GET",
        query_args: str = "",
    ) -> None:
        self.map = router
        self.server_name = server_name.lower()
        self.script_name = script_name if script_name.endswith("/") else f"{script_name}/"
        self.subdomain = router.default_subdomain if subdomain is None else subdomain
        self.url_scheme = url_scheme
        self.path_info = path_info
        self.default_method = default_method
        #: The query string a redirect keeps (Werkzeug's ``query_args``).
        self.query_args = query_args

    def _domain(self) -> str | None:
        """What the router matches besides the path: the host, the subdomain, or nothing."""
        if self.map.host_matching:
            return self.server_name
        return self.subdomain if self.map.uses_domains else None

    def match(
        self,
        path_info: str | None = None,
        method: str | None = None,
        return_rule: bool = False,
        query_args: str | None = None,
        websocket: bool = False,
    ) -> tuple[str | Rule, dict[str, Any]]:
        """The endpoint (or the rule, with ``return_rule``) and URL values ``path_info`` reaches.

        Raises, as Werkzeug's does: ``NotFound``, ``MethodNotAllowed`` (its ``valid_methods``
        name the methods the path accepts) or ``RequestRedirect`` (its ``new_url`` is where the
        canonical URL is, a missing trailing slash, say, with the query string kept:
        ``query_args``, else the one bound).
        """
        path = self.path_info if path_info is None else path_info
        path = "/" + path.lstrip("/")
        verb = (method or self.default_method).upper()
        try:
            rule, values = self.map.match(path, verb, websocket, self._domain())
        except RequestRedirect as redirect:
            if "://" in redirect.new_url:
                raise
            # Absolute, under the script root, as Werkzeug's: the router knows paths only.
            root = self.script_name.rstrip("/")
            host = self._host_for(self.subdomain)
            query = self.query_args if query_args is None else query_args
            url = f"{self.url_scheme}://{host}{root}{redirect.new_url}"
            raise RequestRedirect(f"{url}?{query}" if query else url) from None
        return (rule if return_rule else rule.endpoint), values

    def test(self, path_info: str | None = None, method: str | None = None) -> bool:
        """Whether ``path_info`` reaches a view (a redirect counts: it leads to one)."""
        try:
            self.match(path_info, method)
        except RequestRedirect:
            return True
        except HTTPException:
            return False
        return True

    def allowed_methods(self, path_info: str | None = None) -> list[str]:
        """The methods ``path_info`` accepts (none for a path no rule matches)."""
        path = "/" + (self.path_info if path_info is None else path_info).lstrip("/")
        return sorted(self.map.allowed_methods(path, domain=self._domain()))

    def build(
        self,
        endpoint: str,
        values: Mapping[str, Any] | None = None,
        method: str | None = None,
        force_external: bool = False,
        append_unknown: bool = True,
        url_scheme: str | None = None,
    ) -> str:
        """The URL of ``endpoint`` with ``values``: a path under the script root, or absolute
        with ``force_external`` or when the rule answers on another host or subdomain.
        Values the rule does not take go to the query string (left out without
        ``append_unknown``). Raises :class:`~erlen.errors.BuildError`."""
        if values is not None and hasattr(values, "lists"):  # a MultiDict: every value counts
            values = {key: items[0] if len(items) == 1 else items for key, items in values.lists()}
        given = {key: value for key, value in (values or {}).items() if value is not None}
        if not append_unknown:
            known = {arg for rule in self.map.rules_for(endpoint) for arg in rule.arguments}
            given = {key: value for key, value in given.items() if key in known}
        built_domain, path = self.map.build_parts(endpoint, given, method)
        host = self._host_for(built_domain)
        url = f"{self.script_name.rstrip('/')}{path}"
        if force_external or host != self._host_for(self.subdomain):
            scheme = self.url_scheme if url_scheme is None else url_scheme
            url = f"{scheme}://{host}{url}" if scheme else f"//{host}{url}"  # "": relative
        return url

    def _host_for(self, built_domain: str | None) -> str:
        """The host a rule answers on: its own with host matching, else its subdomain's."""
        if self.map.host_matching:
            return built_domain or self.server_name
        subdomain = self.map.default_subdomain if built_domain is None else built_domain
        return f"{subdomain}.{self.server_name}" if subdomain else self.server_name

    def __repr__(self) -> str:
        return f"<MapAdapter {self.url_scheme}://{self.server_name}{self.script_name}>"


def without_default_port(host: str, scheme: str) -> str:
    """``host`` without ``:80`` for http or ``:443`` for https (ws and wss alike)."""
    if scheme in ("http", "ws") and host.endswith(":80"):
        return host[:-3]
    if scheme in ("https", "wss") and host.endswith(":443"):
        return host[:-4]
    return host


def subdomain_of(host: str, server_name: str) -> str:
    """The subdomain of ``host`` under ``server_name`` (``"api"`` for ``api.example.com``
    under ``example.com``, ``""`` for the name itself), or ``"<invalid>"`` for a host outside
    it: no rule with a literal subdomain can match that."""
    labels, wanted = host.split("."), server_name.split(".")
    if labels[-len(wanted) :] != wanted:
        return "<invalid>"
    return ".".join(label for label in labels[: -len(wanted)] if label)
