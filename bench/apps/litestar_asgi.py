"""The ASGI scenarios on Litestar 2, with ``async def`` handlers as its documentation teaches.

Left at its defaults, OpenAPI schema routes included: they change no answer's bytes. The hello
handler declares ``MediaType.HTML``, which Litestar sends as ``text/html; charset=utf-8``; the
JSON handlers return dicts with sorted keys, as Erlen sends them (msgspec keeps a dict's order).
A ``POST`` handler answers 201 by default in Litestar, as the scenario expects.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, MediaType, get, post


@get("/", media_type=MediaType.HTML)
async def hello() -> str:
    return "Hello World!"


@get("/user/{name:str}")
async def user(name: str) -> dict[str, str]:
    return {"username": name}


@get("/search")
async def search(q: str, page: int) -> dict[str, Any]:
    return {"page": page, "q": q}


@post("/items")
async def create_item(data: dict[str, Any]) -> dict[str, Any]:
    return {"id": 1, **data}


app = Litestar(route_handlers=[hello, user, search, create_item])
#: The ASGI 3 callable that ``servers.py`` and ``asgi_inprocess.py`` serve.
application = app
