"""The benchmark scenarios on Flask 3.1, written the way its documentation teaches.

``erlen_app.py`` is this file with the imports changed: Erlen's API is Flask's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, make_response, render_template, request

from .common import NUMBERED_ROUTE_COUNT, PAGE_ITEMS, PAGE_TITLE

app = Flask(__name__, static_folder="static", template_folder="templates")


@app.route("/")
def hello() -> str:
    return "Hello World!"


@app.get("/user/<name>")
def user(name: str) -> Response:
    return jsonify(username=name)


@app.get("/search")
def search() -> Response:
    return jsonify(q=request.args["q"], page=request.args.get("page", type=int))


@app.post("/items")
def create_item() -> tuple[dict[str, Any], int]:
    item = request.get_json()
    return {**item, "id": 1}, 201


@app.get("/page")
def page() -> str:
    return render_template("page.html", title=PAGE_TITLE, items=PAGE_ITEMS)


@app.post("/form")
def form() -> str:
    return f"{request.form['name']} {request.form['age']}"


@app.get("/cookie")
def cookie() -> Response:
    visits = int(request.cookies.get("visits", "0"))
    response = make_response(f"visits {visits}")
    response.set_cookie("visits", str(visits + 1))
    return response


def _numbered_view(number: int) -> Callable[[str], str]:
    def view(name: str) -> str:
        return f"r{number} {name}"

    return view


for _number in range(NUMBERED_ROUTE_COUNT):
    app.add_url_rule(f"/r{_number}/<name>", f"r{_number}", _numbered_view(_number))
