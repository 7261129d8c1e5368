"""The routes that publish an app's API: ``/openapi.json`` and the ``/docs`` page (Swagger UI).

They are added by the app's first typed view (``Erlen._typed_view``), at the paths in
``OPENAPI_URL`` and ``DOCS_URL`` (set either to None, before the first typed route, to leave it
out; the page needs the document). An app without typed views can add them with
:func:`register_api_docs`.

Swagger UI's assets are served from the ``swagger-ui-py`` package, never from a CDN, so the page
works offline. That package is chosen because it ships Swagger UI 5 (which renders OpenAPI 3.1);
``swagger-ui-bundle`` still ships 4.15, which refuses 3.1 documents. Only its static folder is
read: the package itself (and its framework handlers) is never imported.
"""

from __future__ import annotations

import importlib.util
import json
import os
from html import escape
from typing import TYPE_CHECKING, Any

from ...core.errors import NotFound
from ..context import request

if TYPE_CHECKING:
    from ...core.response import Response
    from ..app import App

__all__ = ["register_api_docs", "swagger_ui_folder", "DOCS_ASSETS"]

_STATE_KEY = "erlen.apidocs"

#: The files the docs page loads, all served by the app itself.
DOCS_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "erlen-docs.js")

# The page's script, kept out of the HTML so a Content-Security-Policy of script-src 'self'
# allows it. ``validatorUrl: null``: Swagger UI would otherwise fetch a badge from the network.
_INIT_SCRIPT = b"""window.addEventListener("load", function () {
  var node = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: node.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/erlen-docs.js"></script>
</body>
</html>
"""

_MISSING_ASSETS = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>API docs unavailable</title>
<h1>API docs unavailable</h1>
<p>The docs page needs Swagger UI's files from the <code>swagger-ui-py</code> package:
<code>pip install "erlen[typed]"</code>. The document itself is at
<a href="{openapi_url}">{openapi_url}</a>.</p>
"""


def swagger_ui_folder() -> str | None:
    """The folder of Swagger UI's files in the installed ``swagger-ui-py``, or None."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = os.path.join(next(iter(spec.submodule_search_locations)), "static")
    return folder if os.path.isfile(os.path.join(folder, "swagger-ui-bundle.js")) else None


class _DocsState:
    """What the docs routes keep: the settings read at registration and the cached document."""

    def __init__(self, app: App, openapi_url: str | None, docs_url: str | None) -> None:
        self.app = app
        self.openapi_url = openapi_url
        self.docs_url = docs_url
        self._document: bytes | None = None
        self._document_key: tuple[int, int] | None = None

    def document(self) -> bytes:
        """The document's JSON, rebuilt when routes or config changed since the last build."""
        app = self.app
        key = (len(list(app.url_map.iter_rules())), app.config.version)
        if self._document is None or key != self._document_key:
            self._document = json.dumps(app.openapi(), ensure_ascii=False).encode()
            self._document_key = key
        return self._document

    def serve_document(self) -> Response:
        return self.app.response_class(self.document(), content_type="application/json")

    def serve_page(self) -> Response:
        assert self.openapi_url is not None and self.docs_url is not None
        root = request.script_root
        openapi_url = escape(root + self.openapi_url)
        if swagger_ui_folder() is None:
            page = _MISSING_ASSETS.format(openapi_url=openapi_url)
            return self.app.response_class(page, 501, content_type="text/html; charset=utf-8")
        title = escape(f"{self.app.config.get('OPENAPI_TITLE') or self.app.name} - API docs")
        page = _PAGE.format(
            title=title,
            assets=escape(root + self.docs_url.rstrip("/") + "/assets"),
            openapi_url=openapi_url,
        )
        return self.app.response_class(page, content_type="text/html; charset=utf-8")

    def serve_asset(self, filename: str) -> Any:
        if filename not in DOCS_ASSETS:
            raise NotFound(f"The docs page has no asset {filename!r}.")
        if filename == "erlen-docs.js":
            return self.app.response_class(
                _INIT_SCRIPT, content_type="text/javascript; charset=utf-8"
            )
        folder = swagger_ui_folder()
        if folder is None:
            raise NotFound("Swagger UI's files are not installed: pip install 'erlen[typed]'.")
        from ..static import send_from_directory

        return send_from_directory(folder, filename, max_age=86400)


def register_api_docs(app: App) -> None:
    """Add the document and docs-page routes to ``app``, once, as its config says.

    A path the app already routes is left to the app's own view.
    """
    if _STATE_KEY in app.extensions:
        return
    openapi_url: str | None = app.config.get("OPENAPI_URL", "/openapi.json")
    docs_url: str | None = app.config.get("DOCS_URL", "/docs")
    state = _DocsState(app, openapi_url, docs_url)
    app.extensions[_STATE_KEY] = state
    taken = {rule.rule for rule in app.url_map.iter_rules()}
    if openapi_url and openapi_url not in taken:
        app.add_url_rule(openapi_url, "erlen_openapi", state.serve_document, methods=["GET"])
    if openapi_url and docs_url and docs_url not in taken:
        app.add_url_rule(docs_url, "erlen_docs", state.serve_page, methods=["GET"])
        app.add_url_rule(
            f"{docs_url.rstrip('/')}/assets/<filename>",
            "erlen_docs_asset",
            state.serve_asset,
            methods=["GET"],
        )
