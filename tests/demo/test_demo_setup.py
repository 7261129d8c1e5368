"""First start: instance folder, secret key, migrations, the admin account, several workers."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from demo_support import ADMIN_EMAIL, FAST_ARGON2, ROOT, USERS_DIR, sign_in
from sqlalchemy import create_engine, inspect, text

from erlen import Erlen

pytestmark = pytest.mark.wsgi_only


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "USERS_SECRET_KEY", "USERS_ADMIN_PASSWORD", "USERS_ADMIN_EMAIL",
                 "USERS_INSTANCE_PATH"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


def make_app(instance: Path, **config: object) -> Erlen:
    from usersapp import create_app
    from usersapp.extensions import db

    app = create_app({"INSTANCE_PATH": str(instance), "AUTH_ARGON2": FAST_ARGON2, **config})
    db.dispose(app)  # the tests below open the database themselves
    return app


def test_first_start_creates_everything_in_the_instance_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    instance = tmp_path / "instance"
    app = make_app(instance)
    assert app.instance_path == str(instance)
    assert (instance / "users.sqlite3").is_file()
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()

    printed = capsys.readouterr().out
    match = re.search(rf"admin account {ADMIN_EMAIL} with the password: (\S+)", printed)
    assert match is not None, printed
    password = match.group(1)
    sign_in(app.test_client(), ADMIN_EMAIL, password)

    engine = create_engine(f"sqlite:///{instance / 'users.sqlite3'}")
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == {"users", "alembic_version"}
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0001"
    engine.dispose()

    again = make_app(instance)  # a restart: same key, no second admin, nothing printed
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert capsys.readouterr().out == ""


def test_admin_from_the_environment_is_not_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USERS_ADMIN_EMAIL", "Boss@Example.org")
    monkeypatch.setenv("USERS_ADMIN_PASSWORD", "from the environment")
    monkeypatch.setenv("USERS_SECRET_KEY", "k" * 40)
    app = make_app(tmp_path)
    printed = capsys.readouterr().out
    assert "boss@example.org" in printed and "USERS_ADMIN_PASSWORD" in printed
    assert "from the environment" not in printed
    assert app.config["SECRET_KEY"] == "k" * 40
    assert not (tmp_path / "secret_key").exists()
    sign_in(app.test_client(), "boss@example.org", "from the environment")


def test_an_unusable_admin_password_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USERS_ADMIN_PASSWORD", "short")
    with pytest.raises(RuntimeError, match="USERS_ADMIN_PASSWORD"):
        make_app(tmp_path)


def test_database_url_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    make_app(tmp_path / "instance")
    assert target.is_file()
    assert not (tmp_path / "instance" / "users.sqlite3").exists()


def test_several_workers_starting_at_once_make_one_admin(tmp_path: Path) -> None:
    """Four processes run create_app() together on a fresh database, as gunicorn -w 4 does."""
    env = {**os.environ, "USERS_INSTANCE_PATH": str(tmp_path), "PYTHONPATH": str(USERS_DIR)}
    code = (
        "import hashlib; from usersapp import create_app; key = create_app().config['SECRET_KEY'];"
        "print('key', hashlib.sha256(key.encode()).hexdigest())"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]  # fmt: skip
    outputs = [process.communicate(timeout=60) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, outputs
    printed = "".join(out for out, _ in outputs)
    assert printed.count("Created the admin account") == 1
    keys = {line for out, _ in outputs for line in out.splitlines() if line.startswith("key ")}
    assert len(keys) == 1  # every worker signs sessions with the same key
    engine = create_engine(f"sqlite:///{tmp_path / 'users.sqlite3'}")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM users")) == 1
    engine.dispose()


def test_secret_key_file_is_shared_by_concurrent_creators(tmp_path: Path) -> None:
    from usersapp.settings import load_or_create_secret_key

    keys = {load_or_create_secret_key(str(tmp_path)) for _ in range(3)}
    assert len(keys) == 1
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]  # no temporary left
