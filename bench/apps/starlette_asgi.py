"""The ASGI scenarios on Starlette 1.x, with ``async def`` endpoints as its documentation teaches.

Nothing is configured away: Starlette's JSON is already compact, and its ``HTMLResponse`` already
sends ``text/html; charset=utf-8``. The views build JSON with sorted keys, since that is what
Erlen sends (Flask's format) and Starlette keeps a dict's order.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> HTMLResponse:
    return HTMLResponse("Hello World!")


async def user(request: Request) -> JSONResponse:
    return JSONResponse({"username": request.path_params["name"]})


async def search(request: Request) -> JSONResponse:
    query = request.query_params
    return JSONResponse({"page": int(query["page"]), "q": query["q"]})


async def create_item(request: Request) -> JSONResponse:
    item = await request.json()
    return JSONResponse({"id": 1, **item}, status_code=201)


# The typed scenarios by hand: Starlette has no typed parameters, so its endpoints validate with
# pydantic models themselves and answer 422 with pydantic's errors, as the others do.


class SearchArgs(BaseModel):
    q: str
    page: Annotated[int, Field(ge=1)] = 1


class Item(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    price: float = Field(gt=0)
    tags: list[str] = []


class StoredItem(Item):
    id: int


async def typed_user(request: Request) -> JSONResponse:
    try:
        args = SearchArgs.model_validate(dict(request.query_params))
        user_id = int(request.path_params["user_id"])
    except ValidationError as error:
        return JSONResponse({"errors": error.errors(include_url=False)}, status_code=422)
    return JSONResponse({"id": user_id, "page": args.page, "q": args.q})


async def typed_item(request: Request) -> JSONResponse:
    try:
        item = Item.model_validate_json(await request.body())
    except ValidationError as error:
        return JSONResponse({"errors": error.errors(include_url=False)}, status_code=422)
    stored = StoredItem(id=1, **item.model_dump())
    return JSONResponse(stored.model_dump(), status_code=201)


app = Starlette(
    routes=[
        Route("/", hello),
        Route("/user/{name}", user),
        Route("/search", search),
        Route("/items", create_item, methods=["POST"]),
        Route("/typed/users/{user_id:int}", typed_user),
        Route("/typed/items", typed_item, methods=["POST"]),
    ]
)
#: The ASGI 3 callable that ``servers.py`` and ``asgi_inprocess.py`` serve.
application = app
