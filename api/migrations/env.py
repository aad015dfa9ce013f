"""Alembic environment for the matcher store.

Migrations run programmatically (:func:`api.store.db.upgrade`), which hands over an open
connection in ``config.attributes["connection"]``; there is no alembic.ini to edit.
Developers making a new revision can run, from the repository root::

    python -m api.store.db revision -m "what changed"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from api.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=conn.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():  # pragma: no cover - offline SQL generation is not used
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
