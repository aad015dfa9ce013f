"""Engine, sessions and schema migrations for the facilitator store.

SQLite (a file under the matcher home) is the embedded default, opened in WAL mode with
foreign keys enforced; PostgreSQL is used when a ``postgresql+psycopg://`` URL is given.
The schema is owned by the Alembic migrations shipped in ``api/migrations`` and brought to
``head`` when a :class:`Store` is opened, so a new install and an upgraded one end up with
the same tables.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database schema to the newest migration (idempotent)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """One database: an engine, a session factory, and the schema kept at ``head``."""

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        self.engine = make_engine(url)
        if migrate:
            upgrade(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reads (and writes the caller commits)."""
        with self.sessions() as s:
            yield s

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        with self.sessions() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(settings) -> Store:
    """The store named by :class:`api.settings.Settings`."""
    return Store(settings.resolved_database_url())


if __name__ == "__main__":  # pragma: no cover - developer tool
    # python -m api.store.db revision -m "message" [--url sqlite:///tmp.db]
    import argparse

    p = argparse.ArgumentParser(description="make a new Alembic revision (autogenerate)")
    p.add_argument("action", choices=["revision"])
    p.add_argument("-m", "--message", required=True)
    p.add_argument("--url", default="sqlite:///.matcher/dev-migrations.db")
    a = p.parse_args()
    eng = make_engine(a.url)
    upgrade(eng)
    command.revision(alembic_config(a.url), message=a.message, autogenerate=True)
    sys.exit(0)
