"""Signed-cookie sessions and flashing."""

from __future__ import annotations

import base64
from datetime import UTC, timedelta
from typing import Any

import pytest

from erlen import Erlen, flash, get_flashed_messages, session


@pytest.fixture
def counter(app: Erlen) -> Erlen:
    @app.route("/count")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.route("/read")
    def read() -> str:
        return str(session.get("n"))

    @app.route("/logout")
    def logout() -> str:
        session.clear()
        return "bye"

    return app


def test_session_persists_across_requests(counter: Erlen) -> None:
    client = counter.test_client()
    assert [client.get("/count").text for _ in range(3)] == ["1", "2", "3"]
    assert client.get("/read").text == "3"


def test_cookie_flags_by_default(counter: Erlen) -> None:
    cookie = counter.test_client().get("/count").headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    https = counter.test_client().get("/count", base_url="https://localhost/")
    assert "Secure" in https.headers["Set-Cookie"]


def test_cookie_written_only_when_changed(counter: Erlen) -> None:
    client = counter.test_client()
    client.get("/count")
    response = client.get("/read")
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Cookie"


def test_tampered_cookie_gives_empty_session(counter: Erlen) -> None:
    client = counter.test_client()
    value = client.get("/count").headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    client.set_cookie("session", tampered)
    assert client.get("/read").text == "None"


@pytest.mark.parametrize(
    "payload",
    [b"!!!!", b"." + base64.urlsafe_b64encode(b"not zlib").rstrip(b"="), b"e25vcGU"],
    ids=["not-base64", "not-zlib", "not-json"],
)
def test_signed_cookie_that_does_not_decode_gives_empty_session(
    counter: Erlen, payload: bytes
) -> None:
    # Signed with the app's key and salt (another app or an older version sharing them), but
    # its payload does not decode: a fresh session, not a 500 on every request.
    serializer = counter.session_interface.get_signing_serializer(counter)  # type: ignore[attr-defined]
    client = counter.test_client()
    client.set_cookie("session", serializer.make_signer().sign(payload).decode())
    assert client.get("/read").text == "None"
    assert client.get("/count").text == "1"


def test_clearing_a_session_that_failed_to_load_deletes_its_cookie(counter: Erlen) -> None:
    # A cookie signed with a key rotated since: clear() on logout must not leave it behind.
    client = counter.test_client()
    client.set_cookie("session", "eyJuIjoxfQ.signed-with-an-old-key.xxxx")
    deletion = client.get("/logout").headers.getlist("Set-Cookie")
    assert len(deletion) == 1 and deletion[0].startswith("session=;") and "Max-Age=0" in deletion[0]
    assert client.get_cookie("session") is None
    assert "Set-Cookie" not in counter.test_client().get("/logout").headers  # none to delete


def test_key_rotation_with_fallbacks(counter: Erlen) -> None:
    client = counter.test_client()
    client.get("/count")
    counter.config["SECRET_KEY_FALLBACKS"] = ["test secret key"]
    counter.config["SECRET_KEY"] = "new key"
    assert client.get("/read").text == "1"
    counter.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/read").text == "None"


def test_expired_permanent_session_is_empty(app: Erlen) -> None:
    @app.route("/login")
    def login() -> str:
        session.permanent = True
        session["user"] = "ada"
        return "in"

    @app.route("/me")
    def me() -> str:
        return str(session.get("user"))

    client = app.test_client()
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "Expires=" in cookie
    assert client.get("/me").text == "ada"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)
    assert client.get("/me").text == "None"


def test_clearing_session_deletes_cookie(counter: Erlen) -> None:
    client = counter.test_client()
    client.get("/count")
    cookie = client.get("/logout").headers["Set-Cookie"]
    assert "Max-Age=0" in cookie or "Expires=Thu, 01 Jan 1970" in cookie
    assert client.get("/read").text == "None"


def test_writing_session_without_secret_key_is_a_clear_error() -> None:
    app = Erlen("nokey")
    app.testing = True

    @app.route("/")
    def index() -> str:
        session["x"] = 1
        return ""

    @app.route("/read")
    def read() -> str:
        return str(session.get("x"))

    client = app.test_client()
    assert client.get("/read").text == "None"
    with pytest.raises(RuntimeError, match="secret key"):
        client.get("/")


def test_flash_messages_with_categories(app: Erlen) -> None:
    @app.route("/act")
    def act() -> str:
        flash("Saved.")
        flash("Careful!", "warning")
        return "done"

    @app.route("/show")
    def show() -> dict[str, object]:
        return {
            "all": get_flashed_messages(),
            "warnings": get_flashed_messages(category_filter=["warning"]),
            "pairs": get_flashed_messages(with_categories=True),
        }

    client = app.test_client()
    client.get("/act")
    assert client.get("/show").get_json() == {
        "all": ["Saved.", "Careful!"],
        "warnings": ["Careful!"],
        "pairs": [["message", "Saved."], ["warning", "Careful!"]],
    }
    assert client.get("/show").get_json()["all"] == []


def test_session_keeps_tuples_bytes_markup_uuid_datetime(app: Erlen) -> None:
    import uuid
    from datetime import datetime

    from markupsafe import Markup

    stamp = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    ident = uuid.uuid4()

    @app.route("/set")
    def set_values() -> str:
        session["values"] = {
            "pair": (1, "a"), "raw": b"\x00\xff", "html": Markup("<b>x</b>"),
            "id": ident, "when": stamp, "tricky": {" t": "not a tag"},
        }  # fmt: skip
        return ""

    @app.route("/get")
    def get_values() -> str:
        values = session["values"]
        assert values == {
            "pair": (1, "a"), "raw": b"\x00\xff", "html": Markup("<b>x</b>"),
            "id": ident, "when": stamp, "tricky": {" t": "not a tag"},
        }  # fmt: skip
        assert isinstance(values["html"], Markup)
        return "same"

    client = app.test_client()
    client.get("/set")
    assert client.get("/get").text == "same"


def test_popping_a_missing_key_does_not_rewrite_the_cookie(counter: Erlen) -> None:
    @counter.route("/pop")
    def pop() -> str:
        return str(session.pop("absent", None))

    client = counter.test_client()
    client.get("/count")
    assert "Set-Cookie" not in client.get("/pop").headers


def test_reads_a_session_cookie_written_by_flask() -> None:
    flask = pytest.importorskip("flask")
    flask_app = flask.Flask("writer")
    flask_app.secret_key = "shared"

    @flask_app.route("/")
    def write() -> str:
        flask.flash("Saved.", "info")
        flask.session["pair"] = (1, 2)
        return ""

    cookie = flask_app.test_client().get("/").headers["Set-Cookie"].split(";")[0]
    app = Erlen("reader")
    app.secret_key = "shared"

    @app.route("/")
    def read() -> dict[str, object]:
        return {"pair": list(session["pair"]), "flashes": get_flashed_messages(True)}

    data = app.test_client().get("/", headers={"Cookie": cookie}).get_json()
    assert data == {"pair": [1, 2], "flashes": [["info", "Saved."]]}


def test_flash_sends_message_flashed_to_a_listener(app: Erlen) -> None:
    from erlen.signals import message_flashed

    app.testing = True
    received: list[tuple[object, str, str]] = []

    def record(sender: object, message: str, category: str) -> None:
        received.append((sender, message, category))

    @app.route("/act")
    def act() -> str:
        flash("Saved.", "info")
        return ""

    with message_flashed.connected_to(record, app):
        app.test_client().get("/act")
    assert received == [(app, "Saved.", "info")]


def test_vary_names_cookie_once_alongside_the_views_own(app: Erlen) -> None:
    @app.route("/own-vary")
    def own_vary() -> Any:
        session["x"] = 1
        return "", {"Vary": "Accept-Encoding"}

    @app.route("/cookie-vary")
    def cookie_vary() -> Any:
        session["x"] = 1
        return "", {"Vary": "Cookie"}

    client = app.test_client()
    assert client.get("/own-vary").headers.get_all("Vary") == ["Accept-Encoding, Cookie"]
    assert client.get("/cookie-vary").headers.get_all("Vary") == ["Cookie"]


def test_a_tag_registered_on_the_apps_serializer_stores_a_new_type(app: Erlen) -> None:
    from fractions import Fraction

    from .test_jsontag import TagFraction

    app.session_interface.serializer.register(TagFraction)  # type: ignore[attr-defined]

    @app.route("/set")
    def set_ratio() -> str:
        session["ratio"] = Fraction(1, 3)
        return ""

    @app.route("/get")
    def get_ratio() -> str:
        return repr(session["ratio"])

    client = app.test_client()
    client.get("/set")
    assert client.get("/get").text == "Fraction(1, 3)"
    other = Erlen("other").session_interface.serializer  # type: ignore[attr-defined]
    assert " fr" not in other.tags


def test_storing_an_unserialisable_value_says_what_the_session_holds(app: Erlen) -> None:
    app.testing = True

    @app.route("/")
    def index() -> str:
        session["thing"] = object()
        return ""

    with pytest.raises(TypeError, match="register a JSONTag"):
        app.test_client().get("/")


def _login_app(app: Erlen) -> Erlen:
    @app.route("/login")
    def login() -> str:
        session["user"] = "ada"
        session.permanent = True
        return "in"

    @app.route("/remember")
    def remember() -> str:
        session["user"] = "bo"  # not permanent
        return "in"

    @app.route("/page")
    def page() -> str:  # does not touch the session
        return "page"

    return app


def test_a_permanent_session_is_refreshed_by_a_view_that_does_not_touch_it(app: Erlen) -> None:
    """As in Flask: with SESSION_REFRESH_EACH_REQUEST (the default) every response renews a
    permanent session's cookie, so it expires after inactivity, not after the login."""
    client = _login_app(app).test_client()
    client.get("/login")
    response = client.get("/page")
    assert response.text == "page"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Expires=" in cookie
    assert response.headers["Vary"] == "Cookie"
    assert client.get_cookie("session") is not None


def test_no_refresh_for_a_browser_session_or_with_the_setting_off(app: Erlen) -> None:
    client = _login_app(app).test_client()
    client.get("/remember")
    response = client.get("/page")
    assert "Set-Cookie" not in response.headers and "Vary" not in response.headers
    client.get("/login")
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    response = client.get("/page")
    assert "Set-Cookie" not in response.headers


def test_a_request_without_the_session_cookie_opens_no_session(app: Erlen) -> None:
    opened: list[str] = []
    interface = app.session_interface
    original = interface.open_session

    def counting(app_: Any, request: Any) -> Any:
        opened.append(request.path)
        return original(app_, request)

    interface.open_session = counting  # type: ignore[method-assign]
    client = _login_app(app).test_client()
    client.get("/page")
    client.set_cookie("other", "1")
    client.get("/page")
    assert opened == []
    client.get("/login")
    opened.clear()
    client.get("/page")
    assert opened == ["/page"]


def test_a_session_store_failing_during_the_renewal_is_answered_by_the_app(app: Erlen) -> None:
    """The renewal opens the session where after-request errors are handled: the app's 500,
    not an exception out of the server's call."""
    client = _login_app(app).test_client()
    client.get("/login")
    interface = app.session_interface

    def down(app_: Any, request: Any) -> Any:
        raise ConnectionError("the session store is down")

    interface.open_session = down  # type: ignore[method-assign]
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.errorhandler(500)
    def failed(error: Exception) -> tuple[str, int]:
        return "custom 500", 500

    response = client.get("/page")
    assert (response.status_code, response.text) == (500, "custom 500")
