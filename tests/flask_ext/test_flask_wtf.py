"""Flask-WTF on Erlen: a form with CSRF protection, through the form and through CSRFProtect."""

from __future__ import annotations

import re

import flask
import pytest
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import StringField
from wtforms.validators import DataRequired


#: flask_wtf/csrf.py:343: ``raise CSRFError(reason)``, a werkzeug.exceptions.BadRequest.
class NameForm(FlaskForm):
    name = StringField("name", validators=[DataRequired()])


@pytest.fixture
def app(app: flask.Flask) -> flask.Flask:
    app.config["TESTING"] = False  # Flask-WTF turns CSRF off under TESTING unless told

    @app.route("/form", methods=["GET", "POST"])
    def form_view() -> str | tuple[str, int]:
        form = NameForm()
        if form.validate_on_submit():
            return f"hello {form.name.data}"
        if flask.request.method == "POST":
            return "invalid: " + ",".join(sorted(form.errors)), 422
        return flask.render_template_string(
            '<form method="post">{{ form.csrf_token }}{{ form.name }}</form>', form=form
        )

    return app


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match is not None, page
    return match.group(1)


def test_form_renders_a_csrf_token_field(app: flask.Flask) -> None:
    page = app.test_client().get("/form").text
    assert csrf_token(page)
    assert 'name="name"' in page


def test_form_without_a_token_is_invalid(app: flask.Flask) -> None:
    client = app.test_client()
    client.get("/form")
    response = client.post("/form", data={"name": "ada"})
    assert response.status_code == 422
    assert response.text == "invalid: csrf_token"


def test_form_with_the_session_token_is_accepted(app: flask.Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/form").text)
    response = client.post("/form", data={"name": "ada", "csrf_token": token})
    assert response.status_code == 200
    assert response.text == "hello ada"


@pytest.fixture
def protected(app: flask.Flask) -> flask.Flask:
    CSRFProtect(app)

    @app.post("/api")
    def api() -> str:
        return "accepted"

    return app


def test_csrf_protect_answers_400_to_a_post_without_a_token(protected: flask.Flask) -> None:
    response = protected.test_client().post("/api", data={"x": "1"})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.text


def test_csrf_protect_accepts_the_token_in_a_header(protected: flask.Flask) -> None:
    client = protected.test_client()
    token = csrf_token(client.get("/form").text)
    response = client.post("/api", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.text == "accepted"


def test_csrf_protect_refuses_a_forged_token(protected: flask.Flask) -> None:
    client = protected.test_client()
    client.get("/form")
    response = client.post("/api", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.text


def test_csrf_protect_checks_the_referrer_over_https(protected: flask.Flask) -> None:
    client = protected.test_client()
    base = "https://localhost/"
    token = csrf_token(client.get("/form", base_url=base).text)
    response = client.post("/api", base_url=base, headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "The referrer header is missing." in response.text
    response = client.post(
        "/api",
        base_url=base,
        headers={"X-CSRFToken": token, "Referer": "https://localhost/form"},
    )
    assert response.status_code == 200
