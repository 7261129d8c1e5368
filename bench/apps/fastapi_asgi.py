"""The ASGI scenarios on FastAPI, with ``async def`` path operations as its documentation teaches.

Left at its defaults, OpenAPI and docs routes included: they change no answer's bytes. The hello
view declares ``HTMLResponse`` to send ``text/html; charset=utf-8``; the JSON views return dicts
with sorted keys, as Erlen sends them (FastAPI, like Starlette, keeps a dict's order).
"""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI
from fastapi.responses import HTMLResponse

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


#: The ASGI 3 callable that ``servers.py`` and ``asgi_inprocess.py`` serve.
application = app
