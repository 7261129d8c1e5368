"""The ASGI scenarios on Litestar 2, with ``async def`` handlers as its documentation teaches.

Left at its defaults, OpenAPI schema routes included: they change no answer's bytes. The hello
handler declares ``MediaType.HTML``, which Litestar sends as ``text/html; charset=utf-8``; the
JSON handlers return dicts with sorted keys, as Erlen sends them (msgspec keeps a dict's order).
A ``POST`` handler answers 201 by default in Litestar, as the scenario expects.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Litestar, MediaType, get, post
from litestar.params import Parameter


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


class Item(msgspec.Struct):
    """Litestar's own fastest model: a msgspec Struct, checked by msgspec with the same bounds."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    price: Annotated[float, msgspec.Meta(gt=0)]
    tags: list[str] = []


class StoredItem(msgspec.Struct):
    name: str
    price: float
    tags: list[str]
    id: int


@get("/typed/users/{user_id:int}")
async def typed_user(
    user_id: int, q: str, page: Annotated[int, Parameter(ge=1)] = 1
) -> dict[str, Any]:
    return {"id": user_id, "page": page, "q": q}


@post("/typed/items")
async def typed_item(data: Item) -> StoredItem:
    return StoredItem(id=1, name=data.name, price=data.price, tags=data.tags)


app = Litestar(route_handlers=[hello, user, search, create_item, typed_user, typed_item])
#: The ASGI 3 callable that ``servers.py`` and ``asgi_inprocess.py`` serve.
application = app
