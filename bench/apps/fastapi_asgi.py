"""The ASGI scenarios on FastAPI, with ``async def`` path operations as its documentation teaches.

Left at its defaults, OpenAPI and docs routes included: they change no answer's bytes. The hello
view declares ``HTMLResponse`` to send ``text/html; charset=utf-8``; the JSON views return dicts
with sorted keys, as Erlen sends them (FastAPI, like Starlette, keeps a dict's order).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, FastAPI, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

app = FastAPI()


@app.get("/", response_class=HTMLResponse)
async def hello() -> str:
    return "Hello World!"


@app.get("/user/{name}")
async def user(name: str) -> dict[str, str]:
    return {"username": name}


@app.get("/search")
async def search(q: str, page: int) -> dict[str, Any]:
    return {"page": page, "q": q}


@app.post("/items", status_code=201)
async def create_item(item: dict[str, Any] = Body()) -> dict[str, Any]:  # noqa: B008
    return {"id": 1, **item}


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    price: float = Field(gt=0)
    tags: list[str] = []


class StoredItem(Item):
    id: int


@app.get("/typed/users/{user_id}")
async def typed_user(user_id: int, q: str, page: Annotated[int, Query(ge=1)] = 1) -> dict[str, Any]:
    return {"id": user_id, "page": page, "q": q}


@app.post("/typed/items", status_code=201)
async def typed_item(item: Item) -> StoredItem:
    return StoredItem(id=1, **item.model_dump())


#: The ASGI 3 callable that ``servers.py`` and ``asgi_inprocess.py`` serve.
application = app
