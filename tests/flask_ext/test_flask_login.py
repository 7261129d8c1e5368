"""Flask-Login on Erlen: the login redirect, logging in, and the remember-me cookie."""

from __future__ import annotations

import flask
import pytest
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)


class User(UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id


USERS = {"ada": User("ada")}


@pytest.fixture
def app(app: flask.Flask) -> flask.Flask:
    manager = LoginManager(app)
    manager.login_view = "login"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        return USERS.get(user_id)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> str:
        if flask.request.method == "POST":
            user = USERS[flask.request.form["name"]]
            login_user(user, remember=flask.request.form.get("remember") == "yes")
            return "logged in"
        return f"please log in (next={flask.request.args.get('next')})"

    @app.route("/private")
    @login_required
    def private() -> str:
        return f"hello {current_user.id}"

    @app.route("/logout")
    def logout() -> str:
        logout_user()
        return "bye"

    return app


def test_login_required_redirects_an_anonymous_user_to_the_login_view(app: flask.Flask) -> None:
    response = app.test_client().get("/private")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "%2Fprivate" in response.headers["Location"]


def test_login_user_lets_the_session_reach_the_protected_view(app: flask.Flask) -> None:
    client = app.test_client()
    assert client.post("/login", data={"name": "ada"}).text == "logged in"
    response = client.get("/private")
    assert response.status_code == 200
    assert response.text == "hello ada"


def test_logout_user_closes_the_protected_view_again(app: flask.Flask) -> None:
    client = app.test_client()
    client.post("/login", data={"name": "ada"})
    assert client.get("/logout").text == "bye"
    assert client.get("/private").status_code == 302


def test_remember_cookie_restores_the_user_on_a_fresh_session(app: flask.Flask) -> None:
    client = app.test_client()
    response = client.post("/login", data={"name": "ada", "remember": "yes"})
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    remember = client.get_cookie("remember_token")
    assert remember is not None

    fresh = app.test_client()  # no session cookie: only the remember cookie
    fresh.set_cookie("remember_token", remember.value)
    response = fresh.get("/private")
    assert response.status_code == 200
    assert response.text == "hello ada"


def test_remember_cookie_is_deleted_on_logout(app: flask.Flask) -> None:
    client = app.test_client()
    client.post("/login", data={"name": "ada", "remember": "yes"})
    response = client.get("/logout")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=;") and "Max-Age=0" in c for c in cookies)
    assert client.get_cookie("remember_token") is None
