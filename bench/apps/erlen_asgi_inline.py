"""The ASGI scenarios on Erlen with plain ``def`` views declared non-blocking.

``sync_to_thread=False`` tells Erlen that a ``def`` view never blocks (no database call, no file
or network IO), so under ASGI it runs on the event loop like an ``async def`` view, without the
hop to a worker thread. Litestar's option of the same name is the model.
"""

from __future__ import annotations

from typing import Any

from erlen import Erlen, Response, jsonify, request

app = Erlen(__name__)


@app.route("/", sync_to_thread=False)
def hello() -> str:
    return "Hello World!"


@app.get("/user/<name>", sync_to_thread=False)
def user(name: str) -> Response:
    return jsonify(username=name)


@app.get("/search", sync_to_thread=False)
def search() -> Response:
    return jsonify(q=request.args["q"], page=request.args.get("page", type=int))


@app.post("/items", sync_to_thread=False)
def create_item() -> tuple[dict[str, Any], int]:
    item = request.get_json()
    return {**item, "id": 1}, 201


#: The ASGI 3 callable that ``asgi_inprocess.py`` serves.
application = app.asgi
