"""The benchmark scenarios as a hand-written WSGI callable: the ceiling no framework can pass.

It still does the work each scenario asks for (parses the query, the JSON or form body and the
cookie, renders the template, reads the static file on every request), but with a dict lookup for
routing and no request or response objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs

import jinja2

from .common import (
    HTML_UTF8,
    JSON_TYPE,
    NUMBERED_ROUTE_COUNT,
    PAGE_ITEMS,
    PAGE_TITLE,
    STATIC_DIR,
    TEMPLATE_DIR,
    TEXT_UTF8,
    dumps_like_flask,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

Body = Iterable[bytes]
#: A view gets the environ and the path parameter ("" for exact routes) and answers
#: ``(status, content type, body, extra headers)``.
Answer = tuple[str, str, bytes, list[tuple[str, str]]]
View = Callable[["WSGIEnvironment", str], Answer]

templates: Final = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, auto_reload=False
)


def _read_body(environ: WSGIEnvironment) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _json(value: object, status: str = "200 OK") -> Answer:
    return status, JSON_TYPE, dumps_like_flask(value).encode("ascii"), []


def _html(text: str) -> Answer:
    return "200 OK", HTML_UTF8, text.encode("utf-8"), []


def hello(environ: WSGIEnvironment, param: str) -> Answer:
    return _html("Hello World!")


def user(environ: WSGIEnvironment, name: str) -> Answer:
    return _json({"username": name})


def search(environ: WSGIEnvironment, param: str) -> Answer:
    query = parse_qs(environ.get("QUERY_STRING", ""))
    return _json({"q": query["q"][0], "page": int(query["page"][0])})


def create_item(environ: WSGIEnvironment, param: str) -> Answer:
    if environ.get("CONTENT_TYPE", "").partition(";")[0] != JSON_TYPE:
        return "415 Unsupported Media Type", TEXT_UTF8, b"expected application/json", []
    item = json.loads(_read_body(environ))
    item["id"] = 1
    return _json(item, "201 Created")


def page(environ: WSGIEnvironment, param: str) -> Answer:
    template = templates.get_template("page.html")
    return _html(template.render(title=PAGE_TITLE, items=PAGE_ITEMS))


def form(environ: WSGIEnvironment, param: str) -> Answer:
    fields = parse_qs(_read_body(environ).decode("utf-8"))
    return _html(f"{fields['name'][0]} {fields['age'][0]}")


def cookie(environ: WSGIEnvironment, param: str) -> Answer:
    cookies = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    visits = int(cookies["visits"].value) if "visits" in cookies else 0
    status, content_type, body, _ = _html(f"visits {visits}")
    return status, content_type, body, [("Set-Cookie", f"visits={visits + 1}; Path=/")]


def static(environ: WSGIEnvironment, filename: str) -> Answer:
    if filename.startswith(".") or "\\" in filename:
        return not_found()
    try:
        data = (STATIC_DIR / filename).read_bytes()
    except OSError:
        return not_found()
    return "200 OK", TEXT_UTF8, data, []


def not_found() -> Answer:
    return "404 Not Found", TEXT_UTF8, b"Not Found", []


def _numbered_view(number: int) -> View:
    def view(environ: WSGIEnvironment, name: str) -> Answer:
        return _html(f"r{number} {name}")

    return view


#: Routes without parameters, by path, then by method.
EXACT_ROUTES: Final[dict[str, dict[str, View]]] = {
    "/": {"GET": hello},
    "/search": {"GET": search},
    "/items": {"POST": create_item},
    "/page": {"GET": page},
    "/form": {"POST": form},
    "/cookie": {"GET": cookie},
}
#: Routes of the form ``/<prefix>/<one segment>``, by prefix, then by method.
PREFIX_ROUTES: Final[dict[str, dict[str, View]]] = {
    "user": {"GET": user},
    "static": {"GET": static},
    **{f"r{number}": {"GET": _numbered_view(number)} for number in range(NUMBERED_ROUTE_COUNT)},
}


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Body:
    """Route by dict lookup, call the view and send its answer."""
    path: str = environ.get("PATH_INFO") or "/"
    param = ""
    methods = EXACT_ROUTES.get(path)
    if methods is None:
        prefix, _, param = path[1:].partition("/")
        methods = PREFIX_ROUTES.get(prefix) if param and "/" not in param else None
    if methods is None:
        status, content_type, body, extra = not_found()
    else:
        view = methods.get(environ["REQUEST_METHOD"])
        if view is None:
            status, content_type, body = "405 Method Not Allowed", TEXT_UTF8, b"Method Not Allowed"
            extra = [("Allow", ", ".join(methods))]
        else:
            status, content_type, body, extra = view(environ, param)
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *extra]
    start_response(status, headers)
    return [body]
