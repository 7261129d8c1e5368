"""Flask-Login and Flask-SQLAlchemy on Erlen's ASGI adapter under a real uvicorn server."""

from __future__ import annotations

import http.cookiejar
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import ServerProcess, free_port

pytestmark = [pytest.mark.server, pytest.mark.wsgi_only]  # the server picks the adapter

SERVER_APP = """
import erlen.flask_patch  # noqa: F401

import flask
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy

app = flask.Flask(__name__)
app.config.update(SECRET_KEY="uvicorn secret", SQLALCHEMY_DATABASE_URI="sqlite:///app.db")
db = SQLAlchemy(app)
login_manager = LoginManager(app)
login_manager.login_view = "login"


class User(db.Model, UserMixin):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(40), unique=True)


with app.app_context():
    db.create_all()
    db.session.add(User(name="ada"))
    db.session.commit()


@login_manager.user_loader
def load_user(user_id):
    return db.session.get(User, int(user_id))


@app.post("/login")
def login():
    query = db.select(User).filter_by(name=flask.request.form["name"])
    user = db.session.execute(query).scalar_one()
    login_user(user, remember=True)
    return "logged in"


@app.get("/private")
@login_required
def private():
    return f"hello {current_user.name}"
"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "ext_app.py").write_text(SERVER_APP)
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--port", str(port), "ext_app:app.asgi"]
    process = ServerProcess(command, port, tmp_path)
    try:
        yield process.url
    finally:
        process.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_login_and_remember_cookie_under_uvicorn(server: str) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(f"{server}/private", timeout=5)
    assert refused.value.code == 302
    assert refused.value.headers["Location"].startswith("/login?next=")
    refused.value.close()

    form = urllib.parse.urlencode({"name": "ada"}).encode()
    with opener.open(f"{server}/login", data=form, timeout=5) as response:
        assert response.read() == b"logged in"
    with opener.open(f"{server}/private", timeout=5) as response:
        assert response.read() == b"hello ada"

    # Without the session cookie, the remember cookie alone logs the user back in.
    for cookie in list(jar):
        if cookie.name == "session":
            jar.clear(cookie.domain, cookie.path, cookie.name)
    assert {cookie.name for cookie in jar} == {"remember_token"}
    with opener.open(f"{server}/private", timeout=5) as response:
        assert response.read() == b"hello ada"
