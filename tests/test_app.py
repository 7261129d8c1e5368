"""The app object: registration, dispatch, return values, hooks and automatic methods."""

from __future__ import annotations

import asyncio
import gc
import sys
import uuid
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from erlen import Erlen, Response, abort, g, jsonify, make_response, request, url_for
from erlen.errors import BuildError
from erlen.testing import build_environ


def test_hello_world_answers_text_html(app: Erlen) -> None:
    @app.route("/")
    def hello() -> str:
        return "Hello World!"

    response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.data == b"Hello World!"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == "12"


def test_route_serves_get_only_by_default(app: Erlen, client) -> None:
    @app.route("/thing")
    def thing() -> str:
        return "thing"

    assert client.get("/thing").status_code == 200
    response = client.post("/thing")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_methods_argument_and_shortcuts(app: Erlen, client) -> None:
    @app.route("/items", methods=["GET", "POST"])
    def items() -> str:
        return request.method

    @app.put("/items/<int:item_id>")
    def put_item(item_id: int) -> tuple[str, int]:
        return f"put {item_id}", 200

    @app.patch("/items/<int:item_id>")
    def patch_item(item_id: int) -> str:
        return f"patch {item_id}"

    @app.delete("/items/<int:item_id>")
    def delete_item(item_id: int) -> tuple[str, int]:
        return "", 204

    assert client.get("/items").text == "GET"
    assert client.post("/items").text == "POST"
    assert client.put("/items/3").text == "put 3"
    assert client.patch("/items/3").text == "patch 3"
    assert client.delete("/items/3").status_code == 204
    assert client.get("/items/3").status_code == 405


def test_shortcut_rejects_methods_argument(app: Erlen) -> None:
    with pytest.raises(TypeError):
        app.get("/", methods=["POST"])


def test_path_parameters_and_converters(app: Erlen, client) -> None:
    @app.route("/user/<username>")
    def user(username: str) -> str:
        return f"user {username}"

    @app.route("/post/<int:post_id>")
    def post(post_id: int) -> str:
        return f"post {post_id + 1}"

    @app.route("/price/<float:value>")
    def price(value: float) -> str:
        return f"{value * 2}"

    @app.route("/files/<path:subpath>")
    def files(subpath: str) -> str:
        return subpath

    @app.route("/id/<uuid:ident>")
    def ident(ident: uuid.UUID) -> str:
        return ident.hex

    @app.route("/page/<any(about, help):name>")
    def page(name: str) -> str:
        return name

    assert client.get("/user/alice").text == "user alice"
    assert client.get("/user/J%C3%BCrgen").text == "user Jürgen"
    assert client.get("/post/41").text == "post 42"
    assert client.get("/post/abc").status_code == 404
    assert client.get("/price/1.5").text == "3.0"
    assert client.get("/files/a/b/c.txt").text == "a/b/c.txt"
    value = uuid.uuid4()
    assert client.get(f"/id/{value}").text == value.hex
    assert client.get("/id/not-a-uuid").status_code == 404
    assert client.get("/page/help").text == "help"
    assert client.get("/page/other").status_code == 404


def test_custom_converter_registered_on_app(app: Erlen, client) -> None:
    from erlen.core.routing import BaseConverter

    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split("+")

        def to_url(self, value: list[str]) -> str:
            return "+".join(value)

    app.url_map.converters["list"] = ListConverter

    @app.route("/tags/<list:tags>")
    def tags(tags: list[str]) -> dict[str, list[str]]:
        return {"tags": tags}

    assert client.get("/tags/a+b").get_json() == {"tags": ["a", "b"]}
    with app.test_request_context():
        assert url_for("tags", tags=["x", "y"]) == "/tags/x+y"


def test_return_value_kinds(app: Erlen, client) -> None:
    @app.route("/bytes")
    def as_bytes() -> bytes:
        return b"\x00raw"

    @app.route("/dict")
    def as_dict() -> dict[str, object]:
        return {"b": 1, "a": [1, 2]}

    @app.route("/list")
    def as_list() -> list[int]:
        return [1, 2, 3]

    @app.route("/tuple-status")
    def tuple_status() -> tuple[str, int]:
        return "created", 201

    @app.route("/tuple-headers")
    def tuple_headers() -> tuple[str, dict[str, str]]:
        return "with header", {"X-Thing": "yes"}

    @app.route("/tuple-all")
    def tuple_all() -> tuple[dict[str, int], int, list[tuple[str, str]]]:
        return {"id": 7}, 201, [("Location", "/things/7")]

    @app.route("/response")
    def as_response() -> Response:
        return Response("teapot", 418, mimetype="text/plain")

    @app.route("/stream")
    def stream():  # type: ignore[no-untyped-def]
        def generate():  # type: ignore[no-untyped-def]
            yield "one "
            yield b"two"

        return generate()

    @app.route("/status-string")
    def status_string() -> tuple[str, str]:
        return "made", "201 CREATED"

    response = client.get("/bytes")
    assert response.data == b"\x00raw"
    response = client.get("/dict")
    assert response.headers["Content-Type"] == "application/json"
    assert response.data == b'{"a":[1,2],"b":1}\n'
    assert client.get("/list").get_json() == [1, 2, 3]
    assert client.get("/tuple-status").status_code == 201
    assert client.get("/tuple-headers").headers["X-Thing"] == "yes"
    response = client.get("/tuple-all")
    assert (response.status_code, response.location, response.get_json()) == (
        201,
        "/things/7",
        {"id": 7},
    )
    response = client.get("/response")
    assert (response.status_code, response.mimetype) == (418, "text/plain")
    response = client.get("/stream")
    assert response.data == b"one two"
    assert "Content-Length" not in response.headers
    response = client.get("/status-string")
    assert response.status == "201 CREATED"  # over ASGI, which sends no phrase, Werkzeug's


def test_returning_none_is_a_type_error_naming_the_view(app: Erlen) -> None:
    @app.route("/nothing")
    def nothing() -> None:
        return None

    app.testing = True
    with pytest.raises(TypeError, match="'nothing'"):
        app.test_client().get("/nothing")


def test_returning_none_answers_500_outside_testing(app: Erlen, client) -> None:
    @app.route("/nothing")
    def nothing() -> None:
        return None

    response = client.get("/nothing")
    assert response.status_code == 500
    assert b"Traceback" not in response.data


def test_unsupported_return_type_is_a_type_error(app: Erlen) -> None:
    @app.route("/number")
    def number() -> int:
        return 42

    app.testing = True
    with pytest.raises(TypeError, match=r"'number' did not return a valid response.*it was a int"):
        app.test_client().get("/number")


def test_a_tuple_of_the_wrong_size_is_a_type_error_saying_what_form_it_must_have(
    app: Erlen,
) -> None:
    @app.route("/one")
    def one() -> Any:
        return ("Hello",)

    app.testing = True
    with pytest.raises(TypeError, match="'one' returned a tuple of 1 item: the tuple must have"):
        app.test_client().get("/one")


def test_head_is_automatic_and_has_no_body(app: Erlen, client) -> None:
    @app.route("/")
    def index() -> str:
        return "body text"

    response = client.head("/")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == "9"


def test_options_is_automatic(app: Erlen, client) -> None:
    @app.route("/things", methods=["GET", "POST"])
    def things() -> str:
        return "x"

    response = client.options("/things")
    assert response.status_code == 200
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.options("/nothing-here").status_code == 404


def test_an_empty_answer_declares_its_length(app: Erlen, client) -> None:
    # As Werkzeug's: Content-Length 0, so a client need not wait for the connection to close.
    @app.route("/empty")
    def empty() -> Response:
        return make_response()

    @app.route("/accepted")
    def accepted() -> Response:
        return Response(status=202)

    @app.route("/later")
    def later() -> Response:
        response = Response()
        response.response = [b"assigned later"]  # never cut to a length declared too early
        return response

    @app.route("/nothing")
    def nothing() -> tuple[str, int]:
        return "", 204

    for path, method in [("/empty", "GET"), ("/accepted", "GET"), ("/empty", "OPTIONS")]:
        response = client.open(path, method=method)
        assert response.headers.get("Content-Length") == "0", (path, method)
    later_response = client.get("/later")
    assert later_response.data == b"assigned later"
    assert later_response.headers.get("Content-Length") != "0"
    assert "Content-Length" not in client.get("/nothing").headers


def test_explicit_options_view_wins(app: Erlen, client) -> None:
    @app.route("/cors", methods=["GET", "OPTIONS"])
    def cors() -> tuple[str, int, dict[str, str]]:
        return "", 204, {"Access-Control-Allow-Origin": "*"}

    response = client.options("/cors")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_method_answers_405(app: Erlen, client) -> None:
    @app.route("/")
    def index() -> str:
        return "x"

    response = client.open("/", method="BREW")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_trailing_slash_redirect_keeps_query(app: Erlen, client) -> None:
    @app.route("/projects/")
    def projects() -> str:
        return "projects"

    @app.route("/about")
    def about() -> str:
        return "about"

    response = client.get("/projects?page=2")
    assert response.status_code == 308
    assert response.location == "http://localhost/projects/?page=2"  # absolute, as Werkzeug's
    mounted = client.get("/projects", environ_overrides={"SCRIPT_NAME": "/app"})
    assert mounted.location == "http://localhost/app/projects/"
    assert client.get("/projects", follow_redirects=True).text == "projects"
    assert client.get("/about/").status_code == 404


def test_strict_slashes_false_matches_both(app: Erlen, client) -> None:
    @app.route("/loose", strict_slashes=False)
    def loose() -> str:
        return "loose"

    assert client.get("/loose").text == "loose"
    assert client.get("/loose/").text == "loose"


def test_add_url_rule_and_endpoint_names(app: Erlen, client) -> None:
    def show() -> str:
        return "shown"

    app.add_url_rule("/show", "custom", show)
    assert client.get("/show").text == "shown"
    assert app.view_functions["custom"] is show
    with app.test_request_context():
        assert url_for("custom") == "/show"


def test_duplicate_endpoint_with_other_function_fails(app: Erlen) -> None:
    @app.route("/a")
    def view() -> str:
        return "a"

    def other() -> str:
        return "b"

    with pytest.raises(AssertionError, match="overwriting"):
        app.add_url_rule("/b", "view", other)


def test_one_method_of_one_object_may_serve_several_rules(app: Erlen, client) -> None:
    class Pages:
        def __init__(self, app: Erlen) -> None:
            app.add_url_rule("/", "index", self.index)
            app.add_url_rule("/<name>/", "index", self.index)

        def index(self, name: str = "home") -> str:
            return name

    Pages(app)
    assert client.get("/").text == "home"
    assert client.get("/about/").text == "about"
    with pytest.raises(AssertionError, match="overwriting"):
        Pages(app)  # another object's method is another view


def test_endpoint_decorator(app: Erlen, client) -> None:
    app.add_url_rule("/late", "late")

    @app.endpoint("late")
    def late() -> str:
        return "late view"

    assert client.get("/late").text == "late view"


def test_url_for_builds_paths_query_and_external(app: Erlen) -> None:
    @app.route("/user/<username>")
    def profile(username: str) -> str:
        return username

    with app.test_request_context("/", base_url="http://example.com/"):
        assert url_for("profile", username="John Doe") == "/user/John%20Doe"
        assert url_for("profile", username="a", page=2, tag=["x", "y"]) == (
            "/user/a?page=2&tag=x&tag=y"
        )
        assert url_for("profile", username="a", _external=True) == "http://example.com/user/a"
        assert url_for("profile", username="a", _anchor="top") == "/user/a#top"
        with pytest.raises(BuildError, match="username"):
            url_for("profile")
        with pytest.raises(BuildError, match="nope"):
            url_for("nope")


def test_url_for_outside_request_needs_server_name(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return ""

    with app.app_context():
        with pytest.raises(RuntimeError, match="SERVER_NAME"):
            url_for("index")
        assert url_for("index", _external=False) == "/"
    app.config["SERVER_NAME"] = "example.org"
    with app.app_context():
        assert url_for("index") == "http://example.org/"


def test_before_request_can_answer_and_after_request_can_edit(app: Erlen, client) -> None:
    calls: list[str] = []

    @app.before_request
    def gate() -> str | None:
        calls.append("before")
        if request.args.get("blocked"):
            return "blocked by hook"
        return None

    @app.after_request
    def add_header(response: Response) -> Response:
        calls.append("after")
        response.headers["X-After"] = "1"
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        calls.append(f"teardown {error}")

    @app.route("/")
    def index() -> str:
        calls.append("view")
        return "view"

    response = client.get("/")
    assert (response.text, response.headers["X-After"]) == ("view", "1")
    assert calls == ["before", "view", "after", "teardown None"]
    calls.clear()
    assert client.get("/?blocked=1").text == "blocked by hook"
    assert calls == ["before", "after", "teardown None"]


def test_after_request_hooks_run_in_reverse_order(app: Erlen, client) -> None:
    order: list[int] = []

    @app.after_request
    def first(response: Response) -> Response:
        order.append(1)
        return response

    @app.after_request
    def second(response: Response) -> Response:
        order.append(2)
        return response

    @app.route("/")
    def index() -> str:
        return ""

    client.get("/")
    assert order == [2, 1]


def test_hooks_run_for_404_too(app: Erlen, client) -> None:
    seen: list[str | None] = []

    @app.before_request
    def record() -> None:
        seen.append(request.endpoint)

    assert client.get("/missing").status_code == 404
    assert seen == [None]


def test_g_is_per_request(app: Erlen, client) -> None:
    @app.before_request
    def load() -> None:
        g.user = request.args.get("user", "anonymous")

    @app.route("/")
    def index() -> str:
        return g.user

    assert client.get("/?user=alice").text == "alice"
    assert client.get("/").text == "anonymous"


def test_after_this_request(app: Erlen, client) -> None:
    from erlen import after_this_request

    @app.route("/")
    def index() -> str:
        @after_this_request
        def add_cookie(response: Response) -> Response:
            response.set_cookie("seen", "yes")
            return response

        return "ok"

    assert "seen=yes" in client.get("/").headers["Set-Cookie"]


def test_after_this_request_functions_run_in_the_order_added(app: Erlen, client) -> None:
    from erlen import after_this_request

    @app.after_request
    def app_hook(response: Response) -> Response:
        response.headers.add("X-Order", "app")
        return response

    @app.route("/")
    def index() -> str:
        for name in ("first", "second"):
            after_this_request(
                lambda response, name=name: response.headers.add("X-Order", name) or response
            )
        return "ok"

    assert client.get("/").headers.getlist("X-Order") == ["first", "second", "app"]


def test_url_value_preprocessor_and_defaults(app: Erlen, client) -> None:
    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, object] | None) -> None:
        g.lang = values.pop("lang") if values else None

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, object]) -> None:
        values.setdefault("lang", g.get("lang", "en"))

    @app.route("/<lang>/about")
    def about() -> str:
        return f"{g.lang} {url_for('about')}"

    assert client.get("/de/about").text == "de /de/about"


def test_make_response_and_jsonify(app: Erlen, client) -> None:
    @app.route("/made")
    def made() -> Response:
        response = make_response("body", 202, {"X-A": "b"})
        response.set_cookie("k", "v", httponly=True, samesite="Lax")
        return response

    @app.route("/json")
    def as_json() -> Response:
        return jsonify(name="erlen", fast=True)

    @app.route("/json-list")
    def as_json_list() -> Response:
        return jsonify(1, 2)

    response = client.get("/made")
    assert (response.status_code, response.headers["X-A"]) == (202, "b")
    cookie = response.headers["Set-Cookie"]
    assert "k=v" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/json").get_json() == {"fast": True, "name": "erlen"}
    assert client.get("/json-list").get_json() == [1, 2]


def test_abort_with_custom_description(app: Erlen, client) -> None:
    @app.route("/admin")
    def admin() -> str:
        abort(403, "Admins only.")

    response = client.get("/admin", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.get_json() == {
        "error": {"status": 403, "title": "Forbidden", "detail": "Admins only."}
    }


def test_config_limits_are_applied_after_change(app: Erlen, client) -> None:
    @app.post("/upload")
    def upload() -> str:
        return str(len(request.get_data()))

    assert client.post("/upload", data=b"x" * 100).text == "100"
    app.config["MAX_CONTENT_LENGTH"] = 10
    assert client.post("/upload", data=b"x" * 100).status_code == 413


def test_view_functions_and_url_map_listing(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return ""

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == {"index", "static"}
    assert "index" in app.view_functions


def test_app_without_static_folder_has_no_static_route() -> None:
    app = Erlen("nostatic", static_folder=None)
    assert [rule.endpoint for rule in app.url_map.iter_rules()] == []


def test_static_url_path_follows_renamed_folder() -> None:
    app = Erlen("renamed", static_folder="assets")
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    assert rules["static"] == "/assets/<path:filename>"
    app = Erlen("renamed", static_folder="assets", static_url_path="/s")
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    assert rules["static"] == "/s/<path:filename>"


def test_teardown_gets_the_error_that_became_a_500(app: Erlen, client) -> None:
    seen: list[object] = []
    app.teardown_request(seen.append)
    app.teardown_appcontext(seen.append)

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError()

    assert client.get("/boom").status_code == 500
    assert [type(item) for item in seen] == [ZeroDivisionError, ZeroDivisionError]


def test_instance_path_beside_module_or_package(tmp_path, monkeypatch) -> None:
    package = tmp_path / "pkgapp"
    package.mkdir()
    (package / "__init__.py").write_text("from erlen import Erlen\napp = Erlen(__name__)\n")
    (tmp_path / "modapp.py").write_text("from erlen import Erlen\napp = Erlen(__name__)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("pkgapp", "modapp"):  # imported from another tmp_path by an earlier run
        monkeypatch.delitem(sys.modules, name, raising=False)
    import importlib

    assert importlib.import_module("pkgapp").app.instance_path == str(tmp_path / "instance")
    assert importlib.import_module("modapp").app.instance_path == str(tmp_path / "instance")


def test_an_installed_apps_instance_folder_is_under_its_prefix(tmp_path, monkeypatch) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    (site / "siteapp").mkdir(parents=True)
    (site / "siteapp" / "__init__.py").write_text(
        "from erlen import Erlen\napp = Erlen(__name__)\n"
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "siteapp", raising=False)
    import importlib

    app = importlib.import_module("siteapp").app
    assert app.instance_path == str(tmp_path / "var" / "siteapp-instance")
    with pytest.raises(ValueError, match="must be absolute"):
        Erlen("siteapp", instance_path="relative/instance")


def test_werkzeug_style_converter_with_arguments_ports_unchanged(app: Erlen, client) -> None:
    from erlen.core.routing import BaseConverter

    class RegexConverter(BaseConverter):
        def __init__(self, url_map: object, *items: str) -> None:
            super().__init__(url_map)
            self.regex = items[0]

    app.url_map.converters["regex"] = RegexConverter

    @app.route("/code/<regex('[A-Z]{3}'):code>")
    def code(code: str) -> str:
        return code

    assert client.get("/code/ABC").text == "ABC"
    assert client.get("/code/abcd").status_code == 404


def test_provide_automatic_options_false_answers_405(app: Erlen, client) -> None:
    @app.route("/manual", provide_automatic_options=False)
    def manual() -> str:
        return "x"

    assert client.options("/manual").status_code == 405
    assert "OPTIONS" not in client.post("/manual").headers["Allow"]


def test_async_views_hooks_and_handlers_run_to_completion_under_wsgi(app: Erlen, client) -> None:
    import asyncio

    seen: list[str] = []

    @app.before_request
    async def load() -> None:
        await asyncio.sleep(0)
        g.loaded = "yes"

    @app.after_request
    async def mark(response: Response) -> Response:
        response.headers["X-Async"] = "1"
        return response

    @app.teardown_request
    async def done(error: BaseException | None) -> None:
        seen.append("teardown")

    @app.errorhandler(LookupError)
    async def lookup_failed(error: LookupError) -> tuple[str, int]:
        return "async handler", 404

    @app.route("/")
    async def index() -> dict[str, str]:
        await asyncio.sleep(0)
        return {"loaded": g.loaded, "path": request.path}

    @app.route("/missing")
    async def missing() -> str:
        raise LookupError("nope")

    response = client.get("/")
    assert response.get_json() == {"loaded": "yes", "path": "/"}
    assert response.headers["X-Async"] == "1"
    assert client.get("/missing").text == "async handler"
    assert seen == ["teardown", "teardown"]


class AuditedApp(Erlen):
    """A Flask-style subclass: both dispatch methods overridden with Flask's signatures."""

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self.log: list[str] = []

    def full_dispatch_request(self) -> Response:
        self.log.append(f"full {request.path}")
        response = super().full_dispatch_request()
        response.headers["X-Audited"] = "yes"
        return response

    def dispatch_request(self) -> object:  # type: ignore[override]
        self.log.append(f"view {request.endpoint}")
        return super().dispatch_request()


def test_a_subclass_s_dispatch_overrides_run_for_sync_and_async_views() -> None:
    app = AuditedApp(__name__)

    @app.route("/sync")
    def sync_view() -> str:
        return "s"

    @app.route("/async")
    async def async_view() -> str:
        return "a"

    client = app.test_client()
    for path, body in (("/sync", "s"), ("/async", "a"), ("/missing", None)):
        response = client.get(path)
        assert response.headers["X-Audited"] == "yes"
        if body is not None:
            assert response.text == body
    assert app.log == [
        "full /sync", "view sync_view", "full /async", "view async_view", "full /missing",
        "view None",
    ]  # fmt: skip


class ErrorAuditApp(Erlen):
    """Overrides the error path as Flask apps do, to report errors elsewhere."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []

    def handle_http_exception(self, exc: Any) -> Any:
        self.calls.append(f"http {exc.code}")
        return super().handle_http_exception(exc)

    def handle_exception(self, exc: BaseException) -> Any:
        self.calls.append(f"unhandled {type(exc).__name__}")
        return super().handle_exception(exc)

    def log_exception(self, exc_info: Any) -> None:
        exc_type, _, traceback = exc_info  # Flask passes sys.exc_info()
        self.calls.append(f"log {exc_type.__name__} {traceback is not None}")


def test_a_subclass_s_error_overrides_are_called_as_flask_calls_them() -> None:
    app = ErrorAuditApp(__name__)

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("x")

    @app.route("/forbidden")
    async def forbidden() -> str:
        abort(403)

    @app.errorhandler(403)
    async def refused(error: Any) -> tuple[str, int]:
        return "refused", 403

    client = app.test_client()
    assert client.get("/boom").status_code == 500
    assert client.get("/forbidden").text == "refused"
    assert app.calls == ["unhandled ValueError", "log ValueError True", "http 403"]


def test_request_context_takes_a_wsgi_environ_as_in_flask() -> None:
    from erlen.testing import EnvironBuilder

    app = Erlen(__name__)

    @app.route("/hello")
    def hello() -> str:
        return f"hello {request.args['name']}"

    environ = EnvironBuilder(app, "/hello", query_string="name=Ada").get_environ()
    with app.request_context(environ):
        assert request.path == "/hello"
        assert app.full_dispatch_request().get_data() == b"hello Ada"
    with pytest.raises(RuntimeError, match="request context"):
        app.full_dispatch_request()


@pytest.mark.wsgi_only
@pytest.mark.parametrize("served_over", ["wsgi", "asgi"])
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/missing", 404),
        ("POST", "/", 405),
        ("GET", "/dir", 308),
        ("GET", "/dir?x=1", 308),
    ],
)
def test_a_request_leaves_no_reference_cycle_behind(
    served_over: str, method: str, path: str, status: int
) -> None:
    """Each request's objects are freed when it ends, by reference counting alone: routing
    errors included (a kept traceback would tie the request into a cycle for the collector)."""
    app = Erlen(__name__)
    app.add_url_rule("/", "index", lambda: "hi")
    app.add_url_rule("/dir/", "folder", lambda: "folder")
    statuses: list[str] = []

    def serve_wsgi() -> None:
        environ = build_environ(path, method=method)
        body = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(body)
        getattr(body, "close", lambda: None)()

    async def serve_asgi() -> None:
        route, _, query = path.partition("?")
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": route, "raw_path": route.encode(),
            "query_string": query.encode(), "root_path": "", "headers": [(b"host", b"x")],
            "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 5000),
        }  # fmt: skip

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(str(message["status"]))

        await app.asgi(scope, receive, send)

    def collected_after_one_request(serve: Callable[[], None]) -> int:
        serve()  # first request: lazy set-up (route tables, limits) is not per-request garbage
        gc.collect()
        gc.disable()
        try:
            serve()
            return gc.collect()
        finally:
            gc.enable()

    if served_over == "wsgi":
        assert collected_after_one_request(serve_wsgi) == 0
    else:
        # One event loop for both requests, so that its own start-up is not counted.
        with asyncio.Runner() as runner:
            assert collected_after_one_request(lambda: runner.run(serve_asgi())) == 0
    assert statuses[-1].startswith(str(status))


def test_a_converter_that_aborts_is_answered_by_the_app(interface: str) -> None:
    from erlen.core.routing import BaseConverter

    class KnownUser(BaseConverter):
        def to_python(self, value: str) -> str:
            if value != "ada":
                abort(404, description=f"No user {value}.")
            return value

    app = Erlen(__name__)
    app.url_map.converters["user"] = KnownUser
    seen: list[str] = []
    app.before_request(lambda: seen.append("before") and None)
    app.add_url_rule("/u/<user:name>", "user", lambda name: f"hello {name}")
    app.register_error_handler(404, lambda error: (f"handled: {error.description}", 404))
    client = app.test_client()
    assert client.get("/u/ada").text == "hello ada"
    answer = client.get("/u/bob")
    assert (answer.status_code, answer.text) == (404, "handled: No user bob.")
    assert seen == ["before", "before"]  # the hooks ran for the refused request too, as in Flask
    with app.test_request_context("/u/bob"):
        pass  # entering a context for such a URL does not raise


def test_a_view_may_return_a_wsgi_application(app: Erlen, client) -> None:
    # As Flask's make_response runs it: a Werkzeug Response, or any WSGI callable.
    werkzeug_wrappers = pytest.importorskip("werkzeug.wrappers")
    closed = []

    def lazy_app(environ: dict[str, Any], start_response: Any) -> Any:
        # Starts the response only when its body is first iterated, and says what it saw.
        start_response("203 Non-Authoritative", [("Content-Type", "text/plain"), ("X-A", "1")])
        yield f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}".encode()
        closed.append(True)

    @app.route("/werkzeug")
    def from_werkzeug() -> Any:
        return werkzeug_wrappers.Response("from werkzeug", 201, {"X-B": "2"})

    @app.route("/lazy", methods=["GET", "POST"])
    def lazy() -> Any:
        return lazy_app, 200

    response = client.get("/werkzeug")
    assert (response.status_code, response.text, response.headers["X-B"]) == (
        201, "from werkzeug", "2",
    )  # fmt: skip
    response = client.post("/lazy")
    assert (response.status_code, response.text) == (200, "POST /lazy")
    assert response.headers["X-A"] == "1"
    assert closed == [True]


def test_an_app_nothing_refers_to_is_freed_without_the_cycle_collector() -> None:
    gc.disable()
    try:
        app = Erlen(__name__)
        app.before_request(lambda: None)
        assert app.view_functions["static"]
        assert app.json.loads(app.json.dumps({"a": 1})) == {"a": 1}
        freed = weakref.ref(app)
        del app
        assert freed() is None
    finally:
        gc.enable()
