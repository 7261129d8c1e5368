# mypy: disable-error-code="untyped-decorator"
"""The benchmark scenarios on Bottle 0.13 (which ships no type hints, hence the line above).

Bottle would send ``charset=UTF-8`` and its own JSON spacing; the text views set Flask's content
type and the JSON plugin is given Flask's serialiser, so the answers match byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import bottle
import jinja2

from .common import (
    HTML_UTF8,
    NUMBERED_ROUTE_COUNT,
    PAGE_ITEMS,
    PAGE_TITLE,
    STATIC_DIR,
    TEMPLATE_DIR,
    dumps_like_flask,
)

request: Final = bottle.request
response: Final = bottle.response

#: Created once. ``auto_reload=False`` matches Flask outside debug mode: no stat() per render.
templates: Final = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, auto_reload=False
)

app = bottle.Bottle()
app.uninstall(bottle.JSONPlugin)
app.install(bottle.JSONPlugin(json_dumps=dumps_like_flask))


def _html(text: str) -> str:
    response.content_type = HTML_UTF8
    return text


@app.get("/")
def hello() -> str:
    return _html("Hello World!")


@app.get("/user/<name>")
def user(name: str) -> dict[str, Any]:
    return {"username": name}


@app.get("/search")
def search() -> dict[str, Any]:
    return {"q": request.query.get("q"), "page": request.query.get("page", type=int)}


@app.post("/items")
def create_item() -> dict[str, Any]:
    item: dict[str, Any] = request.json
    response.status = 201
    return {**item, "id": 1}


@app.get("/page")
def page() -> str:
    template = templates.get_template("page.html")
    return _html(template.render(title=PAGE_TITLE, items=PAGE_ITEMS))


@app.post("/form")
def form() -> str:
    return _html(f"{request.forms.getunicode('name')} {request.forms.getunicode('age')}")


@app.get("/cookie")
def cookie() -> str:
    visits = int(request.get_cookie("visits", "0"))
    response.set_cookie("visits", str(visits + 1), path="/")
    return _html(f"visits {visits}")


@app.get("/static/<filepath:path>")
def static(filepath: str) -> bottle.HTTPResponse:
    return bottle.static_file(filepath, root=str(STATIC_DIR))


def _numbered_view(number: int) -> Callable[[str], str]:
    def view(name: str) -> str:
        return _html(f"r{number} {name}")

    return view


for _number in range(NUMBERED_ROUTE_COUNT):
    app.route(f"/r{_number}/<name>", "GET", _numbered_view(_number))
