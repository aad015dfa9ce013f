"""Engine, sessions and schema migrations for the facilitator store.

SQLite (a file under the matcher home) is the embedded default, opened in WAL mode with
foreign keys enforced; PostgreSQL is used when a ``postgresql+psycopg://`` URL is given.
The schema is owned by the Alembic migrations shipped in ``api/migrations`` and brought to
``head`` when a :class:`Store` is opened, so a new install and an upgraded one end up with
the same tables; opening also drops the staging tables of imports that were killed
(:meth:`Store.tidy`).

:func:`open_store` is how commands and the server open it: a store is created only when
asked (``matcher init``, ``demo``, ``import``), so a mistyped home or URL is an error naming
the path rather than a new empty store; set-up mistakes (driver not installed, server down,
database missing, ``postgres://`` URL) become one-line :class:`StoreError` messages.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from matcher.data.errors import MatcherError
from matcher.i18n import t

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str, busy_timeout_s: float = 30.0, pool_size: int | None = None) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout (a writer
    waits that long for another's transaction, then fails: the API answers 503); PostgreSQL
    gets the same bound as its lock timeout. ``pool_size``: connections kept (the server
    sizes it to its worker threads, so no request waits for a connection another holds)."""
    parsed = make_url(url)
    pool = (
        {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 4, "pool_timeout": 60}
    )
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            pool_pre_ping=True,
            **pool,
            connect_args={"options": f"-c lock_timeout={int(busy_timeout_s * 1000)}"}
            if "options" not in (parsed.query or {})
            else {},
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if parsed.database in (None, "", ":memory:"):
        pool = {}  # an in-memory database is one connection (SingletonThreadPool/StaticPool)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s}, **pool
    )

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

    def __init__(
        self,
        url: str,
        *,
        migrate: bool = True,
        busy_timeout_s: float = 30.0,
        pool_size: int | None = None,
    ):
        self.url = url
        self.engine = make_engine(url, busy_timeout_s, pool_size)
        if migrate:
            upgrade(self.engine)
            self.tidy()
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

    def tidy(self) -> list[str]:
        """Drop what killed processes left behind (``staging_*`` tables of imports that are
        no longer running; see :mod:`api.store.staging`); returns the dropped tables.
        Housekeeping: a failure is logged, never stops the store from opening."""
        from api.store.staging import drop_orphan_staging

        try:
            dropped = drop_orphan_staging(self.engine)
        except SQLAlchemyError as exc:
            log.warning("could not drop leftover staging tables: %s", exc)
            return []
        if dropped:
            log.info("dropped %d staging table(s) left by killed imports", len(dropped))
        return dropped

    def dispose(self) -> None:
        self.engine.dispose()


class StoreError(MatcherError):
    """The store cannot be opened because of how it is set up (a user's fix, not a bug)."""


def open_store(settings, *, create: bool = False) -> Store:
    """The store named by :class:`api.settings.Settings`, schema brought to head.

    Without ``create`` a store that does not exist yet (no SQLite file, or a database
    without matcher's tables) is a :class:`StoreError` naming where it looked.
    """
    return connect(
        settings.resolved_database_url(),
        create=create,
        busy_timeout_s=getattr(settings, "db_busy_timeout_s", 30.0),
        pool_size=getattr(settings, "db_pool_size", None),
    )


def display_url(url: str) -> str:
    """``url`` without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def store_exists(url: str) -> bool:
    """Whether ``url`` names a SQLite file that exists (other databases: always True)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return True  # not ours to judge here: connect() says what is wrong with it
    return (
        parsed.get_backend_name() != "sqlite"
        or parsed.database in (None, "", ":memory:")
        or Path(parsed.database).exists()
    )


def connect(
    url: str, *, create: bool = False, busy_timeout_s: float = 30.0, pool_size: int | None = None
) -> Store:
    parsed = _parse(url)
    shown = display_url(url)
    if not create and not store_exists(url):
        raise StoreError(t("cli.store.missing", path=parsed.database))
    with _setup_errors(parsed, shown):
        store = Store(url, migrate=False, busy_timeout_s=busy_timeout_s, pool_size=pool_size)
        try:
            if not create and not inspect(store.engine).has_table("alembic_version"):
                raise StoreError(t("cli.store.not_initialised", url=shown))
            upgrade(store.engine)
            store.tidy()
        except BaseException:
            store.dispose()
            raise
    return store


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(t("cli.store.bad_url", url=url, reason=exc)) from None
    # postgres:// is not a SQLAlchemy name; postgresql:// means psycopg2, which we do not ship
    if parsed.drivername in ("postgres", "postgresql") or parsed.drivername.startswith("postgres+"):
        raise StoreError(t("cli.store.bad_scheme", url=parsed.render_as_string(hide_password=True)))
    return parsed


@contextmanager
def _setup_errors(parsed: URL, shown: str) -> Iterator[None]:
    """Turn a driver or connection failure into one line saying how to fix it."""
    where = {"host": parsed.host or "localhost", "port": parsed.port or 5432}
    try:
        yield
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in ("psycopg", "psycopg2", "psycopg_binary"):
            raise StoreError(t("cli.store.no_driver")) from None
        raise
    except NoSuchModuleError:
        raise StoreError(t("cli.store.bad_scheme", url=shown)) from None
    except OperationalError as exc:
        text = str(exc.orig or exc)
        if "does not exist" in text and "role" in text or "authentication failed" in text:
            key = "cli.store.auth"
        elif "does not exist" in text and "database" in text:
            key = "cli.store.no_database"
        elif any(
            w in text.lower() for w in ("connect", "refused", "timeout", "host name", "no route")
        ):
            key = "cli.store.unreachable"
        else:
            raise StoreError(
                t("cli.store.other", url=shown, reason=text.strip().splitlines()[0])
            ) from None
        raise StoreError(t(key, database=parsed.database, user=parsed.username, **where)) from None


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
