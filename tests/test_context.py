"""Contexts: request/g/current_app proxies, isolation between threads, streaming helpers."""

from __future__ import annotations

import sys
import threading
from typing import Any

import pytest

from erlen import (
    Erlen,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
    stream_with_context,
)
from erlen.app.context import app_ctx, request_ctx
from erlen.app.logging import wsgi_errors_stream


def test_app_context_gives_current_app_and_g(app: Erlen) -> None:
    assert not has_app_context()
    with app.app_context():
        assert has_app_context() and not has_request_context()
        assert current_app.name == "testapp"
        g.value = 1
        assert g.get("value") == 1 and "value" in g
        assert g.pop("value") == 1
    with pytest.raises(RuntimeError, match="application context"):
        current_app.name  # noqa: B018


def test_teardown_appcontext_runs(app: Erlen, client) -> None:
    seen: list[object] = []
    app.teardown_appcontext(seen.append)

    @app.route("/")
    def index() -> str:
        return ""

    client.get("/")
    assert seen == [None]


def test_requests_in_threads_are_isolated(app: Erlen) -> None:
    barrier = threading.Barrier(8)

    @app.route("/<name>")
    def echo(name: str) -> str:
        g.name = name
        barrier.wait(timeout=5)
        return f"{request.path} {g.name}"

    results: dict[str, str] = {}

    def worker(index: int) -> None:
        results[str(index)] = app.test_client().get(f"/n{index}").text

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {str(index): f"/n{index} n{index}" for index in range(8)}


def test_stream_with_context_keeps_request(app: Erlen, client) -> None:
    @app.route("/stream")
    def stream():  # type: ignore[no-untyped-def]
        @stream_with_context
        def generate():  # type: ignore[no-untyped-def]
            yield "hello "
            yield request.args["name"]

        return generate()

    assert client.get("/stream?name=erlen").text == "hello erlen"


def test_copy_current_request_context_in_thread(app: Erlen, client) -> None:
    seen: list[str] = []

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def work() -> None:
            seen.append(request.path)

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return "ok"

    client.get("/")
    assert seen == ["/"]


def test_a_copied_request_context_shares_the_session(app: Erlen, client) -> None:
    # The copy is made before the view touches the session; a thread's write must still reach
    # the cookie, and the view's later write must reach the thread, as in Flask.
    seen: list[Any] = []

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        def work() -> None:
            seen.append(session.get("user"))
            session["from_thread"] = 1

        session["user"] = "ann"
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return "ok"

    @app.route("/read")
    def read() -> dict[str, Any]:
        return dict(session)

    client.get("/")
    assert seen == ["ann"]
    assert client.get("/read").get_json() == {"user": "ann", "from_thread": 1}


def test_proxies_hash_and_pass_isinstance(app: Erlen) -> None:
    from erlen import Request

    with app.test_request_context("/x"):
        assert isinstance(request, Request)
        assert hash(current_app) == hash(current_app._get_current_object())  # type: ignore[attr-defined]
        assert {current_app: 1}[app] == 1


@pytest.mark.parametrize("propagate", [False, True])
def test_a_request_inside_an_app_context_leaves_its_teardown_to_it(
    app: Erlen, propagate: bool, interface: str
) -> None:
    """As in Flask: the request joins the app context, whose teardown runs once, at its end.
    Not over ASGI, where every request has its own (see the next test)."""
    if interface == "asgi":
        pytest.skip("over ASGI a request never joins an app context around it")
    app.config["PROPAGATE_EXCEPTIONS"] = propagate
    torn_down: list[object] = []
    app.teardown_appcontext(torn_down.append)

    @app.route("/fail")
    def fail() -> str:
        raise ValueError("dummy")

    @app.errorhandler(ValueError)
    def handled(error: ValueError) -> str:
        return "handled"

    client = app.test_client()
    with app.app_context():
        assert client.get("/fail").text == "handled"
        assert torn_down == []
    assert torn_down == [None]
    torn_down.clear()
    client.get("/fail")  # a request of its own ends its own app context
    assert len(torn_down) == 1


def test_with_client_inside_an_app_context_keeps_the_request_after_it(app: Erlen) -> None:
    @app.route("/visit")
    def visit() -> str:
        session["seen"] = True
        return "ok"

    client = app.test_client()
    with app.app_context(), client:
        client.get("/visit")
        assert request.path == "/visit" and session["seen"] is True


def test_app_context_inside_request_keeps_request(app: Erlen, client) -> None:
    @app.route("/")
    def index() -> str:
        g.outer = True
        with app.app_context():
            inner = f"{request.path} {has_request_context()} {'outer' in g}"
        return f"{inner} {request.path}"

    assert client.get("/").text == "/ True False /"


def test_a_request_inside_an_app_context_shares_its_g_as_in_flask(
    app: Erlen, interface: str
) -> None:
    @app.route("/remember")
    def remember() -> str:
        g.token = "from the request"
        return "ok"

    torn_down: list[object] = []
    app.teardown_appcontext(torn_down.append)
    with app.app_context():
        g.before = 1
        assert app.test_client().get("/remember").text == "ok"
        if interface == "asgi":
            # An asyncio task inherits the context of whoever started the server (a CLI
            # command runs in an app context): no request may share that g, or its teardown.
            assert "token" not in g and torn_down == [None]
            return
        assert (g.before, g.token) == (1, "from the request")
    with app.app_context():  # a new app context: a new g
        assert "token" not in g
    app.test_client().get("/remember")  # outside any context: nothing leaks anywhere


def test_an_async_view_over_asgi_does_not_join_an_app_context_around_it(
    app: Erlen, interface: str
) -> None:
    if interface != "asgi":
        pytest.skip("the WSGI test client joins, as Flask's does")

    @app.route("/remember")
    async def remember() -> str:
        g.token = "from the request"
        return "ok"

    torn_down: list[object] = []
    app.teardown_appcontext(torn_down.append)
    with app.app_context():
        assert app.test_client().get("/remember").text == "ok"
        assert "token" not in g and torn_down == [None]


def test_a_request_context_joins_the_app_context_it_is_pushed_in(app: Erlen) -> None:
    """As Flask decides when the context is pushed, not when it is built."""
    torn_down: list[object] = []
    app.teardown_appcontext(torn_down.append)

    built_outside = app.test_request_context("/")
    with app.app_context():
        g.outer = 1
        with built_outside:
            assert g.outer == 1
        assert torn_down == []
    assert torn_down == [None]

    with app.app_context():
        built_inside = app.test_request_context("/")
    torn_down.clear()
    with built_inside:  # pushed after its app context ended: it has one of its own
        assert "outer" not in g
    assert torn_down == [None]


def test_popping_contexts_out_of_order_leaves_none_behind(app: Erlen) -> None:
    # As in Flask: the wrong pop raises, and cleaning up after it leaves no context pushed.
    first, second = app.app_context(), app.app_context()
    first.push()
    second.push()
    with pytest.raises(AssertionError, match="wrong context"):
        first.pop()
    with pytest.raises(AssertionError):
        second.pop()
    assert not has_app_context()


def test_the_context_proxies_enter_the_current_context_again(app: Erlen, client) -> None:
    ended: list[str] = []
    app.teardown_request(lambda error: ended.append("request"))
    app.teardown_appcontext(lambda error: ended.append("app"))

    @app.route("/")
    def index() -> str:
        with app_ctx, request_ctx:
            assert request.path == "/"
        assert ended == []  # leaving the nested with ends nothing: the request goes on
        return request.path

    assert client.get("/").data == b"/"
    assert ended == ["request", "app"]


def test_the_errors_stream_gives_the_stream_it_writes_to() -> None:
    assert wsgi_errors_stream._get_current_object() is sys.stderr  # type: ignore[attr-defined]


def test_popping_the_dispatchs_context_from_a_view_is_refused(app: Erlen, client) -> None:
    ended: list[str] = []
    app.teardown_request(lambda error: ended.append("request"))

    @app.route("/")
    def index() -> str:
        with pytest.raises(RuntimeError, match="not pushed"):
            request_ctx.pop()
        with app_ctx:
            pass
        with pytest.raises(RuntimeError, match="not pushed"):
            request_ctx.pop()
        assert ended == []
        return request.path

    assert client.get("/").data == b"/"
    assert ended == ["request"]
