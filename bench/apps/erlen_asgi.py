"""The ASGI scenarios on Erlen: ``erlen_app.py``'s views for these scenarios, as ``async def``.

The same Flask-style API as the WSGI app, served through ``app.asgi``, Erlen's ASGI 3 callable.
Erlen's JSON is Flask's (sorted keys, a trailing newline); the ASGI check accepts that newline.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from erlen import Erlen, Response, jsonify, request

app = Erlen(__name__)


@app.route("/")
async def hello() -> str:
    return "Hello World!"


@app.get("/user/<name>")
async def user(name: str) -> Response:
    return jsonify(username=name)


@app.get("/search")
async def search() -> Response:
    return jsonify(q=request.args["q"], page=request.args.get("page", type=int))


@app.post("/items")
async def create_item() -> tuple[dict[str, Any], int]:
    item = request.get_json()
    return {**item, "id": 1}, 201


# -- typed views: parameters and bodies validated from annotations (pydantic) -----------------


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    price: float = Field(gt=0)
    tags: list[str] = []


class StoredItem(Item):
    id: int


@app.get("/typed/users/<int:user_id>")
async def typed_user(user_id: int, q: str, page: Annotated[int, Field(ge=1)] = 1) -> Response:
    return jsonify(id=user_id, page=page, q=q)


@app.post("/typed/items", status_code=201)
async def typed_item(item: Item) -> StoredItem:
    return StoredItem(id=1, **item.model_dump())


#: The ASGI 3 callable that ``servers.py`` and ``asgi_inprocess.py`` serve.
application = app.asgi
