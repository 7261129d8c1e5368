"""Smoke tests: each extension imports, initialises on an Erlen app and does its job once."""

from __future__ import annotations

import gzip

import flask
import pytest


def test_flask_httpauth_basic_auth_asks_for_and_checks_credentials(app: flask.Flask) -> None:
    from flask_httpauth import HTTPBasicAuth

    auth = HTTPBasicAuth()

    @auth.verify_password
    def verify(username: str, password: str) -> str | None:
        return username if (username, password) == ("ada", "secret") else None

    @app.route("/")
    @auth.login_required
    def index() -> str:
        return f"hello {auth.current_user()}"

    client = app.test_client()
    refused = client.get("/")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="Authentication Required"'
    assert client.get("/", auth=("ada", "wrong")).status_code == 401
    response = client.get("/", auth=("ada", "secret"))
    assert response.status_code == 200
    assert response.text == "hello ada"


def test_flask_httpauth_token_auth_reads_the_bearer_token(app: flask.Flask) -> None:
    from flask_httpauth import HTTPTokenAuth

    auth = HTTPTokenAuth(scheme="Bearer")

    @auth.verify_token
    def verify(token: str) -> str | None:
        return "ada" if token == "t0ken" else None

    @app.route("/")
    @auth.login_required
    def index() -> str:
        return f"hello {auth.current_user()}"

    client = app.test_client()
    assert client.get("/").status_code == 401
    response = client.get("/", headers={"Authorization": "Bearer t0ken"})
    assert response.text == "hello ada"


def test_flask_caching_serves_a_cached_view_from_the_cache(app: flask.Flask) -> None:
    from flask_caching import Cache

    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})
    calls: list[int] = []

    @app.route("/slow")
    @cache.cached(timeout=60)
    def slow() -> str:
        calls.append(1)
        return f"computed {len(calls)}"

    client = app.test_client()
    assert client.get("/slow").text == "computed 1"
    assert client.get("/slow").text == "computed 1"
    assert calls == [1]
    with app.app_context():
        cache.clear()
    assert client.get("/slow").text == "computed 2"


def test_flask_caching_memoize_keys_on_arguments(app: flask.Flask) -> None:
    from flask_caching import Cache

    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})
    calls: list[int] = []

    @cache.memoize(60)
    def square(number: int) -> int:
        calls.append(number)
        return number * number

    @app.route("/square/<int:number>")
    def view(number: int) -> str:
        return str(square(number))

    client = app.test_client()
    assert [client.get(f"/square/{n}").text for n in (3, 3, 4)] == ["9", "9", "16"]
    assert calls == [3, 4]


def test_flask_compress_gzips_a_large_response(app: flask.Flask) -> None:
    from flask_compress import Compress

    app.config["COMPRESS_ALGORITHM"] = "gzip"
    Compress(app)
    body = "erlen " * 1000

    @app.route("/")
    def index() -> str:
        return body

    response = app.test_client().get("/", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) < len(body)
    assert gzip.decompress(response.get_data()).decode() == body

    plain = app.test_client().get("/")
    assert "Content-Encoding" not in plain.headers
    assert plain.text == body


def test_flask_talisman_adds_security_headers_and_redirects_to_https(app: flask.Flask) -> None:
    from flask_talisman import Talisman

    Talisman(app)

    @app.route("/")
    def index() -> str:
        return "secure"

    client = app.test_client()
    redirect = client.get("/")
    assert redirect.status_code == 302
    assert redirect.headers["Location"] == "https://localhost/"

    response = client.get("/", base_url="https://localhost/")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "max-age=31556926" in response.headers["Strict-Transport-Security"]
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_flask_limiter_answers_429_past_the_limit(app: flask.Flask) -> None:
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://")

    @app.route("/")
    @limiter.limit("2 per minute")
    def index() -> str:
        return "ok"

    client = app.test_client()
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]


def test_flask_babel_picks_the_locale_from_accept_language(app: flask.Flask) -> None:
    from flask_babel import Babel, format_decimal, get_locale

    def locale_selector() -> str | None:
        return flask.request.accept_languages.best_match(["en", "de"])

    Babel(app, locale_selector=locale_selector)

    @app.route("/")
    def index() -> str:
        return f"{get_locale()} {format_decimal(1234.5)}"

    client = app.test_client()
    assert client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).text == "de 1.234,5"
    assert client.get("/", headers={"Accept-Language": "en-US"}).text == "en 1,234.5"


@pytest.mark.parametrize("accept", ["", "fr"])
def test_flask_babel_falls_back_to_the_default_locale(app: flask.Flask, accept: str) -> None:
    from flask_babel import Babel, get_locale

    def locale_selector() -> str | None:
        return flask.request.accept_languages.best_match(["en", "de"])

    Babel(app, locale_selector=locale_selector)

    @app.route("/")
    def index() -> str:
        return str(get_locale())

    assert app.test_client().get("/", headers={"Accept-Language": accept}).text == "en"
