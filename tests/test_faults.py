"""Faults with nothing lost, against real processes.

- The demo app on a PostgreSQL cluster this module creates and stops: while the database is
  down it answers 503 (JSON or HTML, with ``Retry-After``), and it recovers by itself.
- Clients that leave in the middle of an upload or of a streamed answer, under waitress (as
  ``app.run()`` sets it up) and uvicorn (``app.asgi``): no temporary file and no descriptor is
  left behind, and the stream's generator runs its ``finally``.
- Slowloris: clients trickling their headers a byte a second, more of them than waitress's
  connection limit, do not keep other clients of ``app.run()`` waiting.

``docs/reliability.md`` ("Faults") reports what these tests observe.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from .conftest import ROOT, ServerProcess, free_port
from .demo.demo_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    DemoServer,
    HTTPResult,
    csrf_from,
)

pytestmark = [pytest.mark.wsgi_only, pytest.mark.server]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)


# -- a private PostgreSQL cluster ------------------------------------------------------------


def _postgres_bin() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: Debian's newest, else the ones on PATH."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


class PostgresCluster:
    """A throwaway cluster: ``initdb`` into a temporary folder, served on a free port.

    As root, PostgreSQL refuses to run, so its commands run as the ``postgres`` user, who owns
    the folder. The superuser is ``erlen``, trusted on 127.0.0.1 only.
    """

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.as_user: list[str] = []
        self.root = Path(tempfile.mkdtemp(prefix="erlen-faults-pg-"))
        self.root.chmod(0o755)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.root / "data"
        self.port = free_port()
        self._pg("initdb", "-D", str(self.data), "-U", "erlen", "--auth=trust", "-E", "UTF8",
                 "--no-sync")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://erlen@127.0.0.1:{self.port}/postgres"

    def _pg(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [*self.as_user, str(self.bin_dir / program), *args],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, f"{program} failed:\n{result.stdout}\n{result.stderr}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off"
        )
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                 "-w", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresCluster]:
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("the PostgreSQL server programs (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no 'postgres' user to run PostgreSQL as")
    cluster = PostgresCluster(bin_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@dataclass
class SignedIn:
    token: str  # for the API
    cookie: str  # for the pages


@pytest.fixture(scope="module")
def pg_demo(
    postgres: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DemoServer, SignedIn]]:
    """The demo app under ``erlen run`` on the cluster, with an API token and a signed-in page
    session for its admin."""
    server = DemoServer(tmp_path_factory.mktemp("pg-demo"), database_url=postgres.url)
    try:
        made = server.cli("create-token", ADMIN_EMAIL)
        assert made.returncode == 0, made.stderr
        token = made.stdout.strip().splitlines()[-1]
        login = server.request("GET", "/login")
        form = urlencode(
            {
                "email": ADMIN_EMAIL,
                "password": ADMIN_PASSWORD,
                "csrf_token": csrf_from(login.body.decode()),
            }
        )
        signed_in = server.request(
            "POST", "/login", body=form.encode(),
            headers={"Cookie": _session_cookie(login),
                     "Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        assert signed_in.status == 302, signed_in.body
        yield server, SignedIn(token, _session_cookie(signed_in))
    finally:
        output = server.stop()
    assert "Traceback" not in output, output


def _session_cookie(answer: HTTPResult) -> str:
    cookie = SimpleCookie(answer.headers["set-cookie"])
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())


def test_demo_answers_503_while_postgres_is_down_and_recovers_by_itself(
    postgres: PostgresCluster, pg_demo: tuple[DemoServer, SignedIn]
) -> None:
    server, signed_in = pg_demo
    api = {"Authorization": f"Bearer {signed_in.token}"}
    page = {"Cookie": signed_in.cookie, "Accept": "text/html"}
    assert server.request("GET", "/api/users", headers=api).status == 200
    assert server.request("GET", "/users", headers=page).status == 200

    postgres.stop()
    try:
        cases = [
            ("GET", "/api/users", api, "application/json"),
            ("POST", "/api/users", api, "application/json"),
            ("GET", "/users", {**page, "Accept": "application/json"}, "application/json"),
            ("GET", "/users", page, "text/html"),
            ("GET", "/users/1", page, "text/html"),
        ]
        new_user = {"name": "Down", "email": "down@example.com", "password": "password1"}
        for method, path, headers, content_type in cases:
            started = time.perf_counter()
            json_body = new_user if method == "POST" else None
            answer = server.request(method, path, headers=headers, json_body=json_body)
            seconds = time.perf_counter() - started
            where = f"{method} {path} ({content_type})"
            assert answer.status == 503, (where, answer.status, answer.body)
            assert answer.headers["retry-after"] == "5", where
            assert answer.headers["content-type"].startswith(content_type), where
            assert seconds < 2.0, (where, seconds)
            assert b"Traceback" not in answer.body and b"psycopg" not in answer.body, where
            if content_type == "application/json":
                assert answer.json()["error"]["status"] == 503, where
            else:
                assert answer.body.startswith(b"<!doctype html>"), where
                assert b"503" in answer.body and b"database" in answer.body, where
        # Several at once: each gets its 503, none waits on another.
        with ThreadPoolExecutor(8) as pool:
            statuses = list(
                pool.map(lambda _: server.request("GET", "/api/users", headers=api).status,
                         range(16))
            )  # fmt: skip
        assert statuses == [503] * 16
    finally:
        postgres.start()
    # The first request after the restart is served: no retry, no restart of the app.
    assert server.request("GET", "/api/users", headers=api).status == 200
    assert server.request("GET", "/users", headers=page).status == 200
    assert "WARNING in errors: The database is unavailable" in server.output()


def test_demo_loses_no_request_to_a_postgres_restart_between_requests(
    postgres: PostgresCluster, pg_demo: tuple[DemoServer, SignedIn]
) -> None:
    """Pooled connections that died with the database are replaced before use (pre-ping)."""
    server, signed_in = pg_demo
    api = {"Authorization": f"Bearer {signed_in.token}"}

    def get_users(_: object) -> int:
        return server.request("GET", "/api/users", headers=api).status

    with ThreadPoolExecutor(6) as pool:  # several connections in the pool
        assert list(pool.map(get_users, range(24))) == [200] * 24
    postgres.stop()
    postgres.start()
    assert [get_users(None) for _ in range(6)] == [200] * 6
    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(get_users, range(24))) == [200] * 24


# -- clients that leave mid-upload and mid-stream ----------------------------------------------


@dataclass
class FaultServer:
    """``tests/faults_app.py`` in a child process, with its own temporary folder."""

    process: ServerProcess
    tmp: Path
    markers: Path

    @property
    def port(self) -> int:
        return self.process.port

    def descriptors(self) -> list[str]:
        """What the server process has open: files, sockets, pipes."""
        fd_dir = f"/proc/{self.process.process.pid}/fd"
        targets = []
        for name in os.listdir(fd_dir):
            try:
                targets.append(os.readlink(f"{fd_dir}/{name}"))
            except FileNotFoundError:  # closed while we looked
                pass
        return targets

    def temp_descriptors(self) -> list[str]:
        return [target for target in self.descriptors() if target.startswith(str(self.tmp))]

    def get(self, path: str = "/") -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        return answer


@pytest.fixture(params=["waitress", "uvicorn"])
def fault_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FaultServer]:
    if not sys.platform.startswith("linux"):
        pytest.skip("counts descriptors through /proc")
    tmp, markers = tmp_path / "tmp", tmp_path / "markers"
    tmp.mkdir()
    markers.mkdir()
    port = free_port()
    # tempfile (waitress's body buffers, Erlen's spooled uploads) writes where TMPDIR says.
    env = {"TMPDIR": str(tmp), "FAULTS_MARKERS": str(markers), "ERLEN_RUN_PORT": str(port)}
    if request.param == "waitress":
        args = [sys.executable, "tests/faults_app.py"]
    else:
        args = [sys.executable, "-m", "uvicorn", "tests.faults_app:app.asgi",
                "--port", str(port), "--log-level", "warning"]  # fmt: skip
    process = ServerProcess(args, port, ROOT, env)
    try:
        server = FaultServer(process, tmp, markers)
        assert server.get().startswith(b"HTTP/1.1 200 ")
        yield server
    finally:
        output = process.stop()
    assert "Traceback" not in output, output


BOUNDARY = "faultsboundary"
UPLOAD_SIZE = 8 * 1024 * 1024


def _upload_head(content_length: int) -> bytes:
    return (
        f"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {content_length}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n"
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


def test_client_leaving_mid_upload_leaves_no_temp_file_or_descriptor(
    fault_server: FaultServer,
) -> None:
    server = fault_server
    baseline = len(server.descriptors())
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(_upload_head(UPLOAD_SIZE))
            for _ in range(32):  # 2 MiB of the 8 announced
                sock.sendall(b"u" * 65536)
            # The body is on disk by now, in the server's temporary folder.
            wait_until(lambda: bool(server.temp_descriptors()), 5, "the upload spooled to disk")
    wait_until(lambda: not server.temp_descriptors(), 5, "the temporary file closed")
    wait_until(lambda: len(server.descriptors()) <= baseline, 5, "the descriptors closed")
    assert os.listdir(server.tmp) == []
    assert server.get().startswith(b"HTTP/1.1 200 ")


def test_client_leaving_before_the_answer_to_its_upload_leaves_nothing(
    fault_server: FaultServer,
) -> None:
    server = fault_server
    baseline = len(server.descriptors())
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    head = _upload_head(0)
    file_size = 1024 * 1024
    body_size = len(head.split(b"\r\n\r\n", 1)[1]) + file_size + len(tail)
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(_upload_head(body_size) + b"u" * file_size + tail)
    wait_until(lambda: len(server.descriptors()) <= baseline, 5, "the descriptors closed")
    assert not server.temp_descriptors()
    assert os.listdir(server.tmp) == []
    assert server.get().startswith(b"HTTP/1.1 200 ")


def test_client_leaving_mid_stream_ends_the_generator_and_frees_the_connection(
    fault_server: FaultServer,
) -> None:
    server = fault_server
    baseline = len(server.descriptors())
    names = [f"stream-{number}" for number in range(3)]
    for name in names:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(f"GET /stream/{name} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            received = 0
            while received < 1024 * 1024:
                received += len(sock.recv(65536))
    wait_until(
        lambda: sorted(os.listdir(server.markers)) == names, 5, "every generator's finally ran"
    )
    for name in names:
        assert (server.markers / name).read_text().endswith("closed early")
    wait_until(lambda: len(server.descriptors()) <= baseline, 5, "the descriptors closed")
    assert server.get().startswith(b"HTTP/1.1 200 ")


# -- slowloris -------------------------------------------------------------------------------

#: More than waitress's ``connection_limit`` (100).
SLOW_CLIENTS = 120
SLOW_HEAD = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 64


@pytest.fixture
def run_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """``tests/faults_app.py`` under ``app.run()``; keyword arguments become its env."""
    started: list[ServerProcess] = []

    def start(**env: str) -> ServerProcess:
        port = free_port()
        env = {"FAULTS_MARKERS": str(tmp_path), "ERLEN_RUN_PORT": str(port), **env}
        process = ServerProcess([sys.executable, "tests/faults_app.py"], port, ROOT, env)
        started.append(process)
        return process

    yield start
    for process in started:
        output = process.stop()
        assert "Traceback" not in output, output


def _timed_get(port: int) -> tuple[bytes, float]:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer, time.perf_counter() - started


def test_slowloris_clients_past_the_connection_limit_do_not_hold_up_others(
    run_server: Callable[..., ServerProcess],
) -> None:
    server = run_server()
    slow = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(SLOW_CLIENTS)]
    try:
        for sent in range(5):  # a byte a second from each
            for sock in slow:
                try:
                    sock.send(SLOW_HEAD[sent : sent + 1])
                except OSError:
                    pass  # the server closed it to make room
            answer, seconds = _timed_get(server.port)
            assert answer.startswith(b"HTTP/1.1 200 "), answer
            assert seconds < 1.0, seconds
            time.sleep(1.0)  # the trickle's pace
    finally:
        for sock in slow:
            sock.close()


def test_a_header_block_not_finished_in_time_is_closed(
    run_server: Callable[..., ServerProcess],
) -> None:
    server = run_server(FAULTS_HEADER_TIMEOUT="1.5")
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.settimeout(0.25)
        closed_after = None
        for byte in SLOW_HEAD:
            try:
                sock.send(bytes([byte]))
                if sock.recv(1) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except OSError:  # reset
                closed_after = time.monotonic() - started
                break
    assert closed_after is not None, "the trickling connection was never closed"
    assert 1.5 <= closed_after < 4.0, closed_after
    # A prompt client on a new connection is served as usual.
    answer, seconds = _timed_get(server.port)
    assert answer.startswith(b"HTTP/1.1 200 ") and seconds < 1.0
