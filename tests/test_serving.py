"""app.run() and `erlen run`: a real multi-threaded HTTP/1.1 server, banner, access log, Ctrl-C."""

from __future__ import annotations

import http.client
import json
import textwrap
import threading
from pathlib import Path

import pytest

from .conftest import ROOT

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
    source.write_text(source.read_text().replace('"v1"', '"v2"'))
    deadline = time.monotonic() + 20
    body = b""
    while time.monotonic() < deadline:
        try:
            body = fetch(server.port, "/")[2]
        except OSError:
            body = b""
        if body == b"v2":
            break
        time.sleep(0.2)
    assert body == b"v2"


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
