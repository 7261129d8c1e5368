"""app.run() and `erlen run`: a real multi-threaded HTTP/1.1 server, banner, access log, Ctrl-C,
and what it does not let a hostile or slow client do."""

from __future__ import annotations

import contextlib
import errno
import http.client
import json
import os
import resource
import socket
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from erlen import Erlen, Response, request
from erlen.adapters import waitress_channel
from erlen.adapters.serving import ListenError, make_server
from erlen.adapters.waitress_channel import MAX_UNSENT_BUFFERS

from .conftest import ROOT, ServerProcess, free_port

pytestmark = [pytest.mark.wsgi_only, pytest.mark.server]


def fetch(
    port: int,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_hello_program_serves_and_says_where(start_server) -> None:
    server = start_server(["examples/hello.py"])
    status, headers, body = fetch(server.port, "/")
    assert (status, body) == (200, b"Hello World!")
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    output = server.stop()
    assert f"Running on http://127.0.0.1:{server.port}" in output
    assert '"GET / HTTP/1.1" 200 12' in output
    assert "Stopped" in output
    assert server.process.returncode == 0


def test_run_listens_where_server_name_says_as_in_flask(tmp_path: Path) -> None:
    port = free_port()
    program = tmp_path / "named.py"
    program.write_text(
        textwrap.dedent(f"""
            from erlen import Erlen

            app = Erlen(__name__)
            app.config["SERVER_NAME"] = "127.0.0.1:{port}"

            @app.route("/")
            def index():
                return "named"

            app.run()
        """)
    )
    server = ServerProcess([sys.executable, str(program)], port, tmp_path)
    try:
        assert fetch(port, "/")[2] == b"named"
    finally:
        output = server.stop()
    assert f"Running on http://127.0.0.1:{port}" in output


def test_server_keeps_connections_alive_and_serves_concurrently(start_server) -> None:
    server = start_server(["examples/hello.py"])
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for _ in range(3):
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.version == 11
        assert response.read() == b"Hello World!"
    connection.close()
    results: list[int] = []

    def worker() -> None:
        results.append(fetch(server.port, "/")[0])

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 10


def test_cli_run_serves_app_and_404s(start_server) -> None:
    server = start_server(["-m", "erlen", "--app", "examples/hello.py", "run"])
    assert fetch(server.port, "/")[2] == b"Hello World!"
    status, _, body = fetch(server.port, "/missing", headers={"Accept": "application/json"})
    assert status == 404
    assert json.loads(body)["error"]["status"] == 404


def test_cli_run_debug_shows_traceback_page(start_server, tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text(
        textwrap.dedent("""
        from erlen import Erlen
        app = Erlen(__name__)

        @app.route("/boom")
        def boom():
            raise RuntimeError("debug details")
    """)
    )
    server = start_server(
        ["-m", "erlen", "--app", "broken.py", "run", "--debug", "--no-reload"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    status, _, body = fetch(server.port, "/boom")
    assert status == 500
    assert b"debug details" in body and b"Traceback" in body


def test_without_debug_a_500_hides_internals(start_server, tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text(
        textwrap.dedent("""
        from erlen import Erlen
        app = Erlen(__name__)

        @app.route("/boom")
        def boom():
            raise RuntimeError("hidden details")
    """)
    )
    server = start_server(
        ["-m", "erlen", "--app", "broken.py", "run"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    status, _, body = fetch(server.port, "/boom")
    assert status == 500
    assert b"hidden details" not in body
    assert "hidden details" in server.stop()  # logged with its traceback


def test_reloader_restarts_on_change(start_server, tmp_path: Path) -> None:
    import time

    source = tmp_path / "live.py"
    source.write_text(
        "from erlen import Erlen\napp = Erlen(__name__)\n"
        '@app.route("/")\ndef index():\n    return "v1"\n'
    )
    server = start_server(
        ["-m", "erlen", "--app", "live.py", "run", "--reload"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    assert fetch(server.port, "/")[2] == b"v1"
    # A different size: Python trusts a cached .pyc of the same size and second.
    source.write_text(source.read_text().replace('"v1"', '"v2!"'))
    deadline = time.monotonic() + 20
    body = b""
    while time.monotonic() < deadline:
        try:
            body = fetch(server.port, "/")[2]
        except OSError:
            body = b""
        if body == b"v2!":
            break
        time.sleep(0.2)
    assert body == b"v2!"


def test_reloader_killed_by_pid_stops_its_server(start_server, tmp_path: Path) -> None:
    """`kill <pid>` of the reloader (SIGTERM, as a supervisor sends) stops the server it
    started, so nothing is left holding the port."""
    import os
    import signal
    import socket
    import time

    (tmp_path / "live.py").write_text(
        "from erlen import Erlen\napp = Erlen(__name__)\n"
        '@app.route("/")\ndef index():\n    return "up"\n'
    )
    server = start_server(
        ["-m", "erlen", "--app", "live.py", "run", "--reload"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    assert fetch(server.port, "/")[2] == b"up"
    os.kill(server.process.pid, signal.SIGTERM)  # the reloader only, not its process group
    server.process.wait(timeout=30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", server.port)) != 0:
                break  # refused: the server is gone
        time.sleep(0.1)
    else:
        raise AssertionError("the reloader's server still answers after the reloader was killed")


# -- waitress as make_server sets it up: what a hostile or slow client can do -------------------


@contextmanager
def erlen_waitress(app: Erlen, **options: Any) -> Iterator[int]:
    """``app`` under waitress as ``app.run()`` sets it up (``make_server(**options)``), in a
    daemon thread of this process; yields its port. Stopping closes every socket from the
    server's own loop thread, as ``conftest.waitress_in_thread`` does."""
    server = make_server(app, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:

        def close_everything() -> None:
            for channel in list(server._map.values()):
                channel.close()

        server.trigger.pull_trigger(close_everything)
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()


def echo_app(static_folder: Path | None = None) -> Erlen:
    """An app whose ``/`` says which host it was asked for and how large a body it read."""
    app = Erlen("serving", static_folder=str(static_folder) if static_folder else None)

    @app.route("/", methods=["GET", "POST"])
    def index() -> dict[str, Any]:
        return {"host": request.host, "size": len(request.get_data())}

    return app


def exchange(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send ``data`` on a new connection and return everything read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


def head(target: bytes, *fields: bytes, method: bytes = b"GET") -> bytes:
    """A request's header block, its body left to the caller."""
    return b"%s %s HTTP/1.1\r\n%s\r\n" % (method, target, b"".join(f + b"\r\n" for f in fields))


def test_the_answer_to_head_on_a_stream_ends_with_its_header_block() -> None:
    app = Erlen("head")

    @app.route("/stream")
    def stream() -> Any:
        return iter(["a" * 10, "b" * 10])

    with erlen_waitress(app) as port:
        got = exchange(port, head(b"/stream", b"Host: x", method=b"GET"))
        answer = exchange(port, head(b"/stream", b"Host: x", method=b"HEAD"))
    assert b"Transfer-Encoding: chunked" in got and got.endswith(b"0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ") and b"Transfer-Encoding: chunked" in answer
    assert answer.endswith(b"\r\n\r\n") and answer.count(b"\r\n\r\n") == 1, answer


@pytest.mark.parametrize("target", [b"http://[::1/", b"http://[/"])
def test_a_target_that_is_no_url_gets_a_400(target: bytes) -> None:
    with erlen_waitress(echo_app()) as port:
        answer = exchange(port, head(target, b"Host: x", b"Connection: close"))
        assert answer.startswith(b"HTTP/1.1 400 "), answer[:100]
        assert b"not a valid URL" in answer


@pytest.mark.parametrize(
    "fields",
    [(b"Host: a.example", b"Host: evil.example"), (b"Host: a.example", b"hOST:a.example")],
    ids=["different", "same, other case"],
)
def test_more_than_one_host_header_gets_a_400(fields: tuple[bytes, bytes]) -> None:
    """RFC 9112 section 3.2; waitress would pass "a.example, evil.example" on as the host."""
    with erlen_waitress(echo_app()) as port:
        answer = exchange(port, head(b"/", *fields, b"Connection: close"))
        assert answer.startswith(b"HTTP/1.1 400 "), answer[:100]
        assert b"only one Host header" in answer
        answer = exchange(port, head(b"/", b"Host: a.example", b"Connection: close"))
        assert answer.startswith(b"HTTP/1.1 200 ") and b'"host":"a.example"' in answer


def test_a_body_slower_than_body_min_rate_is_cut_off_after_body_timeout() -> None:
    with erlen_waitress(echo_app(), body_timeout=0.5, body_min_rate=100) as port:
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port), timeout=0.1) as sock:
            sock.sendall(head(b"/", b"Host: x", b"Content-Length: 1000", method=b"POST") + b"a")
            closed_after = None
            while closed_after is None and time.monotonic() - started < 3:
                try:
                    sock.send(b"a")  # 10 bytes a second
                    if sock.recv(1) == b"":
                        closed_after = time.monotonic() - started
                except TimeoutError:
                    continue
                except OSError:  # reset
                    closed_after = time.monotonic() - started
    assert closed_after is not None, "the trickling body was never cut off"
    assert 0.5 <= closed_after < 2.5, closed_after


def test_an_upload_at_a_normal_pace_may_outlast_body_timeout() -> None:
    with (
        erlen_waitress(echo_app(), body_timeout=0.5, body_min_rate=1000) as port,
        socket.create_connection(("127.0.0.1", port), timeout=5) as sock,
    ):
        sock.sendall(head(b"/", b"Host: x", b"Content-Length: 3000", method=b"POST"))
        for _ in range(30):  # 2000 bytes a second, for 1.5 s
            sock.sendall(b"a" * 100)
            time.sleep(0.05)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200 ") and b'"size":3000' in answer, answer[:200]


def test_slow_bodies_make_room_for_new_clients_at_the_connection_limit() -> None:
    """100 connections that send their headers, then hold their bodies back, would fill
    waitress's ``connection_limit``: the one furthest behind ``body_min_rate`` makes room."""
    with erlen_waitress(echo_app()) as port:
        slow = []
        try:
            for number in range(100):
                sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                sock.sendall(head(b"/", b"Host: x", b"Content-Length: 1000", method=b"POST"))
                slow.append(sock)
                if number >= 90:  # near the limit, let the server read each one's headers
                    time.sleep(0.02)
            time.sleep(0.1)
            answer = exchange(port, head(b"/", b"Host: x", b"Connection: close"), timeout=2)
            assert answer.startswith(b"HTTP/1.1 200 "), answer[:100]
        finally:
            for sock in slow:
                sock.close()


def _open_files_under(folder: Path) -> int:
    """How many descriptors of this process are open on files under ``folder``."""
    count = 0
    for descriptor in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # gone since listed
            if os.readlink(f"/proc/self/fd/{descriptor}").startswith(str(folder)):
                count += 1
    return count


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
def test_a_client_that_pipelines_and_never_reads_holds_few_files_open(tmp_path: Path) -> None:
    """Each queued answer of a static file keeps the file open until sent; a client that asks
    for 200 and reads none held 200 open (and ten such clients took a select() loop past its
    1024 descriptors). Once the client reads, every answer still arrives, in order."""
    static = tmp_path / "static"
    static.mkdir()
    (static / "big.bin").write_bytes(b"x" * 8 * 1024 * 1024)  # fills the socket buffers
    (static / "a.css").write_text("body{}")
    requests = 200
    with erlen_waitress(echo_app(static)) as port, socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(5)
        sock.connect(("127.0.0.1", port))
        sock.sendall(
            head(b"/static/big.bin", b"Host: x") + head(b"/static/a.css", b"Host: x") * requests
        )
        held_open = []
        for _ in range(10):  # while the server answers all it will
            time.sleep(0.05)
            held_open.append(_open_files_under(static))
        assert max(held_open) <= MAX_UNSENT_BUFFERS, held_open
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)  # now read at full speed
        answers = b""
        # Until the last answer is whole: its status line may come a read before its body.
        while answers.count(b"HTTP/1.1 200 ") < 1 + requests or not answers.endswith(b"body{}"):
            chunk = sock.recv(1 << 20)
            assert chunk, "the server closed the connection before the last answer"
            answers += chunk
    assert answers.count(b"HTTP/1.1 200 ") == 1 + requests
    assert _open_files_under(static) == 0


def test_a_socket_descriptor_past_1023_is_served() -> None:
    """select() refuses a descriptor past 1023 (FD_SETSIZE), which ended waitress's loop."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"the hard limit on open files ({hard}) is under 1200")
    if soft != resource.RLIM_INFINITY and soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    fillers = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        with erlen_waitress(echo_app()) as port:
            answer = exchange(port, head(b"/", b"Host: x", b"Connection: close"), timeout=3)
            assert answer.startswith(b"HTTP/1.1 200 "), answer[:100]
    finally:
        for descriptor in fillers:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


MIB = 1024 * 1024


def export_app(size_mib: int, closed: threading.Event) -> Erlen:
    """An app whose ``/export`` streams ``size_mib`` MiB, more than waitress buffers before a
    worker thread waits for the client (16 MiB), and sets ``closed`` when its iterable closes."""
    app = Erlen("serving", static_folder=None)

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.get("/export")
    def export() -> Response:
        def chunks() -> Iterator[bytes]:
            try:
                for _ in range(size_mib):
                    yield b"x" * MIB
            finally:
                closed.set()

        return Response(chunks(), mimetype="application/octet-stream")

    return app


@contextmanager
def non_reader(port: int) -> Iterator[socket.socket]:
    """A connection that asks for ``/export`` and reads nothing, with a small receive buffer."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.sendall(head(b"/export", b"Host: x"))
        yield sock


def read_to_end(sock: socket.socket) -> int:
    """How many bytes ``sock`` still gives before the server closes it."""
    sock.settimeout(5)
    received = 0
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(MIB):
            received += len(chunk)
    return received


def test_a_client_that_reads_nothing_is_cut_off_after_send_timeout() -> None:
    """Its worker thread waited for it without a deadline: eight such clients held all eight
    threads, and the server answered no one, for as long as they stayed connected."""
    closed = threading.Event()
    with erlen_waitress(export_app(32, closed), threads=1, send_timeout=1) as port:
        started = time.monotonic()
        with non_reader(port) as sock:
            assert closed.wait(timeout=5), "the answer's iterable was never closed"
            assert time.monotonic() - started >= 1
            answer = exchange(port, head(b"/", b"Host: x", b"Connection: close"), timeout=5)
            assert answer.startswith(b"HTTP/1.1 200 ") and answer.endswith(b"ok"), answer[:100]
            assert read_to_end(sock) < 32 * MIB  # closed, the answer cut short


def test_a_thread_held_by_a_client_that_reads_nothing_goes_to_a_waiting_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Long before ``send_timeout``, a client that reads nothing loses its worker thread to a
    request that waits for one; while a thread is free, it keeps its connection."""
    monkeypatch.setattr(waitress_channel, "BUSY_SEND_TIMEOUT", 0.5)
    closed = threading.Event()
    with (
        erlen_waitress(export_app(32, closed), threads=2, send_timeout=60) as port,
        non_reader(port),
    ):
        time.sleep(1)
        answer = exchange(port, head(b"/", b"Host: x", b"Connection: close"), timeout=5)
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:100]
        assert not closed.is_set()  # the other thread was free
        with non_reader(port) as second:
            time.sleep(1)  # both threads now wait on clients that read nothing
            started = time.monotonic()
            answer = exchange(port, head(b"/", b"Host: x", b"Connection: close"), timeout=5)
            assert answer.startswith(b"HTTP/1.1 200 "), answer[:100]
            assert time.monotonic() - started < 3
            assert closed.is_set()
            assert read_to_end(second) < 32 * MIB


def test_a_slow_reader_that_keeps_reading_gets_the_whole_answer() -> None:
    """Each byte the client takes starts ``send_timeout`` again: pauses shorter than it, over
    several times its length, cut nothing."""
    closed = threading.Event()
    with (
        erlen_waitress(export_app(24, closed), threads=1, send_timeout=1) as port,
        non_reader(port) as sock,
    ):
        sock.settimeout(5)
        answer = bytearray()
        started = time.monotonic()
        while not answer.endswith(b"\r\n0\r\n\r\n"):  # the last chunk
            time.sleep(0.7)  # the server waits, with more to send
            burst_end = len(answer) + 4 * MIB
            while len(answer) < burst_end and not answer.endswith(b"\r\n0\r\n\r\n"):
                chunk = sock.recv(MIB)
                assert chunk, f"cut off after {len(answer)} bytes"
                answer += chunk
        assert time.monotonic() - started > 3  # several times send_timeout
    status, _, body = bytes(answer).partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200 ")
    assert body.count(b"x") == 24 * MIB
    assert closed.is_set()


@pytest.mark.parametrize("port", [-1, 65536, 99999])
def test_a_port_outside_0_65535_is_a_value_error(
    port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """getaddrinfo() takes it modulo 65536: port 99999 listened on 34463."""
    for name in ("ERLEN_RUN_PORT", "ERLEN_RUN_FROM_CLI"):
        monkeypatch.delenv(name, raising=False)
    app = echo_app()
    with pytest.raises(ValueError, match="port must be 0-65535"):
        make_server(app, "127.0.0.1", port)
    with pytest.raises(ValueError, match="port must be 0-65535"):
        app.run(port=port, load_dotenv=False)


def test_a_port_in_use_is_a_listen_error_that_says_so() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ListenError, match=f"127.0.0.1:{port}: the port is in use") as caught:
            make_server(echo_app(), "127.0.0.1", port)
    assert isinstance(caught.value, OSError)
    assert isinstance(caught.value.__cause__, OSError)
    assert caught.value.__cause__.errno == errno.EADDRINUSE
