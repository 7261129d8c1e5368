"""The ASGI scenarios on Starlette 1.x, with ``async def`` endpoints as its documentation teaches.

Nothing is configured away: Starlette's JSON is already compact, and its ``HTMLResponse`` already
sends ``text/html; charset=utf-8``. The views build JSON with sorted keys, since that is what
Erlen sends (Flask's format) and Starlette keeps a dict's order.
"""

from __future__ import annotations

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


app = Starlette(
    routes=[
        Route("/", hello),
        Route("/user/{name}", user),
        Route("/search", search),
        Route("/items", create_item, methods=["POST"]),
    ]
)
#: The ASGI 3 callable that ``servers.py`` and ``asgi_inprocess.py`` serve.
application = app
