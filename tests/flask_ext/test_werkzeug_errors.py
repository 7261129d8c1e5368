"""Flask code's ``werkzeug.exceptions`` errors are HTTP errors on Erlen too.

A Flask user raises ``werkzeug.exceptions.NotFound`` and registers handlers for Werkzeug's
classes; extensions subclass them (Flask-WTF's ``CSRFError(BadRequest)``). Each is answered with
its status and matched to handlers the way Flask matches them.
"""

import flask
import pytest
from werkzeug import exceptions as wz


def test_a_raised_werkzeug_error_answers_with_its_status_and_headers(app: flask.Flask) -> None:
    @app.route("/gone")
    def gone() -> str:
        raise wz.Gone("Moved away for good.")

    @app.route("/only-post")
    def only_post() -> str:
        raise wz.MethodNotAllowed(valid_methods=["POST"])

    client = app.test_client()
    response = client.get("/gone")
    assert response.status_code == 410
    assert "Moved away for good." in response.text
    response = client.get("/only-post")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_a_handler_for_a_werkzeug_class_handles_erlens_own_errors(app: flask.Flask) -> None:
    @app.errorhandler(wz.NotFound)
    def not_found(error: Exception) -> tuple[str, int]:
        return f"no such page ({type(error).__name__})", 404

    response = app.test_client().get("/missing")
    assert response.status_code == 404
    assert response.text == "no such page (NotFound)"


@pytest.mark.parametrize("registered", [400, wz.BadRequest, wz.HTTPException])
def test_a_werkzeug_subclass_reaches_handlers_for_its_status(
    app: flask.Flask, registered: object
) -> None:
    class TokenMissing(wz.BadRequest):
        description = "The form token is missing."

    @app.errorhandler(registered)  # type: ignore[arg-type]
    def bad(error: Exception) -> tuple[str, int]:
        return f"refused: {getattr(error, 'description', '')}", 400

    @app.post("/form")
    def form() -> str:
        raise TokenMissing()

    response = app.test_client().post("/form")
    assert response.status_code == 400
    assert response.text == "refused: The form token is missing."


def test_a_handler_for_the_subclass_wins_over_the_status(app: flask.Flask) -> None:
    class TokenMissing(wz.BadRequest):
        pass

    app.register_error_handler(400, lambda error: ("any 400", 400))
    app.register_error_handler(TokenMissing, lambda error: ("token", 400))

    @app.post("/form")
    def form() -> str:
        raise TokenMissing()

    @app.post("/other")
    def other() -> str:
        flask.abort(400)

    client = app.test_client()
    assert client.post("/form").text == "token"
    assert client.post("/other").text == "any 400"
