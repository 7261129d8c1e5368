"""The ASGI scenarios as a hand-written ASGI 3 callable: the floor no framework can go below.

It still does the work each scenario asks for (parses the query string and the JSON body), but
routes by dict lookup and builds no request or response objects. It answers lifespan events so
that servers and ``asgi_inprocess.py`` treat it like the frameworks.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final
from urllib.parse import parse_qs

from .common import HTML_UTF8, JSON_TYPE, TEXT_UTF8

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
#: A view gets the scope, the path parameter ("" for exact routes) and the request body, and
#: answers ``(status, content type, body)``.
Answer = tuple[int, str, bytes]
View = Callable[[Scope, str, bytes], Answer]


def _json(value: object, status: int = 200) -> Answer:
    return status, JSON_TYPE, json.dumps(value, separators=(",", ":")).encode()


def hello(scope: Scope, param: str, body: bytes) -> Answer:
    return 200, HTML_UTF8, b"Hello World!"


def user(scope: Scope, name: str, body: bytes) -> Answer:
    return _json({"username": name})


def search(scope: Scope, param: str, body: bytes) -> Answer:
    query = parse_qs(scope["query_string"].decode("latin-1"))
    return _json({"page": int(query["page"][0]), "q": query["q"][0]})


def create_item(scope: Scope, param: str, body: bytes) -> Answer:
    item = json.loads(body)
    return _json({"id": 1, **item}, 201)


#: Routes without parameters, by path, then by method.
EXACT_ROUTES: Final[dict[str, dict[str, View]]] = {
    "/": {"GET": hello},
    "/search": {"GET": search},
    "/items": {"POST": create_item},
}
#: Routes of the form ``/<prefix>/<one segment>``, by prefix, then by method.
PREFIX_ROUTES: Final[dict[str, dict[str, View]]] = {"user": {"GET": user}}


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect: the client has gone
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    """Route by dict lookup, call the view and send its answer."""
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        return
    path: str = scope["path"]
    param = ""
    methods = EXACT_ROUTES.get(path)
    if methods is None:
        prefix, _, param = path[1:].partition("/")
        methods = PREFIX_ROUTES.get(prefix) if param and "/" not in param else None
    extra: list[tuple[bytes, bytes]] = []
    if methods is None:
        status, content_type, body = 404, TEXT_UTF8, b"Not Found"
    else:
        view = methods.get(scope["method"])
        if view is None:
            status, content_type, body = 405, TEXT_UTF8, b"Method Not Allowed"
            extra.append((b"allow", ", ".join(methods).encode()))
        else:
            request_body = await _read_body(receive) if scope["method"] == "POST" else b""
            status, content_type, body = view(scope, param, request_body)
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


#: The name ``servers.py`` and ``asgi_inprocess.py`` serve; the framework apps set it too.
app = application
