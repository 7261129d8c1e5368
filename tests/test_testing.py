"""The test client: cookies, redirects, request building, sessions and kept contexts."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from erlen import (
    Erlen,
    Response,
    g,
    has_request_context,
    redirect,
    request,
    session,
)
from erlen.sessions import SecureCookieSession, SessionInterface
from erlen.testing import (
    ClientRedirectError,
    EnvironBuilder,
    ErlenCliRunner,
    TestClient,
    TestResponse,
    build_environ,
)


@pytest.fixture
def echo(app: Erlen) -> Erlen:
    """An app whose ``/echo`` view describes the request it got, as JSON."""

    @app.route("/echo", methods=["GET", "HEAD", "POST", "PUT", "DELETE"])
    def echo_view() -> dict[str, Any]:
        return {
            "method": request.method,
            "url": request.url,
            "scheme": request.scheme,
            "secure": request.is_secure,
            "args": request.args.to_dict(flat=False),
            "form": request.form.to_dict(flat=False),
            "files": {
                name: [upload.filename, upload.content_type, upload.read().decode()]
                for name, upload in request.files.items()
            },
            "json": request.get_json(silent=True),
            "data": request.get_data(as_text=True) if not request.files else "",
            "content_type": request.content_type,
            "headers": {"x-token": request.headers.get("X-Token")},
            "cookies": request.cookies.to_dict(),
        }

    return app


# -- building requests ---------------------------------------------------------------------------


def test_query_string_dict_with_lists_is_encoded(echo: Erlen) -> None:
    client = echo.test_client()
    body = client.get("/echo", query_string={"q": "a b", "tag": ["x", "y"]}).json
    assert body["args"] == {"q": ["a b"], "tag": ["x", "y"]}
    assert client.get("/echo?q=1").json["args"] == {"q": ["1"]}


def test_query_string_dict_leaves_out_none_values_as_werkzeug_does(echo: Erlen) -> None:
    client = echo.test_client()
    body = client.get("/echo", query_string={"page": None, "per_page": 10}).json
    assert body["args"] == {"per_page": ["10"]}
    with echo.test_request_context(query_string={"page": None}):
        assert request.args.get("page", 1) == 1


def test_json_argument_sends_a_json_body(echo: Erlen) -> None:
    body = echo.test_client().post("/echo", json={"name": "Ada", "tags": [1, 2]}).json
    assert body["json"] == {"name": "Ada", "tags": [1, 2]}
    assert body["content_type"] == "application/json"


def test_data_dict_is_a_urlencoded_form(echo: Erlen) -> None:
    body = echo.test_client().post("/echo", data={"name": "Ada", "lang": ["py", "c"]}).json
    assert body["form"] == {"name": ["Ada"], "lang": ["py", "c"]}
    assert body["content_type"] == "application/x-www-form-urlencoded"


def test_data_bytes_is_the_raw_body(echo: Erlen) -> None:
    client = echo.test_client()
    body = client.put("/echo", data=b"\x00raw", content_type="application/octet-stream").json
    assert body["data"] == "\x00raw"
    assert body["content_type"] == "application/octet-stream"
    assert body["form"] == {}


def test_data_with_files_is_multipart(echo: Erlen) -> None:
    files = {
        "title": "report",
        "report": (io.BytesIO(b"a,b\n1,2\n"), "report.csv"),
        "note": (io.BytesIO(b"hi"), "note.txt", "text/x-note"),
    }
    body = echo.test_client().post("/echo", data=files).json
    assert body["content_type"].startswith("multipart/form-data; boundary=")
    assert body["form"] == {"title": ["report"]}
    assert body["files"] == {
        "report": ["report.csv", "text/csv", "a,b\n1,2\n"],
        "note": ["note.txt", "text/x-note", "hi"],
    }


def test_headers_as_dict_or_pairs(echo: Erlen) -> None:
    client = echo.test_client()
    assert client.get("/echo", headers={"X-Token": "t1"}).json["headers"]["x-token"] == "t1"
    assert client.get("/echo", headers=[("X-Token", "t2")]).json["headers"]["x-token"] == "t2"


def test_head_gets_headers_and_no_body(echo: Erlen) -> None:
    client = echo.test_client()
    get = client.get("/echo")
    head = client.head("/echo")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


def test_base_url_https_sets_scheme_host_and_secure_cookies(echo: Erlen) -> None:
    @echo.route("/login")
    def login() -> str:
        session["user"] = "ada"
        return "ok"

    client = echo.test_client()
    body = client.get("/echo?x=1", base_url="https://example.com").json
    assert body["url"] == "https://example.com/echo?x=1"
    assert body["scheme"] == "https" and body["secure"] is True
    cookie = client.get("/login", base_url="https://example.com").headers["Set-Cookie"]
    assert "Secure" in cookie
    assert client.get_cookie("session", domain="example.com") is not None


def test_response_works_as_a_context_manager(echo: Erlen) -> None:
    with echo.test_client().get("/echo") as response:
        assert response.status_code == 200
    response.close()  # closing twice is harmless


# -- cookies -------------------------------------------------------------------------------------


@pytest.fixture
def cookie_app(app: Erlen) -> Erlen:
    @app.route("/set/<name>/<value>")
    def set_cookie(name: str, value: str) -> Response:
        response = Response("set")
        max_age = request.args.get("max_age", type=int)
        response.set_cookie(name, value, max_age=max_age, path=request.args.get("path", "/"))
        return response

    @app.route("/expire/<name>")
    def expire(name: str) -> Response:
        response = Response("gone")
        response.delete_cookie(name)
        return response

    @app.route("/cookies")
    @app.route("/admin/cookies")
    def cookies() -> dict[str, str]:
        return request.cookies.to_dict()

    return app


def test_cookies_persist_across_requests(cookie_app: Erlen) -> None:
    client = cookie_app.test_client()
    client.get("/set/flavour/oat")
    client.get("/set/size/large")
    assert client.get("/cookies").json == {"flavour": "oat", "size": "large"}
    client.get("/set/flavour/rye")
    assert client.get("/cookies").json == {"flavour": "rye", "size": "large"}


def test_deleted_and_expired_cookies_are_not_sent(cookie_app: Erlen) -> None:
    client = cookie_app.test_client()
    client.get("/set/a/1")
    client.get("/set/b/2?max_age=60")
    client.get("/expire/a")
    assert client.get_cookie("a") is None
    assert client.get("/cookies").json == {"b": "2"}

    cookie = client.get_cookie("b")
    assert cookie is not None and cookie.expires is not None
    assert cookie.expires > datetime.now(UTC) + timedelta(seconds=50)
    cookie.expires = datetime.now(UTC) - timedelta(seconds=1)  # a minute goes by
    assert client.get("/cookies").json == {}
    assert client.get_cookie("b") is None


def test_cookie_path_limits_where_it_is_sent(cookie_app: Erlen) -> None:
    client = cookie_app.test_client()
    client.get("/set/area/admin?path=/admin")
    assert client.get("/cookies").json == {}
    assert client.get("/admin/cookies").json == {"area": "admin"}


def test_set_cookie_and_delete_cookie_on_the_client(cookie_app: Erlen) -> None:
    client = cookie_app.test_client()
    client.set_cookie("theme", "dark")
    assert client.get("/cookies").json == {"theme": "dark"}
    client.delete_cookie("theme")
    assert client.get("/cookies").json == {}


def test_client_without_cookies_keeps_none(cookie_app: Erlen) -> None:
    client = cookie_app.test_client(use_cookies=False)
    client.get("/set/a/1")
    assert client.get("/cookies").json == {}


# -- redirects -----------------------------------------------------------------------------------


@pytest.fixture
def redirects(echo: Erlen) -> Erlen:
    @echo.route("/go/<int:code>", methods=["GET", "HEAD", "POST"])
    def go(code: int) -> Response:
        return redirect("/echo?from=go", code)

    @echo.route("/relative")
    def relative() -> Response:
        return redirect("echo")

    @echo.route("/chain")
    def chain() -> Response:
        return redirect("/go/302")

    @echo.route("/loop")
    def loop() -> Response:
        return redirect("/loop")

    return echo


def test_redirect_is_not_followed_by_default(redirects: Erlen) -> None:
    response = redirects.test_client().get("/go/302")
    assert response.status_code == 302
    assert response.location == "/echo?from=go"
    assert response.history == ()  # a tuple, as in Werkzeug


@pytest.mark.parametrize("code", [301, 302, 303])
def test_post_redirected_by_30x_becomes_a_get_without_body(redirects: Erlen, code: int) -> None:
    response = redirects.test_client().post(
        f"/go/{code}", data={"a": "1"}, headers={"X-Token": "t"}, follow_redirects=True
    )
    assert response.status_code == 200
    body = response.json
    assert body["method"] == "GET"
    assert body["form"] == {} and body["data"] == "" and body["content_type"] is None
    assert body["args"] == {"from": ["go"]}
    assert body["headers"]["x-token"] == "t"  # other headers are sent again
    assert [step.status_code for step in response.history] == [code]
    assert response.request_path == "/echo"


@pytest.mark.parametrize("code", [307, 308])
def test_307_and_308_repeat_method_and_body(redirects: Erlen, code: int) -> None:
    response = redirects.test_client().post(
        f"/go/{code}", json={"a": 1}, query_string={"old": "1"}, follow_redirects=True
    )
    body = response.json
    assert body["method"] == "POST"
    assert body["json"] == {"a": 1}
    assert body["args"] == {"from": ["go"]}  # the query of the new location, not the old one
    assert [step.status_code for step in response.history] == [code]


def test_head_stays_head_through_a_redirect(redirects: Erlen) -> None:
    response = redirects.test_client().head("/go/302", follow_redirects=True)
    assert response.status_code == 200
    assert response.data == b""
    assert response.request_path == "/echo"


def test_redirect_history_in_order(redirects: Erlen) -> None:
    response = redirects.test_client().get("/chain", follow_redirects=True)
    assert [step.request_path for step in response.history] == ["/chain", "/go/302"]
    assert [step.location for step in response.history] == ["/go/302", "/echo?from=go"]
    assert response.json["args"] == {"from": ["go"]}


def test_followed_redirect_keeps_the_base_url(redirects: Erlen) -> None:
    client = redirects.test_client()
    response = client.get("/go/302", base_url="https://example.com", follow_redirects=True)
    assert response.json["url"] == "https://example.com/echo?from=go"
    relative = client.get("/relative", base_url="https://example.com", follow_redirects=True)
    assert relative.json["url"] == "https://example.com/echo"


def test_redirect_loop_is_an_error(redirects: Erlen) -> None:
    # Werkzeug's error, raised at the first repeated request; still a RuntimeError.
    calls = []
    redirects.before_request(lambda: calls.append(request.path) and None)
    with pytest.raises(ClientRedirectError, match="Loop detected") as error:
        redirects.test_client().get("/loop", follow_redirects=True)
    assert isinstance(error.value, RuntimeError)
    assert calls == ["/loop"]  # the repeat is seen before it is sent


def test_a_long_redirect_chain_is_an_error(echo: Erlen) -> None:
    @echo.route("/hop/<int:n>")
    def hop(n: int) -> Response:
        return redirect(f"/hop/{n + 1}")

    with pytest.raises(ClientRedirectError, match="more than 20 redirects"):
        echo.test_client().get("/hop/0", follow_redirects=True)


# -- session_transaction -------------------------------------------------------------------------


@pytest.fixture
def session_app(app: Erlen) -> Erlen:
    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user"))

    @app.route("/login/<name>")
    def login(name: str) -> str:
        session["user"] = name
        return "ok"

    return app


def test_session_transaction_writes_the_session_the_app_reads(session_app: Erlen) -> None:
    client = session_app.test_client()
    with client.session_transaction() as sess:
        assert sess.new and dict(sess) == {}
        sess["user"] = "ada"
    assert client.get("/whoami").text == "ada"


def test_session_transaction_reads_what_the_app_stored(session_app: Erlen) -> None:
    client = session_app.test_client()
    client.get("/login/grace")
    with client.session_transaction() as sess:
        assert sess["user"] == "grace"
        sess["user"] = "ada"
    assert client.get("/whoami").text == "ada"


def test_session_transaction_clearing_deletes_the_cookie(session_app: Erlen) -> None:
    client = session_app.test_client()
    client.get("/login/grace")
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get_cookie("session") is None
    assert client.get("/whoami").text == "None"


def test_session_transaction_unchanged_leaves_the_cookie(session_app: Erlen) -> None:
    client = session_app.test_client()
    client.get("/login/grace")
    before = client.get_cookie("session")
    assert before is not None
    with client.session_transaction() as sess:
        assert sess["user"] == "grace"
    after = client.get_cookie("session")
    assert after is not None and after.value == before.value


def test_session_transaction_error_in_block_saves_nothing(session_app: Erlen) -> None:
    client = session_app.test_client()
    with pytest.raises(KeyError), client.session_transaction() as sess:
        sess["user"] = "mallory"
        raise KeyError("boom")
    assert client.get("/whoami").text == "None"


def test_session_transaction_uses_the_url_it_is_given(session_app: Erlen) -> None:
    client = session_app.test_client()
    with client.session_transaction(base_url="https://example.com") as sess:
        sess["user"] = "ada"
    cookie = client.get_cookie("session", domain="example.com")
    assert cookie is not None
    assert client.get("/whoami").text == "None"  # localhost has no session cookie
    assert client.get("/whoami", base_url="https://example.com").text == "ada"


def test_session_transaction_block_sees_no_fake_request(session_app: Erlen) -> None:
    torn_down: list[BaseException | None] = []
    session_app.teardown_request(torn_down.append)
    client = session_app.test_client()
    with client.session_transaction() as sess:
        assert not has_request_context()
        sess["user"] = "ada"
    assert torn_down == [None]  # the fake request ended like app.test_request_context()'s


def test_session_transaction_without_secret_key_is_a_clear_error() -> None:
    client = Erlen("nokey").test_client()
    with pytest.raises(RuntimeError, match="no secret key"), client.session_transaction():
        pass


def test_session_transaction_without_cookies_is_a_type_error(session_app: Erlen) -> None:
    client = session_app.test_client(use_cookies=False)
    with pytest.raises(TypeError, match="use_cookies=True"), client.session_transaction():
        pass


def test_session_transaction_uses_a_custom_session_interface(session_app: Erlen) -> None:
    store: dict[str, dict[str, Any]] = {}

    class ServerSide(SessionInterface):
        def open_session(self, app: Erlen, request: Any) -> SecureCookieSession:
            sid = request.cookies.get("sid")
            if sid in store:
                return SecureCookieSession(store[sid])
            return SecureCookieSession(new=True)

        def save_session(self, app: Erlen, session: Any, response: Response) -> None:
            store["s1"] = dict(session)
            response.set_cookie("sid", "s1", httponly=True)

    session_app.session_interface = ServerSide()
    client = session_app.test_client()
    with client.session_transaction() as sess:
        sess["user"] = "ada"
    assert store == {"s1": {"user": "ada"}}
    assert client.get("/whoami").text == "ada"


def test_session_transaction_when_open_session_gives_none(session_app: Erlen) -> None:
    class Broken(SessionInterface):
        def open_session(self, app: Erlen, request: Any) -> None:
            return None

    session_app.session_interface = Broken()
    client = session_app.test_client()
    with pytest.raises(RuntimeError, match="returned None"), client.session_transaction():
        pass


# -- with client: the last request's context stays ----------------------------------------------


def test_with_client_keeps_the_last_request_context(session_app: Erlen) -> None:
    @session_app.route("/mark")
    def mark() -> str:
        g.mark = request.args["n"]
        session["seen"] = True
        return "ok"

    client = session_app.test_client()
    with client:
        client.get("/mark?n=1")
        assert request.path == "/mark" and request.args["n"] == "1"
        assert g.mark == "1"
        assert session["seen"] is True
        client.get("/mark?n=2")
        assert request.args["n"] == "2" and g.mark == "2"
    assert not has_request_context()


def test_without_with_block_no_context_is_kept(session_app: Erlen) -> None:
    client = session_app.test_client()
    client.get("/whoami")
    assert not has_request_context()


def test_with_client_keeps_the_redirect_target_context(session_app: Erlen) -> None:
    @session_app.route("/away")
    def away() -> Response:
        return redirect("/whoami?after=1")

    client = session_app.test_client()
    with client:
        client.get("/away", follow_redirects=True)
        assert request.path == "/whoami"
        assert request.args["after"] == "1"


def test_with_client_leaves_the_app_as_it_was(session_app: Erlen) -> None:
    before = list(session_app.teardown_appcontext_funcs)
    client = session_app.test_client()
    with client:
        client.get("/whoami")
    assert session_app.teardown_appcontext_funcs == before


def test_with_client_teardown_still_runs_per_request(session_app: Erlen) -> None:
    torn_down: list[str] = []
    session_app.teardown_request(lambda error: torn_down.append(request.path))
    client = session_app.test_client()
    with client:
        client.get("/whoami")
        assert torn_down == ["/whoami"]
        assert request.path == "/whoami"
    assert torn_down == ["/whoami"]


def test_with_client_and_session_transaction_together(session_app: Erlen) -> None:
    client = session_app.test_client()
    with client:
        client.get("/login/grace")
        with client.session_transaction() as sess:
            assert request.path == "/login/grace"  # the kept context, not the fake one
            sess["user"] = "ada"
        assert client.get("/whoami").text == "ada"
        assert session["user"] == "ada"


def test_with_client_blocks_cannot_nest(session_app: Erlen) -> None:
    client = session_app.test_client()
    with client, pytest.raises(RuntimeError, match="cannot be nested"), client:
        pass


# -- EnvironBuilder ------------------------------------------------------------------------------


def test_builder_defaults_come_from_the_app_config(app: Erlen) -> None:
    app.config.update(SERVER_NAME="example.com:1234", APPLICATION_ROOT="/foo")
    builder = EnvironBuilder(app, "/page?x=1")
    assert builder.base_url == "http://example.com:1234/foo/"
    assert (builder.path, builder.query_string) == ("/page", "x=1")
    environ = builder.get_environ()
    assert environ["SCRIPT_NAME"] == "/foo" and environ["PATH_INFO"] == "/page"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("example.com", "1234")
    with app.test_request_context("/", subdomain="api", url_scheme="https") as ctx:
        assert ctx.request.url == "https://api.example.com:1234/foo/"


def test_builder_path_may_be_a_full_url(app: Erlen) -> None:
    builder = EnvironBuilder(app, "https://example.com/a?b=1")
    assert (builder.url_scheme, builder.host, builder.script_root) == ("https", "example.com", "")
    assert (builder.path, builder.query_string) == ("/a", "b=1")


def test_builder_refuses_base_url_with_subdomain(app: Erlen) -> None:
    with pytest.raises(ValueError, match="not both"):
        EnvironBuilder(app, "/", "http://example.com/", subdomain="api")


def test_builder_refuses_two_bodies(app: Erlen) -> None:
    with pytest.raises(TypeError, match="not both"):
        EnvironBuilder(app, json={}, data="x")


def test_builder_json_uses_the_app_provider(app: Erlen) -> None:
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    builder = EnvironBuilder(app, json="\u20ac")
    assert builder.input_stream is not None
    assert builder.input_stream.read().decode() == '"\u20ac"'
    assert builder.content_type == "application/json"


def test_builder_gives_a_fresh_body_per_environ(app: Erlen) -> None:
    builder = EnvironBuilder(app, "/", method="POST", data={"a": "1"})
    first, second = builder.get_environ(), builder.get_environ()
    assert first["wsgi.input"].read() == second["wsgi.input"].read() == b"a=1"
    assert builder.get_request().form["a"] == "1"
    builder.close()
    builder.close()  # closing twice is harmless


def test_builder_closes_the_files_it_was_given(app: Erlen) -> None:
    upload = io.BytesIO(b"data")
    builder = EnvironBuilder(app, "/", method="POST", data={"f": (upload, "f.txt")})
    builder.close()
    assert upload.closed


def test_builder_from_environ_describes_the_same_request(app: Erlen) -> None:
    environ = EnvironBuilder(
        app, "/a b", "https://example.com/root", query_string="q=1", headers={"X-Token": "t"}
    ).get_environ()
    again = EnvironBuilder.from_environ(environ).get_environ()
    for key in ("PATH_INFO", "SCRIPT_NAME", "QUERY_STRING", "HTTP_HOST", "HTTP_X_TOKEN"):
        assert again[key] == environ[key]
    assert again["wsgi.url_scheme"] == "https"


def test_build_environ_needs_no_app() -> None:
    environ = build_environ("/x", headers={"X-A": "1"})
    assert environ["HTTP_HOST"] == "localhost" and environ["HTTP_X_A"] == "1"


# -- open(): positional forms --------------------------------------------------------------------


def test_second_positional_argument_is_the_base_url(echo: Erlen) -> None:
    body = echo.test_client().get("/echo", "http://example.com:8080/app").json
    assert body["url"] == "http://example.com:8080/app/echo"


def test_second_positional_method_name_is_the_method(echo: Erlen) -> None:
    assert echo.test_client().open("/echo", "POST").json["method"] == "POST"


def test_open_takes_a_builder_or_an_environ(echo: Erlen) -> None:
    @echo.route("/addr")
    def addr() -> str:
        return str(request.remote_addr)

    client = echo.test_client()
    builder = EnvironBuilder(echo, "/addr")
    assert client.open(builder).text == "127.0.0.1"
    environ = builder.get_environ()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    assert client.open(environ).text == "127.0.0.2"  # the client's environ_base applies
    with pytest.raises(TypeError, match="alone"):
        client.open(builder, headers={"X": "1"})


def test_environ_base_reaches_every_request(echo: Erlen) -> None:
    client = echo.test_client(HTTP_X_TOKEN="base")
    assert client.application is echo
    assert client.get("/echo").json["headers"]["x-token"] == "base"
    assert client.get("/echo", headers={"X-Token": "own"}).json["headers"]["x-token"] == "own"


# -- TestResponse --------------------------------------------------------------------------------


def test_response_knows_its_request_and_is_the_app_response_class(echo: Erlen) -> None:
    class AppResponse(Response):
        flavour = "app"

    echo.response_class = AppResponse
    response = echo.test_client().get("/echo?x=1")
    assert isinstance(response, AppResponse) and isinstance(response, TestResponse)
    assert response.flavour == "app"
    assert response.request is not None and response.request.args["x"] == "1"


def test_response_allow_and_vary_read_their_headers(app: Erlen) -> None:
    @app.route("/thing", methods=["GET", "POST"])
    def thing() -> Response:
        return Response("ok", headers={"Vary": "Cookie, Accept-Encoding"})

    client = app.test_client()
    allowed = client.options("/thing").allow
    assert sorted(allowed) == ["GET", "HEAD", "OPTIONS", "POST"]
    vary = client.get("/thing").vary
    assert "cookie" in vary and "accept-encoding" in vary and "accept" not in vary


def test_response_json_uses_the_app_provider(app: Erlen) -> None:
    @app.route("/data")
    def data() -> dict[str, int]:
        return {"n": 1}

    parsed: list[str] = []

    class Recording:
        def loads(self, text: bytes) -> Any:
            parsed.append("app")
            return {"parsed": True}

    response = app.test_client().get("/data")
    response.json_module = Recording()
    assert response.json == {"parsed": True} and parsed == ["app"]


# -- cookies: domains ----------------------------------------------------------------------------


def test_host_only_cookie_is_not_sent_to_subdomains(cookie_app: Erlen) -> None:
    client = cookie_app.test_client()
    client.set_cookie("host", "1", domain="example.com")
    client.set_cookie("wide", "2", domain="example.com", origin_only=False)
    assert client.get("/cookies", "http://example.com/").json == {"host": "1", "wide": "2"}
    assert client.get("/cookies", "http://api.example.com/").json == {"wide": "2"}


def test_set_cookie_with_max_age_zero_removes_it(cookie_app: Erlen) -> None:
    client = cookie_app.test_client()
    client.set_cookie("a", "1")
    client.set_cookie("a", "", max_age=0)
    assert client.get_cookie("a") is None


def test_cookie_without_path_gets_the_request_directory(cookie_app: Erlen) -> None:
    @cookie_app.route("/admin/set")
    def admin_set() -> Response:
        response = Response("set")
        response.set_cookie("area", "admin", path=None)
        return response

    client = cookie_app.test_client()
    client.get("/admin/set")
    cookie = client.get_cookie("area", path="/admin")
    assert cookie is not None and cookie.decoded_value == "admin" and cookie.origin_only
    assert client.get("/cookies").json == {}
    assert client.get("/admin/cookies").json == {"area": "admin"}


# -- redirects to other hosts --------------------------------------------------------------------


def test_redirect_to_another_host_is_not_followed(app: Erlen) -> None:
    @app.route("/away")
    def away() -> Response:
        return redirect("http://elsewhere.test/")

    with pytest.raises(RuntimeError, match="within the app only"):
        app.test_client().get("/away", follow_redirects=True)


def test_subdomain_redirect_needs_permission(app: Erlen) -> None:
    @app.route("/up")
    def up() -> Response:
        return redirect("http://api.localhost/landing")

    @app.route("/landing")
    def landing() -> str:
        return request.host

    client = app.test_client()
    with pytest.raises(RuntimeError, match="allow_subdomain_redirects"):
        client.get("/up", follow_redirects=True)
    client.allow_subdomain_redirects = True
    response = client.get("/up", follow_redirects=True)
    assert response.text == "api.localhost"
    assert [step.request_path for step in response.history] == ["/up"]


# -- the CLI runner ------------------------------------------------------------------------------


def test_cli_runner_invokes_the_app_commands(app: Erlen) -> None:
    import click

    @app.cli.command("hello")
    def hello() -> None:
        click.echo("Hello")

    runner = app.test_cli_runner()
    assert isinstance(runner, ErlenCliRunner)
    assert runner.invoke(args=["hello"]).output == "Hello\n"


def test_the_apps_client_and_runner_classes_are_the_ones_built() -> None:
    class AuthClient(TestClient):
        def open(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("headers", {"Authorization": "Bearer t"})
            return super().open(*args, **kwargs)

    class Runner(ErlenCliRunner):
        pass

    app = Erlen(__name__)
    app.test_client_class = AuthClient
    app.test_cli_runner_class = Runner

    @app.route("/who")
    def who() -> str:
        return request.headers.get("Authorization", "nobody")

    client = app.test_client()
    assert isinstance(client, AuthClient)
    assert client.get("/who").text == "Bearer t"
    assert isinstance(app.test_cli_runner(), Runner)


def test_response_says_whether_the_app_streamed_its_body(app: Erlen) -> None:
    @app.route("/stream")
    def stream() -> Any:
        return (part for part in ["a", "b", "c"])

    @app.route("/plain")
    def plain() -> str:
        return "abc"

    client = app.test_client()
    streamed, buffered = client.get("/stream"), client.get("/plain")
    assert (streamed.data, streamed.is_streamed) == (b"abc", True)
    assert (buffered.data, buffered.is_streamed) == (b"abc", False)


def test_a_query_in_the_path_and_as_an_argument_is_an_error(echo: Erlen) -> None:
    # As in Werkzeug: neither is silently dropped.
    with pytest.raises(ValueError, match="Query string is defined in the path and as an argument"):
        echo.test_client().get("/echo?x=1", query_string={"y": "2"})
