"""Flask-JWT-Extended on Erlen: tokens in headers and cookies, jwt_required, its error answers."""

from __future__ import annotations

import flask
import pytest
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    get_jwt,
    get_jwt_identity,
    jwt_required,
    set_access_cookies,
)


#: flask_jwt_extended/view_decorators.py:170: ``return current_app.ensure_sync(fn)(*args, ...)``.
@pytest.fixture
def app(app: flask.Flask) -> flask.Flask:
    app.config.update(
        JWT_SECRET_KEY="a jwt secret long enough for HS256 keys!",
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        JWT_COOKIE_CSRF_PROTECT=False,
    )
    JWTManager(app)

    @app.post("/token")
    def token() -> dict[str, str]:
        identity = flask.request.get_json()["user"]
        return {"access_token": create_access_token(identity, additional_claims={"role": "x"})}

    @app.post("/cookie-login")
    def cookie_login() -> flask.Response:
        response = flask.jsonify(ok=True)
        set_access_cookies(response, create_access_token("cookie-user"))
        return response

    @app.get("/me")
    @jwt_required()
    def me() -> dict[str, object]:
        return {"user": get_jwt_identity(), "role": get_jwt()["role"]}

    @app.get("/whoami")
    @jwt_required(optional=True)
    def whoami() -> dict[str, object]:
        return {"user": get_jwt_identity()}

    return app


def test_create_access_token_and_use_it_as_a_bearer_token(app: flask.Flask) -> None:
    client = app.test_client()
    token = client.post("/token", json={"user": "ada"}).json["access_token"]
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json == {"user": "ada", "role": "x"}


def test_jwt_required_answers_401_without_a_token(app: flask.Flask) -> None:
    response = app.test_client().get("/me")
    assert response.status_code == 401
    assert response.json["msg"].startswith("Missing JWT in headers or cookies")


def test_a_malformed_token_answers_422(app: flask.Flask) -> None:
    response = app.test_client().get("/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 422


def test_optional_jwt_lets_an_anonymous_request_through(app: flask.Flask) -> None:
    assert app.test_client().get("/whoami").json == {"user": None}


def test_access_token_in_a_cookie_is_accepted(app: flask.Flask) -> None:
    client = app.test_client()
    response = client.post("/cookie-login")
    assert any(c.startswith("access_token_cookie=") for c in response.headers.getlist("Set-Cookie"))
    assert client.get("/whoami").json == {"user": "cookie-user"}
