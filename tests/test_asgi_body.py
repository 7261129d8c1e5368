"""The request body over ASGI: received whole on the loop, so no worker thread waits on a client.

A sync view runs in a worker thread (``ASGI_THREADS``); its body is received on the event loop
before the hop, the first MiB in memory and the rest in a temporary file. These tests hold the
adapter to that: stalled uploads take no thread, large bodies read back whole, the temporary
file is closed when the request ends, and a refused body never makes anyone wait. Most drive
``app.asgi`` in-process with hand-made ``receive``/``send``; the wire ones run uvicorn.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from erlen import Erlen, Response, request
from erlen.app.dispatch_async import THREAD_BODY_BUFFER

from .conftest import uvicorn_in_thread

pytestmark = [
    pytest.mark.wsgi_only,  # each test here drives app.asgi itself
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts fds in /proc"),
]

Message = dict[str, Any]
MIB = 1024 * 1024
PIECE = 64 * 1024  # what uvicorn hands over per http.request message, about


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def temporary_files() -> int:
    """Open files of this process that are unlinked: the body spool (``O_TMPFILE``)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").endswith("(deleted)")
        except OSError:
            pass  # the listing's own descriptor, gone by now
    return count


def upload_scope(path: str, length: int | None) -> Message:
    framing = (
        (b"content-length", str(length).encode())
        if length is not None
        else (b"transfer-encoding", b"chunked")
    )
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST" if length != 0 else "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), framing],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


def pieces_of(size: int) -> list[bytes]:
    data = os.urandom(size)
    return [data[start : start + PIECE] for start in range(0, size, PIECE)] or [b""]


async def exchange(
    app: Erlen, scope: Message, pieces: list[bytes], gone: asyncio.Event | None = None
) -> tuple[int, bytes]:
    """Send ``pieces`` as one request's body through ``app.asgi``; the status and the body.

    Without ``gone`` the last piece ends the body. With it, the client sends the pieces, then
    nothing more until ``gone`` is set, and then disconnects.
    """
    queue = list(pieces)
    answered = asyncio.Event()
    sent: list[Message] = []

    async def receive() -> Message:
        if queue:
            body = queue.pop(0)
            return {
                "type": "http.request",
                "body": body,
                "more_body": bool(queue) or gone is not None,
            }
        await (answered if gone is None else gone).wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    await app.asgi(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


@pytest.fixture
def upload_app(app: Erlen) -> Erlen:
    """``/upload`` reads the body in pieces and tells its digest and whether it was on disk."""
    app.config["ASGI_THREADS"] = 1  # a thread waiting on a client would stall everything else
    app.extensions["ran"] = []
    app.extensions["before"] = temporary_files()

    @app.post("/upload")
    def upload() -> dict[str, Any]:
        app.extensions["ran"].append(request.content_length)
        digest = hashlib.sha256()
        while chunk := request.stream.read(100_000):
            digest.update(chunk)
        return {
            "sha256": digest.hexdigest(),
            "on_disk": temporary_files() - app.extensions["before"],
        }

    @app.post("/async-upload")
    async def async_upload() -> dict[str, Any]:
        return upload()

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    return app


# -- no worker thread waits on a client --------------------------------------------------------


def test_a_stalled_upload_past_the_memory_part_holds_no_worker_thread(upload_app: Erlen) -> None:
    async def run() -> tuple[tuple[int, bytes], tuple[int, bytes]]:
        gone = asyncio.Event()
        stalled = asyncio.ensure_future(
            exchange(
                upload_app,
                upload_scope("/upload", 2 * MIB),
                pieces_of(THREAD_BODY_BUFFER + 100),
                gone,
            )
        )
        await asyncio.sleep(0.1)
        ping = await asyncio.wait_for(exchange(upload_app, upload_scope("/ping", 0), []), 2)
        gone.set()
        return ping, await asyncio.wait_for(stalled, 2)

    ping, (stalled_status, _) = asyncio.run(run())
    assert ping == (200, b"pong")
    assert stalled_status == 400  # ClientDisconnected, answered to nobody
    assert upload_app.extensions["ran"] == []  # the view never saw half a body


def test_reading_a_body_refused_for_its_declared_length_answers_413_at_once(app: Erlen) -> None:
    app.config["MAX_CONTENT_LENGTH"] = MIB

    @app.post("/raw")
    def raw() -> str:
        return str(len(request.stream.read()))  # the stream itself, not get_data's early check

    async def run() -> tuple[int, bytes]:
        never = asyncio.Event()  # the client waits for an answer before sending more
        return await asyncio.wait_for(exchange(app, upload_scope("/raw", 2 * MIB), [], never), 2)

    assert asyncio.run(run())[0] == 413


# -- large bodies: in memory up to THREAD_BODY_BUFFER, then on disk ------------------------------


@pytest.mark.parametrize(
    ("path", "size", "on_disk"),
    [
        ("/upload", 10, 0),
        ("/upload", THREAD_BODY_BUFFER, 0),
        ("/upload", THREAD_BODY_BUFFER + 1, 1),
        ("/upload", 5 * MIB, 1),
        ("/async-upload", 5 * MIB, 0),  # an async view's body stays in memory, as before
    ],
)
def test_a_body_is_read_whole_from_memory_or_its_temporary_file(
    upload_app: Erlen, path: str, size: int, on_disk: int
) -> None:
    pieces = pieces_of(size)
    status, body = asyncio.run(exchange(upload_app, upload_scope(path, size), pieces))
    assert status == 200
    digest = hashlib.sha256(b"".join(pieces)).hexdigest()
    assert json.loads(body) == {"sha256": digest, "on_disk": on_disk}


def test_a_chunked_body_past_the_limit_is_refused_while_it_spools(upload_app: Erlen) -> None:
    upload_app.config["MAX_CONTENT_LENGTH"] = 2 * MIB
    status, _ = asyncio.run(exchange(upload_app, upload_scope("/upload", None), pieces_of(3 * MIB)))
    assert status == 413
    assert upload_app.extensions["ran"] == []
    assert temporary_files() == upload_app.extensions["before"]


def test_a_full_disk_while_spooling_is_the_apps_500(
    upload_app: Erlen, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fault injected where the disk would report it; the answer must still be the app's.
    import errno
    import tempfile

    def full_disk(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", full_disk)

    @upload_app.errorhandler(500)
    def server_error(error: Any) -> tuple[str, int]:
        return f"app: {error.description}", 500

    pieces = pieces_of(THREAD_BODY_BUFFER + 100)
    status, body = asyncio.run(exchange(upload_app, upload_scope("/upload", 2 * MIB), pieces))
    assert (status, body) == (500, b"app: The request body could not be stored.")
    assert upload_app.extensions["ran"] == []


def test_the_temporary_file_is_closed_when_the_request_ends(upload_app: Erlen) -> None:
    @upload_app.post("/echo-later")
    def echo_later() -> Response:
        stream = request.stream
        assert stream is not None

        def sizes() -> Iterator[str]:  # reads the spooled body after the view has returned
            while chunk := stream.read(MIB):
                yield f"{len(chunk)},"

        return Response(sizes())

    @upload_app.post("/fail")
    def fail() -> str:
        raise RuntimeError("the view fails after the body was spooled")

    size = 2 * MIB + 5
    before = open_fds()

    async def run() -> list[int]:
        statuses = []
        for _ in range(10):
            for path in ("/upload", "/echo-later", "/fail"):
                status, body = await exchange(upload_app, upload_scope(path, size), pieces_of(size))
                statuses.append(status)
                if path == "/upload":
                    assert json.loads(body)["on_disk"] == 1
            gone = asyncio.Event()
            gone.set()  # leaves after 1.5 MiB of the 2 MiB it announced
            left = await exchange(
                upload_app, upload_scope("/upload", 2 * MIB), pieces_of(3 * MIB // 2), gone
            )
            statuses.append(left[0])
        return statuses

    assert set(asyncio.run(run())) == {200, 500, 400}
    assert upload_app.extensions["ran"] == [size] * 10  # never for the client that left
    assert open_fds() == before
    assert temporary_files() == upload_app.extensions["before"]


# -- the disconnect watch ----------------------------------------------------------------------


def test_a_streamed_answer_ends_when_the_client_leaves_after_a_refused_body(app: Erlen) -> None:
    app.config["MAX_CONTENT_LENGTH"] = MIB
    ended = threading.Event()

    @app.post("/ticks")
    def ticks() -> Response:  # never reads the body it was sent, which is over the limit
        def endless() -> Iterator[str]:
            try:
                while True:
                    time.sleep(0.01)
                    yield "tick\n"
            finally:
                ended.set()

        return Response(endless())

    async def run() -> int:
        queue = pieces_of(MIB)
        ticks_sent = 0
        gone = asyncio.Event()

        async def receive() -> Message:
            if queue:
                return {"type": "http.request", "body": queue.pop(0), "more_body": True}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal ticks_sent
            ticks_sent += bool(message.get("body"))
            if ticks_sent == 3:
                gone.set()

        await app.asgi(upload_scope("/ticks", 2 * MIB), receive, send)
        return ticks_sent

    assert 3 <= asyncio.run(asyncio.wait_for(run(), 5)) < 50
    assert ended.wait(5)


# -- on the wire, under uvicorn ----------------------------------------------------------------


def start_upload(port: int, sent: int, announced: int = 2 * MIB) -> socket.socket:
    """A client that announces ``announced`` bytes of body and sends ``sent`` of them."""
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    client.sendall(
        b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (announced, b"a" * sent)
    )
    return client


def get_ping(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as client:
        client.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return client.recv(100)


@pytest.mark.server
def test_stalled_uploads_under_uvicorn_leave_the_threads_to_other_requests(
    upload_app: Erlen,
) -> None:
    upload_app.config["ASGI_THREADS"] = 2
    with uvicorn_in_thread(upload_app.asgi) as port:
        clients = [start_upload(port, THREAD_BODY_BUFFER + 100) for _ in range(4)]
        try:
            time.sleep(0.3)  # every upload is past its first MiB
            assert get_ping(port).startswith(b"HTTP/1.1 200")
        finally:
            for client in clients:
                client.close()
    assert upload_app.extensions["ran"] == []


def wait_until(condition: Callable[[], bool], seconds: float = 3) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


@pytest.mark.server
def test_an_upload_abandoned_mid_body_costs_nothing_once_the_client_is_gone(
    upload_app: Erlen,
) -> None:
    spooled_before = upload_app.extensions["before"]
    with uvicorn_in_thread(upload_app.asgi) as port:
        assert get_ping(port).startswith(b"HTTP/1.1 200")
        baseline = open_fds()
        clients = [start_upload(port, 3 * MIB // 2) for _ in range(5)]
        # While they stall, each costs the loop a temporary file, and no thread.
        assert wait_until(lambda: temporary_files() == spooled_before + 5)
        assert get_ping(port).startswith(b"HTTP/1.1 200")
        for client in clients:
            client.close()
        assert wait_until(lambda: open_fds() <= baseline)  # sockets and files all closed
        assert temporary_files() == spooled_before
    assert upload_app.extensions["ran"] == []
