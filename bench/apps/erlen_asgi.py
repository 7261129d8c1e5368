"""The ASGI scenarios on Erlen: ``erlen_app.py``'s views for these scenarios, as ``async def``.

The same Flask-style API as the WSGI app, served through ``app.asgi``, Erlen's ASGI 3 callable.
Erlen's JSON is Flask's (sorted keys, a trailing newline); the ASGI check accepts that newline.
"""

from __future__ import annotations

from typing import Any

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


#: The ASGI 3 callable that ``servers.py`` and ``asgi_inprocess.py`` serve.
application = app.asgi
