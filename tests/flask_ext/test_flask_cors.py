"""Flask-CORS on Erlen: preflight requests and the headers on actual responses."""

from __future__ import annotations

import flask
import pytest
from flask_cors import CORS, cross_origin


#: flask_cors/decorator.py:133: ``current_app.make_default_options_response()``.
@pytest.fixture
def app(app: flask.Flask) -> flask.Flask:
    CORS(app, resources={r"/api/*": {"origins": "https://example.org"}}, supports_credentials=True)

    @app.route("/api/items", methods=["GET", "POST"])
    def items() -> dict[str, list[int]]:
        return {"items": [1, 2]}

    @app.route("/open")
    @cross_origin()
    def open_view() -> str:
        return "open"

    @app.route("/private")
    def private() -> str:
        return "no cors"

    return app


def test_preflight_options_is_answered_with_access_control_headers(app: flask.Flask) -> None:
    response = app.test_client().options(
        "/api/items",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://example.org"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_actual_request_from_an_allowed_origin_gets_allow_origin(app: flask.Flask) -> None:
    response = app.test_client().get("/api/items", headers={"Origin": "https://example.org"})
    assert response.json == {"items": [1, 2]}
    assert response.headers["Access-Control-Allow-Origin"] == "https://example.org"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_request_from_another_origin_gets_no_allow_origin(app: flask.Flask) -> None:
    response = app.test_client().get("/api/items", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cross_origin_decorator_allows_any_origin(app: flask.Flask) -> None:
    response = app.test_client().get("/open", headers={"Origin": "https://anywhere.example"})
    # Any origin is allowed by echoing it (send_wildcard is off), so the answer varies by Origin.
    assert response.headers["Access-Control-Allow-Origin"] == "https://anywhere.example"
    assert response.headers["Vary"] == "Origin"


def test_a_path_outside_the_resources_is_left_alone(app: flask.Flask) -> None:
    response = app.test_client().get("/private", headers={"Origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cross_origin_decorator_answers_its_own_preflight(app: flask.Flask) -> None:
    response = app.test_client().options(
        "/open",
        headers={"Origin": "https://anywhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://anywhere.example"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "OPTIONS" in response.headers["Allow"]
