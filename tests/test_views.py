"""Class-based views."""

from __future__ import annotations

from typing import Any

from erlen import Erlen, request
from erlen.views import MethodView, View


def test_view_subclass_with_constructor_args(app: Erlen, client) -> None:
    class Greeting(View):
        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        def dispatch_request(self, **kwargs: Any) -> str:
            return f"{self.greeting}, {kwargs['name']}"

    app.add_url_rule("/hi/<name>", view_func=Greeting.as_view("greet", "Hello"))
    assert client.get("/hi/ada").text == "Hello, ada"
    assert client.post("/hi/ada").status_code == 405


def test_method_view_routes_methods_and_405s_the_rest(app: Erlen, client) -> None:
    class ItemAPI(MethodView):
        def get(self, item_id: int) -> dict[str, Any]:
            return {"id": item_id}

        def put(self, item_id: int) -> tuple[dict[str, Any], int]:
            return {"id": item_id, "body": request.get_json()}, 200

    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
    assert client.get("/items/3").get_json() == {"id": 3}
    assert client.put("/items/3", json={"a": 1}).get_json() == {"id": 3, "body": {"a": 1}}
    assert client.head("/items/3").status_code == 200
    response = client.delete("/items/3")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, PUT"


def test_method_view_inherits_methods(app: Erlen, client) -> None:
    class Base(MethodView):
        def get(self) -> str:
            return "get"

    class Child(Base):
        def post(self) -> str:
            return "post"

    app.add_url_rule("/c", view_func=Child.as_view("child"))
    assert client.get("/c").text == "get"
    assert client.post("/c").text == "post"


def test_view_decorators_apply(app: Erlen, client) -> None:
    def shout(func):  # type: ignore[no-untyped-def]
        def wrapper(**kwargs):  # type: ignore[no-untyped-def]
            return func(**kwargs).upper()

        return wrapper

    class Quiet(View):
        decorators = [shout]

        def dispatch_request(self) -> str:
            return "quiet"

    app.add_url_rule("/q", view_func=Quiet.as_view("quiet"))
    assert client.get("/q").text == "QUIET"
