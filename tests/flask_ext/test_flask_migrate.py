"""Flask-Migrate on Erlen: init, migrate and upgrade a SQLite database in a temporary folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa
from flask_migrate import Migrate, init, migrate, upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

pytestmark = [
    pytest.mark.wsgi_only,  # no requests: migrations run in an app context or the CLI
    # Flask-Migrate's generated env.py tries Flask-SQLAlchemy 2's get_engine() first; version 3
    # warns about it under Flask as well.
    pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning"),
]


def make_app(tmp_path: Path) -> tuple[flask.Flask, Path]:
    """An app with one model and Migrate set up; returns it and its database file."""

    class Base(DeclarativeBase):
        pass

    app = flask.Flask(__name__)
    database = tmp_path / "app.db"
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    db = SQLAlchemy(app, model_class=Base)

    class Author(db.Model):  # type: ignore[name-defined, misc]
        __tablename__ = "author"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(sa.String(80))

    Migrate(app, db, directory=str(tmp_path / "migrations"))
    return app, database


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        return {name for (name,) in rows}


def test_init_migrate_upgrade_through_the_api(tmp_path: Path) -> None:
    app, database = make_app(tmp_path)
    with app.app_context():
        init()
        migrate(message="authors")
        upgrade()
    versions = list((tmp_path / "migrations" / "versions").glob("*_authors.py"))
    assert len(versions) == 1
    assert "op.create_table('author'" in versions[0].read_text()
    assert tables(database) == {"alembic_version", "author"}


def test_init_migrate_upgrade_through_the_db_commands(tmp_path: Path) -> None:
    app, database = make_app(tmp_path)
    runner = app.test_cli_runner()
    for args in (["db", "init"], ["db", "migrate", "-m", "authors"], ["db", "upgrade"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output, result.exception)
    assert tables(database) == {"alembic_version", "author"}
    (version_file,) = (tmp_path / "migrations" / "versions").glob("*_authors.py")
    with sqlite3.connect(database) as connection:
        (applied,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version_file.name.startswith(applied)
