"""HTTP errors: error objects by Accept, handlers, 500s, and debug pages."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from erlen import Erlen, abort, request
from erlen.errors import (
    BadRequest,
    Conflict,
    HTTPException,
    MethodNotAllowed,
    NotFound,
    Unauthorized,
    UnprocessableEntity,
    default_exceptions,
)


def test_404_is_html_by_default(client) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"<h1>Not Found</h1>" in response.data


def test_404_is_json_when_client_prefers_json(client) -> None:
    response = client.get("/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {
            "status": 404,
            "title": "Not Found",
            "detail": "The requested URL was not found on the server.",
        }
    }


def test_error_is_json_when_client_sent_json(app: Erlen, client) -> None:
    response = client.post("/nope", json={"a": 1})
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_html_error_page_escapes_description(app: Erlen, client) -> None:
    @app.route("/x")
    def view() -> str:
        abort(400, "<script>alert(1)</script>")

    response = client.get("/x")
    assert b"<script>" not in response.data
    assert b"&lt;script&gt;" in response.data


@pytest.mark.parametrize("code", sorted(default_exceptions))
def test_abort_every_known_status(app: Erlen, client, code: int) -> None:
    @app.route("/abort")
    def view() -> str:
        abort(code)

    response = client.get("/abort", headers={"Accept": "application/json"})
    assert response.status_code == code
    assert response.get_json()["error"]["status"] == code


def test_abort_knows_every_status_werkzeug_knows() -> None:
    # A Flask app's abort(451) must not become a 500 on Erlen.
    werkzeug_exceptions = pytest.importorskip("werkzeug.exceptions")
    assert set(werkzeug_exceptions.default_exceptions) <= set(default_exceptions)
    for code, cls in werkzeug_exceptions.default_exceptions.items():
        assert default_exceptions[code].name == cls().name


def test_abort_unknown_status_is_a_programming_error() -> None:
    with pytest.raises(LookupError):
        abort(299)


def test_abort_with_response(app: Erlen, client) -> None:
    from erlen import Response

    @app.route("/x")
    def view() -> str:
        abort(Response("custom", 402))

    response = client.get("/x")
    assert (response.status_code, response.text) == (402, "custom")


def test_errorhandler_by_code(app: Erlen, client) -> None:
    @app.errorhandler(404)
    def not_found(error: HTTPException) -> tuple[str, int]:
        return f"custom {error.code} for {request.path}", 404

    response = client.get("/missing")
    assert (response.status_code, response.text) == (404, "custom 404 for /missing")


def test_errorhandler_by_exception_class_and_mro(app: Erlen, client) -> None:
    class AppError(Exception):
        pass

    class PaymentError(AppError):
        pass

    @app.errorhandler(AppError)
    def app_error(error: AppError) -> tuple[dict[str, str], int]:
        return {"kind": type(error).__name__}, 402

    @app.route("/pay")
    def pay() -> str:
        raise PaymentError()

    response = client.get("/pay")
    assert (response.status_code, response.get_json()) == (402, {"kind": "PaymentError"})


def test_errorhandler_for_http_exception_base_class(app: Erlen, client) -> None:
    @app.errorhandler(HTTPException)
    def any_http(error: HTTPException) -> tuple[str, int]:
        return f"handled {error.code}", error.code

    assert client.get("/missing").text == "handled 404"


def test_specific_code_handler_beats_generic(app: Erlen, client) -> None:
    @app.errorhandler(HTTPException)
    def generic(error: HTTPException) -> tuple[str, int]:
        return "generic", error.code

    @app.errorhandler(NotFound)
    def specific(error: HTTPException) -> tuple[str, int]:
        return "specific", 404

    assert client.get("/missing").text == "specific"


def test_register_error_handler_rejects_bad_input(app: Erlen) -> None:
    with pytest.raises(ValueError):
        app.register_error_handler(299, lambda e: "")
    with pytest.raises(TypeError):
        app.register_error_handler("404", lambda e: "")  # type: ignore[arg-type]


def test_unhandled_exception_is_logged_and_500_without_internals(
    app: Erlen, client, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")
    assert response.status_code == 500
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data
    assert any(
        "secret internals" in (record.exc_text or "") or record.exc_info
        for record in caplog.records
    )
    json_response = client.get("/boom", headers={"Accept": "application/json"})
    assert json_response.get_json()["error"]["status"] == 500


def test_500_handler_gets_original_exception(app: Erlen, client) -> None:
    @app.errorhandler(500)
    def server_error(error: HTTPException) -> tuple[str, int]:
        original = getattr(error, "original_exception", None)
        return f"sorry: {type(original).__name__}", 500

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("x")

    assert client.get("/boom").text == "sorry: ValueError"


def test_debug_mode_shows_traceback(app: Erlen, client) -> None:
    app.debug = True

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("visible in debug")

    response = client.get("/boom")
    assert response.status_code == 500
    assert b"visible in debug" in response.data
    assert b"Traceback" in response.data


def test_testing_mode_propagates(app: Erlen) -> None:
    app.testing = True

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("propagated")

    with pytest.raises(RuntimeError, match="propagated"):
        app.test_client().get("/boom")


def test_http_exceptions_still_answer_in_testing_mode(app: Erlen) -> None:
    app.testing = True
    assert app.test_client().get("/missing").status_code == 404


def test_error_in_after_request_answers_500(app: Erlen, client) -> None:
    @app.after_request
    def broken(response):  # type: ignore[no-untyped-def]
        raise RuntimeError("after hook failed")

    @app.route("/")
    def index() -> str:
        return "ok"

    assert client.get("/").status_code == 500


def test_method_not_allowed_lists_allow_header() -> None:
    error = MethodNotAllowed(["POST", "GET"])
    response = error.get_response()
    assert response.headers["Allow"] == "GET, POST"
    assert response.status_code == 405


def test_unprocessable_entity_lists_fields() -> None:
    error = UnprocessableEntity(errors=[{"field": "email", "message": "invalid"}])
    assert error.to_dict()["error"]["errors"] == [{"field": "email", "message": "invalid"}]


def test_exception_str_and_repr() -> None:
    assert str(Conflict("dup")) == "409 Conflict: dup"
    assert repr(BadRequest()) == "<BadRequest '400: Bad Request'>"


def test_the_apps_aborter_knows_the_codes_it_adds(app: Erlen, client) -> None:
    class PaymentRequired(HTTPException):
        code = 402
        description = "Pay first."

    app.aborter.mapping[402] = PaymentRequired

    @app.route("/pay")
    def pay() -> str:
        abort(402)

    response = client.get("/pay")
    assert response.status_code == 402
    assert "Pay first." in response.text
    with pytest.raises(LookupError):
        abort(402)  # outside the app's context, the default table has no 402


def test_an_aborter_class_replaces_the_aborter() -> None:
    from erlen.errors import Aborter

    class Counting(Aborter):
        calls = 0

        def __call__(self, status, *args, **kwargs):  # type: ignore[no-untyped-def]
            type(self).calls += 1
            super().__call__(status, *args, **kwargs)

    class App(Erlen):
        aborter_class = Counting

    app = App("counting")
    with app.app_context(), pytest.raises(HTTPException):
        abort(404)
    assert Counting.calls == 1


def test_url_build_error_handlers_may_supply_a_url(app: Erlen) -> None:
    from erlen import url_for
    from erlen.errors import BuildError

    seen: list[tuple[str, dict]] = []

    def elsewhere(error: BuildError, endpoint: str, values: dict) -> str | None:
        seen.append((endpoint, dict(values)))
        return "https://example.com/old" if endpoint == "legacy" else None

    app.url_build_error_handlers.append(elsewhere)
    with app.test_request_context():
        assert url_for("legacy") == "https://example.com/old"
        with pytest.raises(BuildError):
            url_for("missing")
    assert seen[0] == (
        "legacy",
        {"_anchor": None, "_method": None, "_scheme": None, "_external": False},
    )


def test_redirect_in_an_app_context_goes_through_the_app(app: Erlen) -> None:
    from erlen import Response, redirect

    class Marked(Response):
        pass

    app.response_class = Marked
    with app.app_context():
        assert isinstance(redirect("/next"), Marked)
    assert type(redirect("/next")) is Response


def test_trap_http_exceptions_lets_http_errors_propagate_like_any_other() -> None:
    app = Erlen(__name__)
    app.testing = True

    @app.route("/gone")
    def gone() -> str:
        abort(404)

    assert app.test_client().get("/gone").status_code == 404
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    with pytest.raises(NotFound):
        app.test_client().get("/gone")
    app.testing = False
    assert app.test_client().get("/gone").status_code == 500


def test_registering_a_handler_for_something_else_than_an_exception_class_says_what_is_wrong() -> (
    None
):
    app = Erlen(__name__)
    with pytest.raises(TypeError, match=r"ValueError\(\) is an instance, not a class"):
        app.register_error_handler(ValueError(), lambda e: "x")
    with pytest.raises(ValueError, match="'list' is not a subclass of Exception"):
        app.register_error_handler(list, lambda e: "x")
    with pytest.raises(ValueError, match="999"):
        app.register_error_handler(999, lambda e: "x")


def test_abort_takes_werkzeugs_header_arguments(app: Erlen, client) -> None:
    # abort(429, retry_after=30) is a Flask habit (rate limits, maintenance, auth challenges).
    @app.route("/slow")
    def slow() -> str:
        abort(429, retry_after=30)

    @app.route("/down")
    def down() -> str:
        abort(503, retry_after=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))

    @app.route("/login")
    def login() -> str:
        raise Unauthorized(www_authenticate=['Basic realm="app"', 'Bearer realm="api"'])

    assert client.get("/slow").headers["Retry-After"] == "30"
    assert client.get("/slow").status_code == 429
    response = client.get("/down")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    response = client.get("/login")
    assert response.status_code == 401
    challenges = response.headers.getlist("WWW-Authenticate")
    assert challenges == ['Basic realm="app"', 'Bearer realm="api"']


def test_an_error_class_for_another_status_is_named_after_it(app: Erlen, client) -> None:
    class ClientClosed(HTTPException):
        code = 499
        description = "The client went away."

    class Teapot(HTTPException):
        code = 418

    assert (ClientClosed.name, Teapot.name) == ("Unknown Error", "I'm a Teapot")

    @app.route("/")
    def index() -> str:
        raise ClientClosed()

    assert "<title>499 Unknown Error</title>" in client.get("/").text


def test_abort_with_neither_a_status_nor_a_response_is_a_programming_error(
    app: Erlen, client
) -> None:
    # abort("text") answered 200 with the text: an abort must never look like a success.
    @app.route("/")
    def index() -> str:
        abort("Not allowed")  # type: ignore[arg-type]

    with pytest.raises(TypeError, match="a status code or a Response"):
        abort("Not allowed")  # type: ignore[arg-type]
    app.testing = False
    assert client.get("/").status_code == 500
