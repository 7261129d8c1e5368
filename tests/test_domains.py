"""Routes by subdomain and by host, as in Flask: ``subdomain=`` with ``subdomain_matching``,
``host=`` with ``host_matching``, blueprints on a subdomain, and the URLs ``url_for`` builds.

Every test runs over WSGI and ASGI (the ``interface`` fixture in conftest.py).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from erlen import Blueprint, Erlen, url_for


@pytest.fixture
def shop() -> Erlen:
    """A shop with a storefront, an admin subdomain and one subdomain per seller."""
    app = Erlen("shop", subdomain_matching=True, static_folder=None)
    app.config["SERVER_NAME"] = "shop.test"

    @app.route("/")
    def front() -> str:
        return "front"

    @app.route("/", subdomain="admin")
    def admin() -> str:
        return "admin"

    @app.route("/", subdomain="<seller>")
    def seller(seller: str) -> str:
        return f"seller {seller}"

    @app.post("/orders", subdomain="admin")
    def orders() -> str:
        return "orders"

    @app.route("/team/", subdomain="admin")
    def team() -> str:
        return "team"

    return app


def get(app: Erlen, url: str, method: str = "GET") -> Any:
    return app.test_client().open(url, method=method)


def test_each_subdomain_reaches_its_own_rule(shop: Erlen) -> None:
    assert get(shop, "http://shop.test/").text == "front"
    assert get(shop, "http://admin.shop.test/").text == "admin"
    assert get(shop, "http://ada.shop.test/").text == "seller ada"
    assert get(shop, "http://ADA.Shop.Test/").text == "seller ada"  # hosts have no case


def test_a_default_port_and_the_configured_port_both_match(shop: Erlen) -> None:
    assert get(shop, "http://admin.shop.test:80/").text == "admin"
    shop.config["SERVER_NAME"] = "shop.test:8443"
    assert get(shop, "https://admin.shop.test:8443/").text == "admin"
    assert get(shop, "https://shop.test:8443/").text == "front"


def test_a_host_outside_server_name_matches_no_literal_subdomain(shop: Erlen) -> None:
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        response = get(shop, "http://admin.elsewhere.test/")
    # Werkzeug's "<invalid>" subdomain: the storefront and the admin do not answer; only a
    # variable subdomain takes it, as in Flask.
    assert response.text == "seller <invalid>"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert get(shop, "http://127.0.0.1/").text == "seller <invalid>"


def test_method_errors_and_slash_redirects_stay_within_the_subdomain(shop: Erlen) -> None:
    assert get(shop, "http://admin.shop.test/orders", "POST").text == "orders"
    assert get(shop, "http://admin.shop.test/orders").status_code == 405
    assert get(shop, "http://shop.test/orders").status_code == 404  # not the admin's 405
    redirect = get(shop, "http://admin.shop.test/team")
    assert redirect.status_code == 308 and redirect.headers["Location"].endswith("/team/")
    assert get(shop, "http://shop.test/team").status_code == 404


def test_without_subdomain_matching_a_subdomain_route_answers_nowhere() -> None:
    """As Flask 3.1: SERVER_NAME does not restrict requests, and every request counts as the
    default subdomain, so an ``admin`` route cannot be reached from any host by accident."""
    app = Erlen("plain", static_folder=None)
    app.config["SERVER_NAME"] = "shop.test"

    @app.route("/")
    def front() -> str:
        return "front"

    @app.route("/admin", subdomain="admin")
    def admin() -> str:
        return "admin"

    assert get(app, "http://admin.shop.test/").text == "front"
    assert get(app, "http://other.test/").text == "front"
    assert get(app, "http://admin.shop.test/admin").status_code == 404


def test_a_blueprint_on_a_subdomain_and_one_nested_in_it(shop: Erlen) -> None:
    api = Blueprint("api", __name__, subdomain="api")
    v2 = Blueprint("v2", __name__, subdomain="v2")

    @api.route("/status")
    def status() -> str:
        return "api ok"

    @v2.route("/status")
    def status2() -> str:
        return "v2 ok"

    api.register_blueprint(v2)
    shop.register_blueprint(api)
    assert get(shop, "http://api.shop.test/status").text == "api ok"
    assert get(shop, "http://v2.api.shop.test/status").text == "v2 ok"
    assert get(shop, "http://shop.test/status").status_code == 404


def test_url_for_names_the_subdomain_when_it_is_not_the_current_one(shop: Erlen) -> None:
    with shop.test_request_context("/", base_url="http://shop.test"):
        assert url_for("front") == "/"
        assert url_for("admin") == "http://admin.shop.test/"
        assert url_for("seller", seller="ada") == "http://ada.shop.test/"
    with shop.test_request_context("/", base_url="http://admin.shop.test"):
        assert url_for("admin") == "/"
        assert url_for("front") == "http://shop.test/"
    with shop.app_context():
        assert url_for("seller", seller="bo") == "http://bo.shop.test/"


def test_host_matching_routes_and_builds_by_host(tmp_path: Any) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "logo.txt").write_text("logo")
    app = Erlen("hosts", root_path=str(tmp_path), host_matching=True, static_host="cdn.test")

    @app.route("/", host="shop.test")
    def shop() -> str:
        return "shop"

    @app.route("/", host="<brand>.brands.test")
    def brand(brand: str) -> str:
        return f"brand {brand}"

    assert get(app, "http://shop.test/").text == "shop"
    assert get(app, "http://acme.brands.test/").text == "brand acme"
    assert get(app, "http://cdn.test/static/logo.txt").text == "logo"
    assert get(app, "http://shop.test/static/logo.txt").status_code == 404
    assert get(app, "http://other.test/").status_code == 404
    with app.test_request_context("/", base_url="http://shop.test"):
        assert url_for("shop") == "/"
        assert url_for("brand", brand="acme") == "http://acme.brands.test/"
        assert url_for("static", filename="logo.txt") == "http://cdn.test/static/logo.txt"


def test_host_matching_needs_a_static_host_and_the_reverse() -> None:
    with pytest.raises(AssertionError, match="static_host"):
        Erlen("a", host_matching=True)
    with pytest.raises(AssertionError, match="host_matching"):
        Erlen("b", static_host="cdn.test")
    Erlen("c", host_matching=True, static_folder=None)


def test_an_app_without_domains_routes_on_the_path_alone(app: Erlen) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    assert not app.url_map.uses_domains
    assert get(app, "http://anything.example/").text == "index"
    app.add_url_rule("/x", "x", index, subdomain="x")
    assert app.url_map.uses_domains


def test_a_literal_subdomain_beats_a_variable_one_whatever_their_order() -> None:
    """As Werkzeug, which matches the domain before the path: the variable rule comes first
    here, in registration order and in path order, and still loses."""
    app = Erlen("order", subdomain_matching=True, static_folder=None)
    app.config["SERVER_NAME"] = "shop.test"

    @app.route("/<page>", subdomain="<seller>")
    def seller_page(seller: str, page: str) -> str:
        return f"seller {seller} {page}"

    @app.route("/", subdomain="<seller>")
    def seller(seller: str) -> str:
        return f"seller {seller}"

    @app.route("/<name>", subdomain="admin")
    def admin_page(name: str) -> str:
        return f"admin {name}"

    @app.route("/", subdomain="admin")
    def admin() -> str:
        return "admin"

    assert get(app, "http://admin.shop.test/").text == "admin"
    assert get(app, "http://admin.shop.test/users").text == "admin users"
    assert get(app, "http://ada.shop.test/users").text == "seller ada users"


def test_automatic_options_lists_the_methods_of_this_subdomain_only(shop: Erlen) -> None:
    @shop.route("/orders", methods=["GET"])
    def list_orders() -> str:
        return "list"

    allowed = get(shop, "http://admin.shop.test/orders", "OPTIONS").headers["Allow"]
    assert allowed == "OPTIONS, POST"
    allowed = get(shop, "http://shop.test/orders", "OPTIONS").headers["Allow"]
    assert allowed == "GET, HEAD, OPTIONS"


def test_a_websocket_route_on_a_subdomain_answers_there_only(shop: Erlen) -> None:
    from erlen import websocket
    from erlen.adapters.testing_asgi import WebSocketRefused

    @shop.websocket("/live", subdomain="admin")
    async def live() -> None:
        await websocket.accept()
        await websocket.send("admin live")

    client = shop.test_client()
    with client.websocket_connect("/live", base_url="http://admin.shop.test") as ws:
        assert ws.receive_text() == "admin live"
    with pytest.raises(WebSocketRefused) as refused:
        client.websocket_connect("/live", base_url="http://other.shop.test").__enter__()
    assert refused.value.status == 404


def test_url_for_normalises_server_name_and_needs_it_for_another_subdomain() -> None:
    app = Erlen("urls", subdomain_matching=True, static_folder=None)

    @app.route("/x", subdomain="api")
    def api() -> str:
        return "api"

    with app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_for("api", _external=False)
    app.config["SERVER_NAME"] = "Shop.TEST:80"
    with app.app_context():
        assert url_for("api") == "http://api.shop.test/x"
    with app.test_request_context("/", base_url="http://shop.test"):
        assert url_for("api") == "http://api.shop.test/x"


def test_host_patterns_are_ignored_without_host_matching(app: Erlen) -> None:
    @app.route("/brand", host="<brand>.brands.test")
    def brand() -> str:
        return "brand"

    assert get(app, "http://anything.test/brand").text == "brand"
    with app.test_request_context("/"):
        assert url_for("brand") == "/brand"
