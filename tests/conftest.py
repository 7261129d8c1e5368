"""Shared fixtures: an app, its test client, and a live server for real-HTTP tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from erlen import Erlen
from erlen.testing import TestClient

ROOT = Path(__file__).resolve().parent.parent

collect_ignore = ["flask_ext"]


#: Every test that talks to an app runs once per adapter: through its WSGI callable and through
#: ``app.asgi``. Modules that test one side only (real WSGI servers, parsers) are marked
#: ``wsgi_only``.
INTERFACES = ("wsgi", "asgi")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    wsgi_only = metafunc.definition.get_closest_marker("wsgi_only") is not None
    if "interface" in metafunc.fixturenames and not wsgi_only:
        metafunc.parametrize("interface", INTERFACES, indirect=True)


@pytest.fixture(autouse=True)
def interface(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The adapter this test's clients use: ``app.test_client()`` goes through it."""
    name: str = getattr(request, "param", "wsgi")
    monkeypatch.setattr(TestClient, "interface", name)
    return name


@pytest.fixture
def app() -> Erlen:
    app = Erlen("testapp")
    app.config["SECRET_KEY"] = "test secret key"
    return app


@pytest.fixture
def client(app: Erlen):  # type: ignore[no-untyped-def]
    return app.test_client()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(
    port: int,
    process: subprocess.Popen[str],
    timeout: float = 20.0,
    output: Callable[[], str] | None = None,
) -> None:
    """Wait until something listens on ``port``; fail with the server's output if it exits.

    ``output`` reads what the server printed (default: its stdout pipe).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if output is not None:
                printed = output()
            else:
                printed = process.stdout.read() if process.stdout else ""
                if process.stdout:
                    process.stdout.close()
            raise RuntimeError(f"server exited early ({process.returncode}):\n{printed}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class ServerProcess:
    """A server started as a child process; its output is kept for assertions."""

    def __init__(self, args: list[str], port: int, cwd: Path, env: dict[str, str] | None = None):
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.port = port
        self.output: str | None = None
        self.process = subprocess.Popen(
            args,
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Its own process group, as a shell gives a command: Ctrl-C reaches the reloader's
            # child too, and nothing it started can outlive the test.
            start_new_session=True,
            # Ctrl-C handled as in a terminal even when this suite runs as a background job,
            # whose children a shell starts with SIGINT ignored.
            preexec_fn=_default_sigint,
        )
        wait_for_port(port, self.process)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> str:
        """Stop with Ctrl-C (SIGINT to the process group, as a terminal sends it), and return
        everything printed. Whatever is left after 30 s (a slow, loaded machine) is killed."""
        if self.output is not None:
            return self.output
        pid = self.process.pid
        if self.process.returncode is None:  # not reaped yet, so its id still names its group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGINT)
            # Wait for the exit without reaping it (WNOWAIT): until reaped, the id cannot be
            # given to another process group, so the kill below reaches only this one's.
            deadline = time.monotonic() + 30
            flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
            while os.waitid(os.P_PID, pid, flags) is None and time.monotonic() < deadline:
                time.sleep(0.05)
        # Whatever it started and left behind would hold the output pipe open for ever. (Once
        # the leader is reaped, the id still names the group while any member lives; with none
        # left, this finds no group.)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        self.process.wait()
        assert self.process.stdout is not None
        self.output = self.process.stdout.read()
        self.process.stdout.close()
        return self.output


@pytest.fixture
def start_server() -> Iterator[object]:
    """Start a command as a server on a free port: ``start_server(args_fn)``."""
    servers: list[ServerProcess] = []

    def start(
        args: list[str],
        cwd: Path = ROOT,
        env: dict[str, str] | None = None,
        port: int | None = None,
    ) -> ServerProcess:
        port = port or free_port()
        env = {"ERLEN_RUN_PORT": str(port), **(env or {})}
        server = ServerProcess([sys.executable, *args], port, cwd, env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# Hypothesis: no per-example deadline (this machine is shared and noisy); `make fuzz` raises the
# number of examples through HYPOTHESIS_PROFILE=fuzz.
try:
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("default", deadline=None, max_examples=100)
    _hypothesis_settings.register_profile("fuzz", deadline=None, max_examples=5000)
    _hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    pass


@contextmanager
def waitress_in_thread(app: Any, *, erlen_setup: bool = False) -> Iterator[int]:
    """Serve ``app`` with waitress in a daemon thread on a free port; yields the port.

    ``erlen_setup``: the server ``app.run()`` makes (``erlen.adapters.serving.make_server``, with
    the app's limits), instead of waitress's defaults. Stopping closes every socket from inside the
    server's own loop thread (through its trigger), so the loop never polls a descriptor another
    thread has just closed.
    """
    from waitress.server import create_server

    if erlen_setup:
        from erlen.adapters.serving import make_server

        server = make_server(app, "127.0.0.1", 0)
    else:
        server = create_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)  # type: ignore[union-attr]
    finally:

        def close_everything() -> None:
            for channel in list(server._map.values()):  # type: ignore[union-attr]
                channel.close()

        server.trigger.pull_trigger(close_everything)  # type: ignore[union-attr]
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()  # type: ignore[union-attr]


@contextmanager
def uvicorn_in_thread(asgi_app: Any, **options: Any) -> Iterator[int]:
    """Serve ``asgi_app`` with uvicorn (lifespan on, quiet) in a daemon thread on a free port;
    yields the port once uvicorn has started. ``options`` go to ``uvicorn.Config``."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        asgi_app, host="127.0.0.1", port=port, log_level="critical", lifespan="on", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# -- a real browser --------------------------------------------------------------------------

#: Debian's Chromium, driven by Playwright (``.ci/run`` installs it).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _browser_unavailable(reason: str) -> None:
    """Skip a browser test on a machine without a browser; fail it in CI, which has one."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests.")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for the module's browser tests."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("the playwright package is not installed")
    if not os.path.exists(CHROMIUM):
        _browser_unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
