"""Blueprints: endpoint naming, prefixes, nesting, scoped hooks and error-handler precedence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from erlen import Blueprint, Erlen, Response, request, url_for
from erlen.errors import HTTPException


def test_endpoints_are_namespaced_and_prefixed(app: Erlen, client) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.route("/")
    def index() -> str:
        return f"admin index {url_for('.users')}"

    @bp.route("/users")
    def users() -> str:
        return url_for("admin.index")

    app.register_blueprint(bp)
    assert client.get("/admin/").text == "admin index /admin/users"
    assert client.get("/admin/users").text == "/admin/"
    assert "admin.users" in app.view_functions
    assert request is not None


def test_register_with_other_prefix_and_name(app: Erlen, client) -> None:
    bp = Blueprint("api", __name__)

    @bp.get("/ping")
    def ping() -> str:
        return request.endpoint or ""

    app.register_blueprint(bp, url_prefix="/v1")
    app.register_blueprint(bp, url_prefix="/v2", name="api2")
    assert client.get("/v1/ping").text == "api.ping"
    assert client.get("/v2/ping").text == "api2.ping"
    with pytest.raises(ValueError, match="already registered"):
        app.register_blueprint(bp)


def test_nested_blueprints(app: Erlen, client) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @child.route("/leaf")
    def leaf() -> str:
        return f"{request.endpoint} {request.blueprint} {url_for('.leaf')}"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client.get("/parent/child/leaf").text == (
        "parent.child.leaf parent.child /parent/child/leaf"
    )


def test_blueprint_hooks_are_scoped(app: Erlen, client) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    calls: list[str] = []

    @bp.before_request
    def bp_before() -> None:
        calls.append("bp")

    @bp.before_app_request
    def everywhere() -> None:
        calls.append("app-wide")

    @bp.after_request
    def bp_after(response: Response) -> Response:
        response.headers["X-BP"] = "1"
        return response

    @bp.route("/x")
    def inside() -> str:
        return "in"

    @app.route("/y")
    def outside() -> str:
        return "out"

    app.register_blueprint(bp)
    response = client.get("/bp/x")
    assert response.headers.get("X-BP") == "1"
    assert calls == ["app-wide", "bp"]
    calls.clear()
    response = client.get("/y")
    assert "X-BP" not in response.headers
    assert calls == ["app-wide"]


def test_blueprint_error_handler_precedence(app: Erlen, client) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(403)
    def bp_forbidden(error: HTTPException) -> tuple[str, int]:
        return "bp 403", 403

    @app.errorhandler(403)
    def app_forbidden(error: HTTPException) -> tuple[str, int]:
        return "app 403", 403

    @bp.route("/deny")
    def bp_deny() -> str:
        from erlen import abort

        abort(403)

    @app.route("/deny")
    def app_deny() -> str:
        from erlen import abort

        abort(403)

    app.register_blueprint(bp)
    assert client.get("/bp/deny").text == "bp 403"
    assert client.get("/deny").text == "app 403"


def test_blueprint_app_errorhandler_applies_everywhere(app: Erlen, client) -> None:
    bp = Blueprint("errors", __name__)

    @bp.app_errorhandler(404)
    def not_found(error: HTTPException) -> tuple[str, int]:
        return "site-wide 404", 404

    app.register_blueprint(bp)
    assert client.get("/anything").text == "site-wide 404"


def test_blueprint_name_rules() -> None:
    with pytest.raises(ValueError):
        Blueprint("a.b", __name__)
    with pytest.raises(ValueError):
        Blueprint("", __name__)
    bp = Blueprint("ok", __name__)
    with pytest.raises(ValueError):
        bp.add_url_rule("/x", "dotted.endpoint", lambda: "")


def test_blueprint_url_defaults(app: Erlen, client) -> None:
    bp = Blueprint("pages", __name__, url_defaults={"page": "home"})

    @bp.route("/")
    @bp.route("/<page>")
    def show(page: str) -> str:
        return page

    app.register_blueprint(bp)
    assert client.get("/").text == "home"
    assert client.get("/about").text == "about"


def test_registering_with_a_none_option_keeps_the_blueprints_own(app: Erlen, client) -> None:
    """``register_blueprint(bp, url_prefix=None)`` is the same as not passing it (Flask's)."""
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @child.route("/")
    def index() -> str:
        return "index"

    parent.register_blueprint(child, url_prefix=None, subdomain=None)
    app.register_blueprint(parent, url_prefix=None)
    assert client.get("/parent/child/").text == "index"


@pytest.mark.parametrize(
    "late",
    [
        lambda bp: bp.route("/late")(lambda: "late"),
        lambda bp: bp.before_request(lambda: None),
        lambda bp: bp.errorhandler(404)(lambda error: "gone"),
        lambda bp: bp.app_template_filter("shout")(str.upper),
        lambda bp: bp.register_blueprint(Blueprint("child", __name__)),
    ],
    ids=["route", "before_request", "errorhandler", "app_template_filter", "nested"],
)
def test_setting_up_a_registered_blueprint_is_refused(
    app: Erlen, late: Callable[[Blueprint], Any]
) -> None:
    # As in Flask: registration copied what the blueprint held, so a late route or hook would
    # silently never exist (a 404 to puzzle over).
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="can no longer be called on the blueprint 'bp'"):
        late(bp)
    other = Erlen("other")
    other.register_blueprint(bp)  # registering it again elsewhere is still fine
