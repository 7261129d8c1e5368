"""Fixtures for the demo app (examples/users): databases, apps, clients and a live server.

Modules that use ``backend`` run once per database: ``sqlite`` always, ``postgres`` when
``ERLEN_TEST_POSTGRES_URL`` names one (``postgresql+psycopg://user:pass@host/db``). In CI
(``CI=true``) a missing PostgreSQL URL fails those tests instead of skipping them. Each test
module gets a fresh database: a new SQLite file, or a new PostgreSQL schema dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from demo_support import ADMIN_EMAIL, Api, DemoServer, Rows, app_config, in_ci, sign_in
from sqlalchemy import create_engine, text

from erlen import Erlen
from erlen.testing import TestClient

POSTGRES_ENV = "ERLEN_TEST_POSTGRES_URL"


@dataclass
class Database:
    """Where one test module's data lives."""

    url: str
    engine_options: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgres" and not os.environ.get(POSTGRES_ENV):
        if in_ci():
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests.")
        pytest.skip(f"set {POSTGRES_ENV}=postgresql+psycopg://... to test on PostgreSQL")
    return name


@pytest.fixture(scope="module")
def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if backend == "sqlite":
        yield Database(f"sqlite:///{tmp_path_factory.mktemp('db') / 'users.sqlite3'}")
        return
    url = os.environ[POSTGRES_ENV]
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin_engine = create_engine(url)
    try:
        with admin_engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield Database(url, {"connect_args": {"options": f"-csearch_path={schema}"}})
        with admin_engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin_engine.dispose()


@pytest.fixture(scope="module")
def users_app(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Erlen]:
    """The demo app on this module's database, migrated, with the admin account."""
    from usersapp import create_app
    from usersapp.extensions import db

    config = app_config(
        database.url,
        tmp_path_factory.mktemp("instance"),
        DATABASE_ENGINE_OPTIONS=database.engine_options,
    )
    app = create_app(config)
    yield app
    db.dispose(app)


@pytest.fixture
def client(users_app: Erlen) -> TestClient:
    return users_app.test_client()


@pytest.fixture(scope="module")
def admin_token(users_app: Erlen) -> str:
    from usersapp.users import get_user_by_email, issue_token

    with users_app.app_context():
        admin = get_user_by_email(ADMIN_EMAIL)
        assert admin is not None
        return issue_token(admin)


@pytest.fixture
def api(client: TestClient, admin_token: str) -> Api:
    """The API as the admin, through a bearer token."""
    return Api(client, admin_token)


@pytest.fixture
def admin_client(client: TestClient) -> tuple[TestClient, str]:
    """A test client signed in as the admin, and its CSRF token."""
    return client, sign_in(client)


@pytest.fixture
def rows(users_app: Erlen) -> Rows:
    return Rows(users_app)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One real server for the HTTP and browser tests (``erlen run`` in a subprocess)."""
    server = DemoServer(tmp_path_factory.mktemp("server"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server_token(demo_server: DemoServer) -> str:
    """An API token for the live server's admin, made with the app's own CLI command."""
    result = demo_server.cli("create-token", ADMIN_EMAIL)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]
