"""The debug-mode 500 page: the traceback, escaped, for the developer's own browser only.

It is shown only when ``app.debug`` is true; without debug mode, no traceback leaves the process.
"""

from __future__ import annotations

import html
import traceback
from typing import TYPE_CHECKING

from ..core.errors import InternalServerError
from ..core.response import Response

if TYPE_CHECKING:
    from ..core.request import Request

__all__ = ["traceback_response"]


def traceback_response(exc: BaseException, request: Request | None) -> Response:
    """A 500 answer carrying ``exc``'s traceback, as JSON or as an HTML page."""
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    text = "".join(lines)
    error = InternalServerError(f"{type(exc).__name__}: {exc}")
    if request is not None and request.prefers_json:
        import json

        data = error.to_dict()
        data["error"]["traceback"] = lines
        return Response(json.dumps(data), 500, mimetype="application/json")
    where = html.escape(f"{request.method} {request.path}") if request is not None else ""
    page = (
        "<!doctype html>\n<html lang=en>\n<meta charset=utf-8>\n"
        f"<title>{html.escape(type(exc).__name__)} // Erlen debug</title>\n"
        "<style>body{font:15px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
        "pre{background:#f6f6f6;padding:1em;overflow:auto;border-left:4px solid #c33}</style>\n"
        f"<h1>{html.escape(type(exc).__name__)}</h1>\n<p>{html.escape(str(exc))}</p>\n"
        f"<p><small>{where}</small></p>\n<pre>{html.escape(text)}</pre>\n"
        "<p><small>This page is shown because debug mode is on. Never enable debug mode "
        "on a server others can reach.</small></p>\n"
    )
    return Response(page, 500)
