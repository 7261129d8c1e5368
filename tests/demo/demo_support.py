"""Helpers for the demo app's tests: settings, HTTP over a socket, CSRF tokens, DB checks."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.conftest import wait_for_port

ROOT = Path(__file__).resolve().parents[2]
USERS_DIR = ROOT / "examples" / "users"
if str(USERS_DIR) not in sys.path:
    sys.path.insert(0, str(USERS_DIR))

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery"
SECRET_KEY = "test secret key for the demo app, long enough"
#: Cheap argon2 parameters: the tests hash many passwords.
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

if TYPE_CHECKING:
    from erlen import Erlen
    from erlen.testing import TestClient, TestResponse

_emails = itertools.count(1)


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{os.getpid()}-{next(_emails)}@example.com"


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def app_config(database_url: str, instance_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance_path),
        "USERS_ADMIN_EMAIL": ADMIN_EMAIL,
        "USERS_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "AUTH_ARGON2": FAST_ARGON2,
        **extra,
    }


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _TOKEN.search(html)
    assert match is not None, "the page has no CSRF token field"
    return match.group(1)


# -- real servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HTTPResult:
    """Status, headers and body of one real HTTP exchange."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = {name.lower(): value for name, value in headers.items()}
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def http_request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    json_body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> HTTPResult:
    all_headers = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return HTTPResult(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


class DemoServer:
    """``erlen --app examples/users/wsgi.py run`` in a child process, on a free port.

    Its data is a new SQLite file in ``tmp`` unless ``database_url`` names another database.
    """

    def __init__(self, tmp: Path, database_url: str | None = None) -> None:
        self.port = free_port()
        self.database = tmp / "users.sqlite3"
        self.env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "USERS_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "USERS_SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": database_url or f"sqlite:///{self.database}",
            "USERS_INSTANCE_PATH": str(tmp / "instance"),
        }
        # A file rather than a pipe: nobody reads the access log while tests run, and a full
        # pipe would block the server.
        self.log_path = tmp / "server.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "erlen", "--app", "examples/users/wsgi.py", "run",
             "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            wait_for_port(self.port, self.process, 30.0, output=self.log_path.read_text)
        except Exception:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run an ``erlen`` command against the same app and database."""
        return subprocess.run(
            [sys.executable, "-m", "erlen", "--app", "examples/users/wsgi.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def request(self, method: str, path: str, **kwargs: Any) -> HTTPResult:
        return http_request(self.port, method, path, **kwargs)

    def output(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_text()

    def stop(self) -> str:
        """Stop with Ctrl-C (SIGINT) and return everything the server printed."""
        if self.process.poll() is None:
            self.process.send_signal(2)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.output()


# -- in-process helpers -------------------------------------------------------------------------


class Api:
    """The test client with a bearer token on every request, and JSON bodies by default."""

    def __init__(self, client: TestClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def open(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(path, method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("DELETE", path, **kwargs)


def error_locations(body: Any) -> set[tuple[str | int, ...]]:
    """Where each value of a 422 error object failed: ``{("body", "email"), ...}``."""
    return {tuple(error["loc"]) for error in body["error"]["errors"]}


def sign_in(client: TestClient, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
    """Sign in through the form; returns the CSRF token of the signed-in session."""
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.text
    return csrf_from(client.get("/users").text)


class Rows:
    """Direct reads of the users table, to check that failed requests wrote nothing."""

    def __init__(self, app: Erlen) -> None:
        self.app = app

    def count(self) -> int:
        from sqlalchemy import func, select
        from usersapp.extensions import db
        from usersapp.models import User

        with self.app.app_context():
            return int(db.session.scalar(select(func.count()).select_from(User)) or 0)

    def get(self, user_id: int) -> dict[str, Any] | None:
        from usersapp.extensions import db
        from usersapp.models import User

        with self.app.app_context():
            user = db.session.get(User, user_id)
            if user is None:
                return None
            return {
                "name": user.name,
                "email": user.email,
                "role": user.role,
                "password_hash": user.password_hash,
                "updated_at": user.updated_at,
            }
