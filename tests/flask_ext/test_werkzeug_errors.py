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


def test_erlens_errors_are_instances_of_werkzeugs_classes(app: flask.Flask) -> None:
    # Flask's documented generic handler: pass HTTP errors through, turn the rest into 500s.
    @app.errorhandler(Exception)
    def generic(error: Exception) -> object:
        if isinstance(error, wz.HTTPException):
            return error
        return "crashed", 500

    @app.route("/missing")
    def missing() -> str:
        flask.abort(404)

    @app.route("/crash")
    def crash() -> str:
        raise RuntimeError("boom")

    client = app.test_client()
    assert client.get("/missing").status_code == 404
    assert client.get("/crash").text == "crashed"
    with app.test_request_context("/?a=1"):
        with pytest.raises(wz.BadRequestKeyError) as caught:
            flask.request.args["b"]
        assert isinstance(caught.value, KeyError)
        assert "b" in caught.value.get_description()


def test_a_url_build_failure_is_werkzeugs_build_error(app: flask.Flask) -> None:
    from werkzeug.routing import BuildError

    with app.test_request_context(), pytest.raises(BuildError) as caught:
        flask.url_for("nowhere")
    assert "nowhere" in str(caught.value)


@pytest.mark.parametrize(
    ("config", "key_error_trapped", "abort_trapped"),
    [
        ({}, False, False),
        ({"DEBUG": True}, True, False),
        ({"TRAP_BAD_REQUEST_ERRORS": True}, True, True),
        ({"TRAP_HTTP_EXCEPTIONS": True}, True, True),
    ],
)
def test_trapped_bad_requests_reach_the_test_as_exceptions(
    app: flask.Flask, config: dict[str, bool], key_error_trapped: bool, abort_trapped: bool
) -> None:
    app.config.update(config)

    @app.route("/key")
    def key() -> str:
        return flask.request.form["missing"]

    @app.route("/abort")
    def bad() -> str:
        flask.abort(400)

    client = app.test_client()
    if key_error_trapped and not config.get("DEBUG"):
        with pytest.raises(KeyError):
            client.get("/key")
    elif not key_error_trapped:
        assert client.get("/key").status_code == 400
    if abort_trapped:
        with pytest.raises(wz.BadRequest):
            client.get("/abort")
    else:
        assert client.get("/abort").status_code == 400
    assert app.trap_http_exception(wz.BadRequest()) is abort_trapped


def test_a_redirect_loop_raises_werkzeugs_client_redirect_error(app: flask.Flask) -> None:
    from werkzeug.test import ClientRedirectError

    @app.route("/loop")
    def loop() -> flask.Response:
        return flask.redirect("/loop")

    with pytest.raises(ClientRedirectError):
        app.test_client().get("/loop", follow_redirects=True)
