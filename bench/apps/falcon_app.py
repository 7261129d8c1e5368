"""The benchmark scenarios on Falcon 4.4, one resource class per route shape.

Falcon's JSON handler is given Flask's serialiser, text answers set Flask's content type, and the
cookie is sent without Falcon's default ``Secure; HttpOnly`` so the answers match byte for byte.
"""

from __future__ import annotations

from typing import Final

import falcon
import falcon.media
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

#: Created once. ``auto_reload=False`` matches Flask outside debug mode: no stat() per render.
templates: Final = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, auto_reload=False
)


class HelloResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = HTML_UTF8
        resp.text = "Hello World!"


class UserResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        resp.media = {"username": name}


class SearchResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"q": req.get_param("q"), "page": req.get_param_as_int("page")}


class ItemsResource:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        item = req.get_media()
        resp.status = falcon.HTTP_201
        resp.media = {**item, "id": 1}


class PageResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        template = templates.get_template("page.html")
        resp.content_type = HTML_UTF8
        resp.text = template.render(title=PAGE_TITLE, items=PAGE_ITEMS)


class FormResource:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        fields = req.get_media()
        resp.content_type = HTML_UTF8
        resp.text = f"{fields['name']} {fields['age']}"


class CookieResource:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        visits = int(req.cookies.get("visits", "0"))
        resp.set_cookie("visits", str(visits + 1), path="/", secure=False, http_only=False)
        resp.content_type = HTML_UTF8
        resp.text = f"visits {visits}"


class NumberedResource:
    def __init__(self, number: int) -> None:
        self.number = number

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        resp.content_type = HTML_UTF8
        resp.text = f"r{self.number} {name}"


app = falcon.App()
app.resp_options.media_handlers[falcon.MEDIA_JSON] = falcon.media.JSONHandler(
    dumps=dumps_like_flask
)
app.add_route("/", HelloResource())
app.add_route("/user/{name}", UserResource())
app.add_route("/search", SearchResource())
app.add_route("/items", ItemsResource())
app.add_route("/page", PageResource())
app.add_route("/form", FormResource())
app.add_route("/cookie", CookieResource())
app.add_static_route("/static", STATIC_DIR)
for _number in range(NUMBERED_ROUTE_COUNT):
    app.add_route(f"/r{_number}/{{name}}", NumberedResource(_number))
