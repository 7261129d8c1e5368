"""Alembic's entry point for the app's migrations.

:mod:`usersapp.bootstrap` runs them at start-up with a connection it already holds (inside its
lock and transaction) and the models' metadata, both passed in ``config.attributes``. Given a
``sqlalchemy.url`` option instead, this script opens its own connection.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

config = context.config
target_metadata = config.attributes.get("target_metadata")


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


shared: Connection | None = config.attributes.get("connection")
if shared is not None:
    run(shared)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("Set the 'sqlalchemy.url' option, or run migrations from the app.")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            run(connection)
    finally:
        engine.dispose()
