"""SQLAlchemy 2.x for Erlen apps: one engine per app, one session per request.

    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
    from erlen.ext.sqlalchemy import SQLAlchemy

    class Base(DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)

    class Note(Base):
        __tablename__ = "notes"
        id: Mapped[int] = mapped_column(primary_key=True)

    def create_app():
        app = Erlen(__name__)
        db.init_app(app)
        return app

    @app.get("/notes/<int:note_id>")
    def note(note_id):
        return {"id": db.session.get(Note, note_id).id}

Settings, read in :meth:`SQLAlchemy.init_app`:

- ``DATABASE_URL``: where the data lives; ``sqlite:///<instance_path>/app.sqlite3`` by default
  (the instance folder is created). ``postgresql+psycopg://user:pass@host/db`` for PostgreSQL.
- ``DATABASE_ENGINE_OPTIONS``: keyword arguments for :func:`sqlalchemy.create_engine`.

``db.session`` is created on first use in an application context (every request has one), kept
on ``g``, and closed when the context ends: a transaction that was not committed is rolled back
then, so a view that fails half-way leaves nothing half-written. The engine is not a module
global: it lives in ``app.extensions["sqlalchemy.state"]``, so several apps (or a test's apps)
in one process each have their own.

Why ``model_class``: type checkers cannot use an instance attribute (``db.Model``) as a base
class, so typed code declares its own ``DeclarativeBase`` subclass and hands it over;
``db.Model`` is that class (or a fresh one when none is given).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from erlen.app.context import current_app, g

if TYPE_CHECKING:
    from erlen.adapters.erlen import Erlen

__all__ = ["SQLAlchemy", "DatabaseState"]

EXTENSION_KEY = "sqlalchemy"
STATE_KEY = "sqlalchemy.state"


class DatabaseState:
    """What one app's database needs: its engine and the factory of its sessions."""

    __slots__ = ("engine", "session_factory")

    def __init__(self, engine: Engine, session_factory: sessionmaker[Session]) -> None:
        self.engine = engine
        self.session_factory = session_factory


class SQLAlchemy:
    """The database extension: ``db.engine``, ``db.session``, ``db.Model``.

    ``session_options`` are passed to :class:`sqlalchemy.orm.sessionmaker`;
    ``engine_options`` are defaults that ``DATABASE_ENGINE_OPTIONS`` overrides.
    """

    Model: type[DeclarativeBase]

    def __init__(
        self,
        app: Erlen | None = None,
        *,
        model_class: type[DeclarativeBase] | None = None,
        engine_options: dict[str, Any] | None = None,
        session_options: dict[str, Any] | None = None,
    ) -> None:
        if model_class is None:

            class Model(DeclarativeBase):
                """The declarative base of this extension's models."""

            model_class = Model
        self.Model = model_class
        self._engine_options = dict(engine_options or {})
        self._session_options = dict(session_options or {})
        # One key per extension instance, so two databases in one app keep separate sessions.
        self._g_key = f"_erlen_sqlalchemy_session_{id(self):x}"
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Erlen) -> None:
        """Create the app's engine and close its sessions when each app context ends."""
        default_url = f"sqlite:///{os.path.join(app.instance_path, 'app.sqlite3')}"
        url = str(app.config.setdefault("DATABASE_URL", default_url))
        options = {**self._engine_options, **app.config.setdefault("DATABASE_ENGINE_OPTIONS", {})}
        if url == default_url:
            os.makedirs(app.instance_path, exist_ok=True)
        engine = create_engine(url, **options)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        factory = sessionmaker(bind=engine, **self._session_options)
        app.extensions[EXTENSION_KEY] = self
        app.extensions[STATE_KEY] = DatabaseState(engine, factory)
        app.teardown_appcontext(self._close_session)

    # -- per app -----------------------------------------------------------------------------

    def get_state(self, app: Erlen | None = None) -> DatabaseState:
        """The engine and session factory of ``app`` (the current app by default)."""
        target = app if app is not None else current_app
        try:
            state = target.extensions[STATE_KEY]
        except KeyError:
            raise RuntimeError(
                "The SQLAlchemy extension is not set up on this app: call db.init_app(app) in "
                "the app factory."
            ) from None
        assert isinstance(state, DatabaseState)
        return state

    @property
    def engine(self) -> Engine:
        """The current app's engine."""
        return self.get_state().engine

    # -- per request -------------------------------------------------------------------------

    @property
    def session(self) -> Session:
        """The session of the current app context, created on first use."""
        session: Session | None = g.get(self._g_key)
        if session is None:
            session = self.get_state().session_factory()
            setattr(g, self._g_key, session)
        return session

    def _close_session(self, error: BaseException | None) -> None:
        session: Session | None = g.pop(self._g_key, None)
        if session is None:
            return
        try:
            if error is not None:
                session.rollback()
        finally:
            session.close()  # rolls back whatever was not committed

    # -- schema ------------------------------------------------------------------------------

    def create_all(self, app: Erlen | None = None) -> None:
        """Create the models' tables that do not exist yet (tests; apps use migrations)."""
        self.Model.metadata.create_all(self.get_state(app).engine)

    def drop_all(self, app: Erlen | None = None) -> None:
        """Drop the models' tables."""
        self.Model.metadata.drop_all(self.get_state(app).engine)

    def dispose(self, app: Erlen | None = None) -> None:
        """Close the engine's pooled connections (before a fork, or at the end of a test)."""
        self.get_state(app).engine.dispose()


def _enable_sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite ignores FOREIGN KEY clauses unless asked, per connection.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
