"""First start: bring the database schema up to date and create the first admin account.

Runs inside :func:`usersapp.create_app`, so ``make run`` needs no set-up step. Several workers
starting at once (gunicorn ``-w 4``) take turns: a lock file in the instance folder orders the
processes of one machine, and on PostgreSQL an advisory lock also orders machines. Migrations
and the admin account are written in one transaction, so a crash leaves no half-made schema on
databases with transactional DDL (PostgreSQL, SQLite).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from erlen import Erlen

from .extensions import auth, db
from .models import Base, User
from .validation import ValidationError, clean_user

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK_FILE = ".setup.lock"
#: Key of the PostgreSQL advisory lock taken while migrating ("USRS").
ADVISORY_LOCK_KEY = 0x55535253

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process at a time is the user's job
    fcntl = None  # type: ignore[assignment]


def prepare_database(app: Erlen) -> None:
    """Migrate to the newest schema and create the first admin if there are no users yet."""
    engine = db.get_state(app).engine
    with _interprocess_lock(app.instance_path), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
        upgrade(connection)
        announcement = _create_first_admin(app, connection)
    if announcement:
        print(announcement, flush=True)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code: no ``alembic.ini`` to keep in step."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["target_metadata"] = Base.metadata
    return config


def upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _create_first_admin(app: Erlen, connection: Connection) -> str | None:
    """Create the admin when the table is empty; return what to print, or None."""
    with Session(bind=connection) as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
        email = app.config["USERS_ADMIN_EMAIL"]
        given = app.config.get("USERS_ADMIN_PASSWORD")
        password = given or secrets.token_urlsafe(12)
        try:
            values = clean_user({"email": email, "password": password})
        except ValidationError as error:
            raise RuntimeError(
                f"Cannot create the admin account: {error} (check USERS_ADMIN_EMAIL and "
                "USERS_ADMIN_PASSWORD)."
            ) from None
        with app.app_context():
            password_hash = auth.hash_password(password)
        assert values.email is not None
        admin = User(name="Admin", email=values.email, role="admin", password_hash=password_hash)
        session.add(admin)
        session.commit()  # joins the outer transaction; committed with the migrations
    if given:
        return f" * Created the admin account {email} (password from USERS_ADMIN_PASSWORD)."
    return (
        f" * Created the admin account {email} with the password: {password}\n"
        " * It is shown only this once; sign in and change it on the account's edit page."
    )


@contextmanager
def _interprocess_lock(directory: str) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, LOCK_FILE), "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
