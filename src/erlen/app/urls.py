"""``url_for``: URLs built from endpoint names, so routes can move without breaking links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..core.errors import BuildError
from .context import _lookup_context, get_context

if TYPE_CHECKING:
    from .app import App

__all__ = ["url_for", "build_url"]


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
    if app.url_default_functions:
        app.inject_url_defaults(endpoint, values)
    try:
        path = app.url_map.build(endpoint, values, method)
    except BuildError as error:
        values.update(_anchor=anchor, _method=method, _scheme=scheme, _external=external)
        return app.handle_url_build_error(error, endpoint, values)
    if request is not None:
        root = request.root_path
        host = request.host
        url_scheme = scheme or request.scheme
    else:
        root = str(app.config.get("APPLICATION_ROOT") or "/").rstrip("/")
        server_name = app.config.get("SERVER_NAME")
        if external and not server_name:
            raise RuntimeError(
                "Unable to build URLs outside an active request without 'SERVER_NAME' "
                "configured. Set 'SERVER_NAME' (and 'APPLICATION_ROOT', "
                "'PREFERRED_URL_SCHEME' as needed), or pass _external=False."
            )
        host = str(server_name)
        url_scheme = scheme or str(app.config.get("PREFERRED_URL_SCHEME") or "http")
    url = f"{quote(root)}{path}"
    if external:
        url = f"{url_scheme}://{host}{url}"
    if anchor is not None:
        url = f"{url}#{quote(anchor, safe='%!#$&()*+,/:;=?@')}"
    return url
