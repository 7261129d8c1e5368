"""``url_for``: URLs built from endpoint names, so routes can move without breaking links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..core.errors import BuildError
from ..core.routing.adapter import subdomain_of, without_default_port
from .context import _lookup_context, get_context

if TYPE_CHECKING:
    from ..core.request import Request
    from .app import App

__all__ = ["url_for", "build_url", "subdomain_of", "without_default_port"]


def url_for(
    endpoint: str,
    /,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: Any,
) -> str:
    """The URL of ``endpoint``, filled in with ``values``.

    Values the rule does not use go to the query string (``url_for("search", q="x")`` gives
    ``/search?q=x``). ``".view"`` names a view of the current blueprint. Inside a request the URL
    is a path (``/user/alice``) unless ``_external=True``; outside one it is absolute and needs
    the ``SERVER_NAME`` setting. Raises :class:`~erlen.errors.BuildError` for an unknown endpoint
    or a missing value.
    """
    app = _lookup_context("url_for").app
    return build_url(app, endpoint, values, _anchor, _method, _scheme, _external)


def build_url(
    app: App,
    endpoint: str,
    values: dict[str, Any],
    anchor: str | None = None,
    method: str | None = None,
    scheme: str | None = None,
    external: bool | None = None,
) -> str:
    """The work behind :func:`url_for` and ``app.url_for``."""
    ctx = get_context()
    request = ctx.request if ctx is not None else None
    if endpoint.startswith("."):
        blueprint = request.blueprint if request is not None else None
        endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
    if external is None:
        external = scheme is not None or request is None
    elif scheme is not None and not external:
        raise ValueError("'_scheme' only makes sense with '_external=True'.")
    if request is None and external and not app.config.get("SERVER_NAME"):
        # Before building, as in Flask: the missing setting is the error to report.
        raise RuntimeError(
            "Unable to build URLs outside an active request without 'SERVER_NAME' "
            "configured. Set 'SERVER_NAME' (and 'APPLICATION_ROOT', "
            "'PREFERRED_URL_SCHEME' as needed), or pass _external=False."
        )
    if app.url_default_functions:
        app.inject_url_defaults(endpoint, values)
    try:
        built_domain, path = app.url_map.build_parts(endpoint, values, method)
        domain = None
        if app.url_map.uses_domains or app.subdomain_matching:
            domain = _other_host(app, endpoint, built_domain, request)
    except BuildError as error:
        values.update(_anchor=anchor, _method=method, _scheme=scheme, _external=external)
        return app.handle_url_build_error(error, endpoint, values)
    if request is not None:
        root = request.root_path
        host = request.host
        url_scheme = scheme or request.scheme
    else:
        root = str(app.config.get("APPLICATION_ROOT") or "/").rstrip("/")
        host = str(app.config.get("SERVER_NAME"))
        url_scheme = scheme or str(app.config.get("PREFERRED_URL_SCHEME") or "http")
    if domain is not None:
        # The rule answers on another subdomain (or host) than this request's: the URL must
        # name it, so it is absolute.
        external = True
        host = domain
    url = f"{quote(root)}{path}"
    if external:
        url = f"{url_scheme}://{host}{url}"
    if anchor is not None:
        url = f"{url}#{quote(anchor, safe='%!#$&()*+,/:;=?@')}"
    return url


def _other_host(app: App, endpoint: str, built: str | None, request: Request | None) -> str | None:
    """The host to name in the URL when the rule built (``built``: its subdomain, or its host
    with host matching) answers on another one than the current request, else None.

    As Werkzeug builds: with host matching, the rule's host; else the rule's subdomain (the
    default one when it has none) before ``SERVER_NAME`` (or the request's host).
    """
    url_map = app.url_map
    server_name = str(app.config.get("SERVER_NAME") or "").lower()
    current: str | None
    if request is not None:
        current = app._request_domain(request)
        scheme = request.scheme
        server_name = server_name or request.host.lower()
    else:
        scheme = str(app.config.get("PREFERRED_URL_SCHEME") or "http")
        current = None if url_map.host_matching else url_map.default_subdomain
    server_name = without_default_port(server_name, scheme)
    if url_map.host_matching:
        current = current if current is not None else server_name
        return built if built is not None and built != current else None
    subdomain = built if built is not None else url_map.default_subdomain
    if subdomain == current:
        return None
    if not server_name:
        raise RuntimeError(
            f"Unable to build the URL of {endpoint!r}, on subdomain {subdomain!r}, outside "
            "a request without 'SERVER_NAME' configured."
        )
    return f"{subdomain}.{server_name}" if subdomain else server_name
