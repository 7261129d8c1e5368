"""The ASGI scenarios on Starlette with plain ``def`` endpoints, which it runs in a thread pool.

The sync peer of ``erlen_asgi_sync.py``: what a Flask-style view costs on Starlette. Starlette
calls a ``def`` endpoint through ``run_in_threadpool`` (anyio's worker threads). A sync endpoint
cannot await the request body, so ``post_json`` is not among its scenarios.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route


def hello(request: Request) -> HTMLResponse:
    return HTMLResponse("Hello World!")


def user(request: Request) -> JSONResponse:
    return JSONResponse({"username": request.path_params["name"]})


def search(request: Request) -> JSONResponse:
    query = request.query_params
    return JSONResponse({"page": int(query["page"]), "q": query["q"]})


app = Starlette(
    routes=[
        Route("/", hello),
        Route("/user/{name}", user),
        Route("/search", search),
    ]
)
#: The ASGI 3 callable that ``asgi_inprocess.py`` serves.
application = app
