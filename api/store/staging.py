"""Who owns a ``staging_*`` table, and dropping the ones nobody owns.

A big import writes into a staging table of its own (:class:`api.store.profiles.Staging`)
and drops it at the end, whatever happens — unless the process is killed, which leaves
the table behind. Such an orphan changes nothing (nothing reads it) but would stay
forever; :func:`drop_orphan_staging` runs whenever a store is opened (every CLI command,
every server process at start) and drops the staging tables whose import is no longer
running.

"No longer running" is decided by a lock the import holds for the table's whole life and
that dies with its process, never by age (a slow 1M-row import is alive however long it
takes) or by process ID:

* **PostgreSQL**: a session-level advisory lock keyed by the table's name, held on a
  connection of its own. The server releases it when that connection ends, including when
  the process holding it is killed; this works across hosts and server processes.
* **SQLite** (a local file, so every writer is on this machine): an exclusive ``flock`` on
  ``<database>-<table>.lock`` beside the database (:mod:`matcher.owner_lock`).

The import takes its lock *before* it creates the table and drops the table *before* it
lets go, and the clean-up drops a table only while holding its lock, so a table of a
running import is never dropped, even by several processes cleaning at once.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from matcher import owner_lock

PREFIX = "staging_"


def _advisory_key(table: str) -> int:
    """A signed 64-bit advisory lock key for ``table`` (the same in every process)."""
    digest = hashlib.sha256(f"matcher:{table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _sqlite_file(engine: Engine) -> Path | None:
    """The database file of a SQLite engine (None in memory: nothing outlives the process)."""
    database = engine.url.database
    return None if database in (None, "", ":memory:") else Path(database)


def _lock_path(database: Path, table: str) -> Path:
    return database.with_name(f"{database.name}-{table}{owner_lock.LOCK_SUFFIX}")


@contextlib.contextmanager
def owned(engine: Engine, table: str) -> Iterator[None]:
    """Hold ``table``'s ownership lock for the block (create the table inside it, drop it
    before the block ends)."""
    if engine.dialect.name == "postgresql":
        key = _advisory_key(table)
        conn = engine.connect()
        try:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()  # the lock is the session's: no transaction stays open meanwhile
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
            except Exception:  # noqa: BLE001 - a connection in doubt is closed, not pooled
                conn.invalidate()  # closing the session releases its locks
            conn.close()
        return
    database = _sqlite_file(engine) if engine.dialect.name == "sqlite" else None
    if database is None:
        yield
        return
    with owner_lock.hold(_lock_path(database, table)):
        yield


def staging_tables(engine: Engine) -> list[str]:
    return sorted(t for t in inspect(engine).get_table_names() if t.startswith(PREFIX))


def drop_orphan_staging(engine: Engine) -> list[str]:
    """Drop every ``staging_*`` table whose import is not running; returns their names.

    Safe to run from several processes at once and while imports run (see the module doc).
    """
    dialect = engine.dialect.name
    dropped: list[str] = []
    if dialect == "postgresql":
        tables = staging_tables(engine)
        if not tables:
            return dropped
        with engine.connect() as conn:
            for table in tables:
                key = _advisory_key(table)
                claimed = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
                if not claimed.scalar():
                    conn.rollback()
                    continue  # a live import holds it
                try:
                    conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
                    conn.commit()
                    dropped.append(table)
                except BaseException:
                    conn.rollback()
                    raise
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return dropped
    database = _sqlite_file(engine) if dialect == "sqlite" else None
    if database is None:
        return dropped
    for table in staging_tables(engine):
        with owner_lock.claim(_lock_path(database, table)) as abandoned:
            if abandoned:
                with engine.begin() as conn:
                    conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
                dropped.append(table)
    # lock files whose table is gone (a clean-up killed between its two steps)
    stem = f"{database.name}-{PREFIX}"
    for path in database.parent.iterdir():
        if path.name.startswith(stem) and path.name.endswith(owner_lock.LOCK_SUFFIX):
            with owner_lock.claim(path):
                pass
    return dropped
