"""app.asgi: async and sync views on an event loop, bodies, streaming, lifespan, WebSockets.

The whole suite already runs through both adapters (see ``conftest.py``); this module tests what
only the ASGI side has, mostly by calling ``app.asgi`` with hand-made ``receive`` and ``send``,
and at the end under real servers (uvicorn and granian).
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from erlen import (
    Erlen,
    Response,
    WebSocketDisconnect,
    abort,
    request,
    session,
    stream_with_context,
    websocket,
)
from erlen.adapters.testing_asgi import WebSocketRefused

from .conftest import ServerProcess, free_port

pytestmark = pytest.mark.wsgi_only  # each test here picks its adapter itself

Message = dict[str, Any]


def http_scope(path: str = "/", method: str = "GET", headers: Any = (), **extra: Any) -> Message:
    scope: Message = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    scope.update(extra)
    return scope


async def call(
    app: Erlen, scope: Message, body: list[bytes] | None = None, disconnect_after: int | None = None
) -> tuple[Message, list[bytes]]:
    """Run one HTTP request through app.asgi; the start message and the body chunks.

    ``disconnect_after``: the client goes away once that many body chunks have arrived.
    """
    pieces = list(body or [b""])
    sent: list[Message] = []
    gone = asyncio.Event()

    async def receive() -> Message:
        if pieces:
            chunk = pieces.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pieces)}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        chunks = [m for m in sent if m["type"] == "http.response.body" and m.get("body")]
        if disconnect_after is not None and len(chunks) >= disconnect_after:
            gone.set()
        if message["type"] == "http.response.body" and not message.get("more_body"):
            gone.set()

    await app.asgi(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    chunks = [m.get("body", b"") for m in sent if m["type"] == "http.response.body"]
    return start, chunks


# -- where views run ---------------------------------------------------------------------------


def test_async_views_run_on_the_loop_and_sync_views_in_the_thread_pool(app: Erlen) -> None:
    @app.get("/async")
    async def on_loop() -> str:
        return threading.current_thread().name

    @app.get("/sync")
    def in_pool() -> str:
        return threading.current_thread().name

    client = app.test_client(interface="asgi")
    assert client.get("/async").text == threading.current_thread().name
    assert client.get("/sync").text.startswith("erlen-testapp")


def test_a_sync_view_declared_non_blocking_runs_on_the_loop(app: Erlen) -> None:
    from erlen import Blueprint, g

    seen: list[str] = []

    @app.before_request
    def remember() -> None:
        g.user = "ada"

    @app.before_request
    async def also_async() -> None:
        seen.append(threading.current_thread().name)

    @app.post("/inline", sync_to_thread=False)
    def inline() -> dict[str, Any]:
        return {
            "thread": threading.current_thread().name,
            "user": g.user,
            "json": request.get_json(),  # the body was received before the view ran
        }

    shop = Blueprint("shop", __name__)

    @shop.get("/inline", sync_to_thread=False)
    def shop_inline() -> str:
        return threading.current_thread().name

    app.register_blueprint(shop, url_prefix="/shop")

    here = threading.current_thread().name
    client = app.test_client(interface="asgi")
    answer = client.post("/inline", json={"n": 1}).get_json()
    assert answer == {"thread": here, "user": "ada", "json": {"n": 1}}
    assert client.get("/shop/inline").text == here
    assert seen == [here, here]
    # Under WSGI the option changes nothing: the server's thread runs the view.
    assert app.test_client(interface="wsgi").post("/inline", json={"n": 2}).get_json()["json"] == {
        "n": 2
    }


def test_sync_to_thread_is_a_known_route_option_and_only_that(app: Erlen) -> None:
    with pytest.raises(TypeError, match="Unknown route options: sync_to_threads"):
        app.add_url_rule("/typo", "typo", lambda: "x", sync_to_threads=False)


def test_a_blocking_sync_view_does_not_stall_async_views(app: Erlen) -> None:
    @app.get("/slow")
    def slow() -> str:
        time.sleep(0.5)
        return "slow"

    @app.get("/fast")
    async def fast() -> str:
        return "fast"

    finished: list[str] = []

    async def fetch(path: str) -> None:
        _, chunks = await call(app, http_scope(path))
        finished.append(b"".join(chunks).decode())

    async def both() -> None:
        slow_request = asyncio.ensure_future(fetch("/slow"))
        await asyncio.sleep(0.05)
        await fetch("/fast")
        await slow_request

    asyncio.run(both())
    assert finished == ["fast", "slow"]


def test_async_hooks_around_a_sync_view_run_on_the_servers_loop(app: Erlen) -> None:
    loops: list[int] = []

    @app.before_request
    async def remember_loop() -> None:
        loops.append(id(asyncio.get_running_loop()))

    @app.after_request
    async def tag(response: Response) -> Response:
        response.headers["X-After"] = "async"
        return response

    @app.get("/")
    def view() -> str:
        return "sync view"

    async def run() -> tuple[Message, int]:
        start, _ = await call(app, http_scope("/"))
        return start, id(asyncio.get_running_loop())

    start, loop_id = asyncio.run(run())
    assert (b"x-after", b"async") in start["headers"]
    assert loops == [loop_id]


def test_async_error_handlers_and_teardown_are_awaited(app: Erlen) -> None:
    torn_down: list[str] = []

    @app.errorhandler(LookupError)
    async def missing(error: LookupError) -> tuple[dict[str, str], int]:
        await asyncio.sleep(0)
        return {"missing": str(error)}, 404

    @app.teardown_request
    async def teardown(error: BaseException | None) -> None:
        torn_down.append("done")

    @app.get("/thing")
    async def thing() -> str:
        raise LookupError("thing")

    for interface in ("asgi", "wsgi"):
        response = app.test_client(interface=interface).get("/thing")
        assert (response.status_code, response.json) == (404, {"missing": "thing"})
    assert torn_down == ["done", "done"]


# -- request bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_body_in_many_messages_reaches_both_kinds_of_view(app: Erlen, kind: str) -> None:
    def echo() -> dict[str, Any]:
        return {"items": len(request.get_json()["items"]), "bytes": len(request.get_data())}

    async def async_echo() -> dict[str, Any]:
        return echo()

    app.add_url_rule("/echo", view_func=async_echo if kind == "async" else echo, methods=["POST"])
    payload = json.dumps({"items": list(range(20_000))}).encode()
    pieces = [payload[index : index + 1000] for index in range(0, len(payload), 1000)]
    scope = http_scope(
        "/echo",
        "POST",
        [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
    )
    start, chunks = asyncio.run(call(app, scope, pieces))
    assert start["status"] == 200
    assert json.loads(b"".join(chunks)) == {"items": 20_000, "bytes": len(payload)}


def test_a_client_trickling_its_body_holds_no_worker_thread(app: Erlen) -> None:
    app.config["ASGI_THREADS"] = 1  # one worker: if the slow upload held it, /ping would wait

    @app.post("/upload")
    def upload() -> str:
        return str(len(request.get_data()))

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    async def run() -> tuple[bytes, bytes]:
        rest_sent = asyncio.Event()
        pieces = [b"12345"]

        async def slow_receive() -> Message:
            if pieces:
                return {"type": "http.request", "body": pieces.pop(), "more_body": True}
            await rest_sent.wait()
            return {"type": "http.request", "body": b"67890", "more_body": False}

        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        headers = [(b"content-length", b"10")]
        upload_task = asyncio.ensure_future(
            app.asgi(http_scope("/upload", "POST", headers), slow_receive, send)
        )
        await asyncio.sleep(0.1)
        _, ping = await asyncio.wait_for(call(app, http_scope("/ping")), 2)
        rest_sent.set()
        await asyncio.wait_for(upload_task, 2)
        return b"".join(ping), b"".join(m.get("body", b"") for m in sent[1:])

    assert asyncio.run(run()) == (b"pong", b"10")


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_a_chunked_body_past_the_limit_is_refused_with_413(app: Erlen, kind: str) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10_000

    def upload() -> str:
        return str(len(request.get_data()))

    async def async_upload() -> str:
        return upload()

    app.add_url_rule("/up", view_func=async_upload if kind == "async" else upload, methods=["POST"])
    pieces = [b"x" * 4000] * 5  # no Content-Length: the size shows only as it streams in
    scope = http_scope("/up", "POST", [(b"transfer-encoding", b"chunked")])
    start, _ = asyncio.run(call(app, scope, pieces))
    assert start["status"] == 413


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ([(b"content-type", b"application/json")], "application/json"),
        ([], None),
        # Sent twice: joined as a server joins repeated headers, as the header view does.
        (
            [(b"content-type", b"text/plain"), (b"content-type", b"text/html")],
            "text/plain, text/html",
        ),
    ],
)
def test_the_content_type_agrees_with_the_headers(
    app: Erlen, sent: list[tuple[bytes, bytes]], expected: str | None
) -> None:
    from erlen.core.datastructures import Headers

    seen: list[Any] = []

    @app.post("/type")
    async def content_type() -> str:
        seen.append((request.content_type, request.headers.get("Content-Type")))
        request.headers = Headers({"Content-Type": "text/csv"})  # as a middleware might
        seen.append(request.content_type)
        return "ok"

    asyncio.run(call(app, http_scope("/type", "POST", sent), [b"body"]))
    assert seen == [(expected, expected), "text/csv"]


def test_the_content_type_of_a_malformed_request_agrees_with_its_headers(app: Erlen) -> None:
    """The constructor's scan stops at a bad Content-Length; a Content-Type after it counts."""

    @app.errorhandler(400)
    def bad_request(error: Exception) -> str:
        return str(request.content_type)

    sent = [
        (b"content-type", b"application/json"),
        (b"content-length", b"abc"),
        (b"content-type", b"text/html"),
    ]
    start, chunks = asyncio.run(call(app, http_scope("/", "POST", sent), [b""]))
    assert start["status"] == 200 and b"".join(chunks) == b"application/json, text/html"


def test_form_and_files_in_an_async_view(app: Erlen) -> None:
    @app.post("/form")
    async def form() -> dict[str, Any]:
        upload = request.files["doc"]
        return {"name": request.form["name"], "file": upload.filename, "size": len(upload.read())}

    response = app.test_client(interface="asgi").post(
        "/form", data={"name": "ada", "doc": (b"z" * 50_000, "notes.txt")}
    )
    assert response.json == {"name": "ada", "file": "notes.txt", "size": 50_000}


# -- streaming ---------------------------------------------------------------------------------


def test_server_sent_events_from_an_async_generator(app: Erlen) -> None:
    @app.get("/events")
    async def events() -> Response:
        async def stream() -> AsyncIterator[str]:
            for number in range(3):
                await asyncio.sleep(0)
                yield f"data: {number}\n\n"

        return Response(stream(), mimetype="text/event-stream")

    for interface in ("asgi", "wsgi"):
        response = app.test_client(interface=interface).get("/events")
        assert response.mimetype == "text/event-stream"
        assert response.text == "data: 0\n\ndata: 1\n\ndata: 2\n\n"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_client_disconnect_ends_the_generator(app: Erlen, kind: str) -> None:
    ended = threading.Event()

    def endless() -> Iterator[str]:
        try:
            while True:
                time.sleep(0.01)
                yield "tick\n"
        finally:
            ended.set()

    async def endless_async() -> AsyncIterator[str]:
        try:
            while True:
                await asyncio.sleep(0.01)
                yield "tick\n"
        finally:
            ended.set()

    @app.get("/ticks")
    def ticks() -> Any:
        return endless() if kind == "sync" else endless_async()

    start, chunks = asyncio.run(asyncio.wait_for(call(app, http_scope("/ticks"), None, 3), 5))
    assert start["status"] == 200
    assert 3 <= len([chunk for chunk in chunks if chunk]) < 50
    assert ended.wait(5)


async def call_with_slow_reader(app: Erlen, path: str, pause: float | None) -> list[bytes]:
    """A request whose client reads a body chunk every ``pause`` seconds (None: never reads
    one; its server's ``send`` then waits, as uvicorn's does under flow control)."""

    async def receive() -> Message:
        await asyncio.Event().wait()  # the client never leaves
        return {"type": "http.disconnect"}

    taken: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            if pause is None:
                await asyncio.Event().wait()
            await asyncio.sleep(pause)
            taken.append(message["body"])

    await app.asgi(http_scope(path), receive, send)
    return taken


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_client_that_reads_nothing_of_a_stream_is_let_go_after_asgi_send_timeout(
    app: Erlen, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["ASGI_SEND_TIMEOUT"] = 0.3
    ended = threading.Event()

    def endless() -> Iterator[bytes]:
        try:
            while True:
                yield b"x" * 65536
        finally:
            ended.set()

    async def endless_async() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x" * 65536
        finally:
            ended.set()

    @app.get("/export")
    def export() -> Any:
        return endless() if kind == "sync" else endless_async()

    started = time.monotonic()
    assert asyncio.run(asyncio.wait_for(call_with_slow_reader(app, "/export", None), 5)) == []
    assert 0.3 <= time.monotonic() - started < 3
    assert ended.wait(5)
    assert "took none of a streamed answer for 0.3 s" in caplog.text


def test_a_slow_reader_that_keeps_reading_gets_the_whole_stream(app: Erlen) -> None:
    app.config["ASGI_SEND_TIMEOUT"] = 0.3

    @app.get("/slow")
    def slow() -> Any:
        return iter([b"a", b"b", b"c", b"d", b"e"])

    taken = asyncio.run(asyncio.wait_for(call_with_slow_reader(app, "/slow", 0.2), 10))
    assert taken == [b"a", b"b", b"c", b"d", b"e"]  # 1 s in all, 0.2 s for each


def test_a_streamed_answer_can_go_on_reading_the_request_body(app: Erlen) -> None:
    @app.post("/upstream")
    def upstream() -> Response:
        @stream_with_context
        def sizes() -> Iterator[str]:
            while chunk := request.stream.read(4096):
                yield f"{len(chunk)},"

        return Response(sizes())

    for interface in ("asgi", "wsgi"):
        response = app.test_client(interface=interface).post("/upstream", data=b"x" * 10_000)
        assert response.text == "4096,4096,1808,"


def test_a_disconnect_closes_a_stream_with_context_in_its_own_context(app: Erlen) -> None:
    ended = threading.Event()

    @app.get("/ticks")
    def ticks() -> Response:
        @stream_with_context
        def endless() -> Iterator[str]:
            try:
                while True:
                    time.sleep(0.01)
                    yield f"{request.path}\n"
            finally:
                ended.set()

        return Response(endless())

    # Closing it in another context would raise "Token ... was created in a different Context".
    start, chunks = asyncio.run(asyncio.wait_for(call(app, http_scope("/ticks"), None, 2), 5))
    assert start["status"] == 200
    assert b"".join(chunks).startswith(b"/ticks\n/ticks\n")
    assert ended.wait(5)


def test_stream_with_context_takes_async_generators(app: Erlen) -> None:
    @app.get("/events")
    async def events() -> Response:
        @stream_with_context
        async def stream() -> AsyncIterator[str]:
            for number in range(2):
                await asyncio.sleep(0)
                yield f"{request.args['topic']} {number}\n"

        return Response(stream(), mimetype="text/plain")

    for interface in ("asgi", "wsgi"):
        response = app.test_client(interface=interface).get("/events?topic=news")
        assert response.text == "news 0\nnews 1\n"


def test_the_root_path_is_stripped_only_at_a_segment_boundary(app: Erlen) -> None:
    @app.get("/users")
    async def users() -> str:
        return f"users under {request.root_path}"

    @app.get("/apiary")
    async def apiary() -> str:
        return "bees"

    mounted = http_scope("/api/users", root_path="/api")
    _, chunks = asyncio.run(call(app, mounted))
    assert b"".join(chunks) == b"users under /api"
    _, chunks = asyncio.run(call(app, http_scope("/apiary", root_path="/api")))
    assert b"".join(chunks) == b"bees"


def test_head_sends_headers_without_the_body(app: Erlen) -> None:
    @app.get("/")
    async def index() -> str:
        return "a body"

    start, chunks = asyncio.run(call(app, http_scope("/", "HEAD")))
    assert (b"content-length", b"6") in start["headers"]
    assert b"".join(chunks) == b""


# -- lifespan ----------------------------------------------------------------------------------


def lifespan(app: Erlen, fail: bool = False) -> list[str]:
    """Drive the lifespan protocol as a server would; the messages the app sent."""
    sent: list[str] = []

    async def run() -> None:
        messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

        async def receive() -> Message:
            return messages.pop(0)

        async def send(message: Message) -> None:
            sent.append(message["type"])

        await app.asgi({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)

    asyncio.run(run())
    return sent


def test_lifespan_runs_sync_and_async_serving_hooks_once_each(app: Erlen) -> None:
    calls: list[str] = []

    @app.before_serving
    def open_pool() -> None:
        calls.append("sync start")

    @app.before_serving
    async def warm_up() -> None:
        calls.append("async start")

    @app.after_serving
    async def close_pool() -> None:
        calls.append("async stop")

    assert lifespan(app) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert calls == ["sync start", "async start", "async stop"]


def test_a_failing_startup_hook_is_reported_to_the_server(app: Erlen) -> None:
    @app.before_serving
    def broken() -> None:
        raise RuntimeError("no database")

    assert lifespan(app) == ["lifespan.startup.failed"]


def test_without_a_lifespan_the_first_request_starts_the_app(app: Erlen) -> None:
    starts: list[str] = []
    app.before_serving(lambda: starts.append("started"))

    @app.get("/")
    def index() -> str:
        return str(len(starts))

    for interface in ("wsgi", "asgi"):
        assert app.test_client(interface=interface).get("/").text == "1"
    assert starts == ["started"]


# -- WebSockets --------------------------------------------------------------------------------


def test_websocket_echo_with_url_converters(app: Erlen) -> None:
    @app.websocket("/ws/<int:room>")
    async def echo(room: int) -> None:
        await websocket.accept()
        async for message in websocket:
            if isinstance(message, bytes):
                await websocket.send(message[::-1])
            else:
                await websocket.send_json(
                    {"room": room, "text": message, "who": request.args["who"]}
                )

    with app.test_client().websocket_connect("/ws/7?who=ada") as ws:
        ws.send_text("hello")
        assert ws.receive_json() == {"room": 7, "text": "hello", "who": "ada"}
        ws.send_bytes(b"abc")
        assert ws.receive_bytes() == b"cba"
    with pytest.raises(WebSocketRefused) as refused:  # the converter does not match
        app.test_client().websocket_connect("/ws/lobby").__enter__()
    assert refused.value.status == 404


def test_websocket_disconnect_ends_the_view_and_runs_its_cleanup(app: Erlen) -> None:
    left: list[int] = []

    @app.websocket("/ws")
    async def view() -> None:
        try:
            while True:
                await websocket.receive()
        except WebSocketDisconnect as disconnect:
            left.append(disconnect.code)
            raise

    with app.test_client().websocket_connect("/ws") as ws:
        ws.send_text("one")
        ws.close(code=1001)
    assert left == [1001]


def test_a_send_after_another_task_saw_the_client_leave_is_a_disconnect(
    app: Erlen, caplog: pytest.LogCaptureFixture
) -> None:
    # A reader task and a pusher task: the client leaving is the normal end for both, with
    # the client's close code, not a RuntimeError logged as an application error.
    ended: list[Any] = []

    @app.websocket("/ws")
    async def feed() -> None:
        queue: asyncio.Queue[str] = asyncio.Queue()

        async def reader() -> None:
            async for message in websocket:
                await queue.put(str(message))
            await queue.put("client left")

        task = asyncio.ensure_future(reader())
        try:
            while True:
                await websocket.send(f"echo: {await queue.get()}")
        except WebSocketDisconnect as disconnect:
            ended.append(disconnect.code)
            raise
        finally:
            task.cancel()

    with app.test_client().websocket_connect("/ws") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "echo: hello"
        ws.close(code=1001)
    deadline = time.monotonic() + 2
    while not ended and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ended == [1001]
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


def test_before_websocket_can_refuse_the_handshake_with_a_response(app: Erlen) -> None:
    @app.before_websocket
    def need_token() -> Any:
        if websocket.args.get("token") != "secret":
            return {"error": "token required"}, 401
        return None

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.send("welcome")

    with app.test_client().websocket_connect("/ws?token=secret") as ws:
        assert ws.receive_text() == "welcome"
    client = app.test_client()
    with pytest.raises(WebSocketRefused) as refused:
        client.websocket_connect("/ws").__enter__()
    assert (refused.value.status, json.loads(refused.value.body)) == (
        401,
        {"error": "token required"},
    )
    with pytest.raises(WebSocketRefused) as plain:  # a server without the denial extension
        client.websocket_connect("/ws", denial_response=False).__enter__()
    assert plain.value.status == 403


def test_a_refusal_carries_the_response_where_the_server_can_send_one(app: Erlen) -> None:
    @app.websocket("/ws")
    async def view() -> None:
        abort(401, "Sign in first.")

    with pytest.raises(WebSocketRefused) as refused:
        app.test_client().websocket_connect("/ws").__enter__()
    assert refused.value.status == 401
    assert b"Sign in first." in refused.value.body


def test_an_error_after_accepting_closes_with_1011_and_is_logged(
    app: Erlen, caplog: pytest.LogCaptureFixture
) -> None:
    @app.websocket("/ws")
    async def view() -> None:
        await websocket.receive()
        raise ValueError("bug in the view")

    with app.test_client().websocket_connect("/ws") as ws:
        ws.send_text("trigger")
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive()
    assert closed.value.code == 1011
    assert "bug in the view" in caplog.text


def test_websocket_views_see_the_session_of_the_handshake(app: Erlen) -> None:
    @app.post("/login")
    def login() -> str:
        session["user"] = "ada"
        return "ok"

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.send(f"hello {session.get('user')}")

    client = app.test_client()
    client.post("/login")
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_text() == "hello ada"


def test_websocket_subprotocol_is_chosen_from_the_offer(app: Erlen) -> None:
    @app.websocket("/ws")
    async def view() -> None:
        offered = websocket.requested_subprotocols
        await websocket.accept(subprotocol="chat.v2" if "chat.v2" in offered else None)
        await websocket.send(",".join(offered))

    with app.test_client().websocket_connect("/ws", subprotocols=["chat.v1", "chat.v2"]) as ws:
        assert ws.accepted_subprotocol == "chat.v2"
        assert ws.receive_text() == "chat.v1,chat.v2"


def test_websocket_routes_answer_http_requests_with_a_clear_400(app: Erlen) -> None:
    @app.websocket("/ws")
    async def view() -> None:
        await websocket.send("hi")

    for interface in ("wsgi", "asgi"):
        response = app.test_client(interface=interface).get(
            "/ws", headers={"Accept": "application/json"}
        )
        assert response.status_code == 400
        assert "WebSocket" in response.json["error"]["detail"]


def test_websocket_views_must_be_async(app: Erlen) -> None:
    with pytest.raises(TypeError, match="async def"):

        @app.websocket("/ws")
        def view() -> None:
            pass


def test_websocket_proxy_outside_a_websocket_view_says_so(app: Erlen) -> None:
    @app.get("/")
    def index() -> str:
        return websocket.path

    app.testing = True
    with pytest.raises(RuntimeError, match="WebSocket view"):
        app.test_client().get("/")


def test_a_send_to_a_client_that_left_ends_the_view_quietly(
    app: Erlen, caplog: pytest.LogCaptureFixture
) -> None:
    ended: list[int] = []

    @app.websocket("/ws")
    async def view() -> None:
        await websocket.accept()
        try:
            await websocket.send("one")
        except WebSocketDisconnect as gone:
            ended.append(gone.code)
            raise

    async def run() -> None:
        messages = [{"type": "websocket.connect"}]

        async def receive() -> Message:
            return messages.pop(0)

        async def send(message: Message) -> None:
            if message["type"] == "websocket.send":
                raise ConnectionResetError("the peer went away")  # as uvicorn's send does

        scope = {**http_scope("/ws"), "type": "websocket", "subprotocols": []}
        await app.asgi(scope, receive, send)

    asyncio.run(run())
    assert ended == [1006]
    assert "Exception on" not in caplog.text


def test_a_long_close_reason_is_cut_to_what_a_close_frame_carries(app: Erlen) -> None:
    @app.websocket("/ws")
    async def view() -> None:
        await websocket.accept()
        abort(403, "x" * 500)

    with (
        app.test_client().websocket_connect("/ws") as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        ws.receive()
    assert closed.value.code == 1008
    assert len(closed.value.reason.encode()) <= 123


def test_websocket_messages_are_held_to_the_apps_limits(app: Erlen) -> None:
    app.config.update(MAX_CONTENT_LENGTH=1000, MAX_JSON_DEPTH=10)
    outcomes: list[int] = []

    @app.websocket("/ws")
    async def view() -> None:
        try:
            await websocket.send_json(await websocket.receive_json())
            await websocket.receive_json()
        except WebSocketDisconnect as disconnect:
            outcomes.append(disconnect.code)
            raise

    client = app.test_client()
    cases = [("[" * 50 + "]" * 50, 1007), ("not json", 1007), ("x" * 2000, 1009)]
    for payload, code in cases:
        with client.websocket_connect("/ws") as ws:
            ws.send_json({"ok": True})
            assert ws.receive_json() == {"ok": True}
            ws.send_text(payload)
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive()
            assert closed.value.code == code
    assert outcomes == [1007, 1007, 1009]


def test_accept_headers_are_checked_like_response_headers(app: Erlen) -> None:
    errors: list[str] = []

    @app.websocket("/ws")
    async def view() -> None:
        try:
            await websocket.accept(headers=[("X-Room", "a\r\nSet-Cookie: x=1")])
        except ValueError as error:
            errors.append(type(error).__name__)
            await websocket.close()

    with pytest.raises(WebSocketRefused):
        app.test_client().websocket_connect("/ws").__enter__()
    assert errors == ["InvalidHeader"]


def test_a_custom_request_class_is_used_under_asgi_too(app: Erlen) -> None:
    from erlen import Request

    class ShoutingRequest(Request):
        @property
        def shout(self) -> str:
            return self.get_data(as_text=True).upper()

    app.request_class = ShoutingRequest

    @app.post("/shout")
    async def shout() -> str:
        assert isinstance(request._get_current_object(), ShoutingRequest)  # type: ignore[attr-defined]
        return request.shout  # type: ignore[attr-defined, no-any-return]

    for interface in ("asgi", "wsgi"):
        response = app.test_client(interface=interface).post("/shout", data=b"hello")
        assert (response.status_code, response.text) == (200, "HELLO")


def test_repeated_request_headers_arrive_joined(app: Erlen) -> None:
    @app.get("/")
    async def index() -> dict[str, Any]:
        return {"accept": request.headers["Accept"], "cookies": dict(request.cookies)}

    headers = [
        (b"accept", b"text/html"),
        (b"accept", b"application/json"),
        (b"cookie", b"a=1"),
        (b"cookie", b"b=2"),  # HTTP/2 clients send one cookie per header
    ]
    _, chunks = asyncio.run(call(app, http_scope("/", headers=headers)))
    assert json.loads(b"".join(chunks)) == {
        "accept": "text/html, application/json",
        "cookies": {"a": "1", "b": "2"},
    }


def test_reading_an_async_body_from_sync_code_on_the_loop_is_a_clear_error(app: Erlen) -> None:
    app.testing = True

    @app.get("/")
    async def index() -> Response:
        async def chunks() -> AsyncIterator[str]:
            yield "ab"

        return Response(chunks())

    @app.after_request
    def measure(response: Response) -> Response:
        response.headers["X-Length"] = str(len(response.get_data()))
        return response

    assert app.test_client(interface="wsgi").get("/").headers["X-Length"] == "2"
    with pytest.raises(RuntimeError, match="async generator body cannot be read"):
        app.test_client(interface="asgi").get("/")


# -- real servers ------------------------------------------------------------------------------

SERVER_APP = """
import asyncio
from erlen import Erlen, Response, request, websocket

app = Erlen(__name__)
events = []


@app.before_serving
async def started():
    events.append("started")


@app.get("/")
def hello():
    return "Hello from a sync view"


@app.get("/user/<name>")
async def user(name):
    await asyncio.sleep(0)
    return {"username": name, "events": events}


@app.post("/echo")
async def echo():
    return {"received": request.get_json()}, 201


@app.get("/stream")
def stream():
    return Response((f"line {n}\\n" for n in range(3)), mimetype="text/plain")


@app.websocket("/ws/<room>")
async def chat(room):
    async for message in websocket:
        await websocket.send(f"{room}: {message}")
"""


def server_command(server: str, port: int) -> list[str]:
    if server == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "--port", str(port), "asgi_app:app.asgi"]
    return [
        str(Path(sys.executable).parent / "granian"),
        "--interface", "asgi", "--port", str(port), "--workers", "1", "asgi_app:app.asgi",
    ]  # fmt: skip


@pytest.fixture(params=["uvicorn", "granian"])
def asgi_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    (tmp_path / "asgi_app.py").write_text(SERVER_APP)
    port = free_port()
    server = ServerProcess(server_command(request.param, port), port, tmp_path)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.mark.server
def test_real_asgi_servers_serve_http_streams_and_websockets(asgi_server: str) -> None:
    base = f"http://{asgi_server}"
    with urllib.request.urlopen(f"{base}/", timeout=5) as response:
        assert response.read() == b"Hello from a sync view"
    with urllib.request.urlopen(f"{base}/user/ada", timeout=5) as response:
        assert json.loads(response.read()) == {"username": "ada", "events": ["started"]}
    post = urllib.request.Request(
        f"{base}/echo",
        data=json.dumps({"n": 1}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(post, timeout=5) as response:
        assert (response.status, json.loads(response.read())) == (201, {"received": {"n": 1}})
    with urllib.request.urlopen(f"{base}/stream", timeout=5) as response:
        assert response.read() == b"line 0\nline 1\nline 2\n"

    import websockets

    async def talk() -> list[str]:
        async with websockets.connect(f"ws://{asgi_server}/ws/lobby", open_timeout=5) as ws:
            replies = []
            for text in ("one", "two"):
                await ws.send(text)
                replies.append(str(await asyncio.wait_for(ws.recv(), 5)))
            return replies

    assert asyncio.run(talk()) == ["lobby: one", "lobby: two"]


def test_encoded_response_headers_keep_no_client_data() -> None:
    """Encoded header pairs are remembered only for the framework's own, public headers: a
    cookie or a location is encoded afresh each time and never kept."""
    from erlen.adapters import asgi_messages

    asgi_messages._encode_kept.cache_clear()
    pairs = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Set-Cookie", "session=secret"),
        ("Location", "/next"),
        ("X-Content-Type-Options", "nosniff"),
    ]
    expected = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"set-cookie", b"session=secret"),
        (b"location", b"/next"),
        (b"x-content-type-options", b"nosniff"),
    ]
    assert asgi_messages.encode_headers(pairs) == expected
    assert asgi_messages.encode_headers(pairs) == expected
    assert asgi_messages._encode_kept.cache_info().currsize == 2
    for _ in range(2):  # a refused name is refused every time, never remembered as encoded
        with pytest.raises(ValueError, match="Transfer-Encoding"):
            asgi_messages.encode_headers([("Transfer-Encoding", "chunked")])
