"""``matcher init``, ``serve``, ``import``, ``accounts``: the facilitator service.

Every command reads the same settings as the server (``MATCHER_HOME``,
``MATCHER_DATABASE_URL``, ``MATCHER_REGISTRY``); the options below override them. Only
``init`` and ``import`` (and ``demo``) create a store; the others refuse a missing one.
"""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from matcher.cli._common import (
    add_all_errors,
    echo,
    err,
    locations_parent,
    open_store,
    out,
    print_warnings,
    settings,
)
from matcher.i18n import format_number as n_
from matcher.i18n import t, text_in


def register(subparsers) -> None:
    common = locations_parent(registry=False, store=True)

    init = subparsers.add_parser(
        "init",
        parents=[common],
        help="create the store (SQLite in the home, or the --database-url "
        "database) and bring its tables up to date",
    )
    init.set_defaults(handler=_init)

    serve = subparsers.add_parser(
        "serve", parents=[locations_parent(store=True)], help="run the HTTP API (docs at /docs)"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log detail (default info)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (default 1). Each holds its own "
        "copy of the model and ranked-list cache and follows promotions and "
        "profile changes through the registry and the store; more than the "
        "machine's cores does not help (see README, Reliability and security)",
    )
    serve.set_defaults(handler=_serve)

    imp = subparsers.add_parser(
        "import",
        parents=[common],
        help="validate a file and load it into the store (all rows or none); "
        "creates the store if there is none yet",
    )
    imp.add_argument(
        "kind", choices=["umkm", "firms", "outcomes", "followups"], help="what FILE holds"
    )
    imp.add_argument("file", help="CSV, Parquet or Excel file per the data contract")
    add_all_errors(imp)
    imp.set_defaults(handler=_import)

    acc = subparsers.add_parser("accounts", help="API accounts: add, list, revoke")
    acc_sub = acc.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    add = acc_sub.add_parser("add", parents=[common], help="make an account and print its key once")
    add.add_argument("name", help="account name (a person or an office)")
    add.add_argument(
        "--role",
        required=True,
        choices=["facilitator", "admin"],
        help="facilitator (matches, outcomes, events) or admin (also accounts and models)",
    )
    add.add_argument("--region", help="PROVINCE or PROVINCE/REGENCY a facilitator is limited to")
    add.set_defaults(handler=_accounts_add)
    lst = acc_sub.add_parser("list", parents=[common], help="list accounts (keys are never shown)")
    lst.set_defaults(handler=_accounts_list)
    rev = acc_sub.add_parser("revoke", parents=[common], help="revoke an account's key")
    rev.add_argument("name", help="account name, as shown by `matcher accounts list`")
    rev.set_defaults(handler=_accounts_revoke)


def _init(args) -> int:
    from api.store.db import display_url
    from matcher.i18n import t

    store = open_store(args, create=True)
    store.dispose()
    echo(t("cli.store.ready", url=display_url(store.url)))
    return 0


def _serve(args) -> int:
    import uvicorn

    from api.main import create_app
    from matcher.i18n import t

    if args.workers < 1:
        from matcher.data.errors import MatcherError
        from matcher.i18n import Message

        raise MatcherError(Message("cli.serve.workers", got=args.workers))
    open_store(
        args
    ).dispose()  # a missing or unreachable store: one line here, not a traceback later
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    echo(t("web.serve.open", url=f"http://{host}:{args.port}/"))
    if args.workers == 1:
        uvicorn.run(
            create_app(settings(args)), host=args.host, port=args.port, log_level=args.log_level
        )
        return 0
    # several processes: each builds its app from the environment, so the options given
    # here travel as MATCHER_* variables (the same settings every command reads)
    import os

    resolved = settings(args)
    os.environ["MATCHER_HOME"] = str(resolved.home)
    os.environ["MATCHER_DATABASE_URL"] = resolved.resolved_database_url()
    os.environ["MATCHER_REGISTRY"] = str(resolved.resolved_registry())
    os.environ["MATCHER_PROCESSES"] = str(args.workers)  # each meters 1/N of the write limits
    import socket

    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "api.main:create_app",
        factory=True,
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
    )
    sock = config.bind_socket()
    # uvicorn binds a socket without a protocol number, so asyncio does not set TCP_NODELAY
    # on the connections it accepts: every answer then waited ~40 ms for a delayed ACK
    # (Nagle). Set on the listening socket, Linux passes it on to every accepted one.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[sock]).run()
    return 0


def _import(args) -> int:
    from api.store.db import store_exists
    from api.store.importer import import_file

    url = settings(args).resolved_database_url()
    new = not store_exists(url)
    store = open_store(args, create=True)
    try:
        with err.status(t("cli.status.importing", path=args.file)):
            result = import_file(store, args.kind, args.file)
    except BaseException:
        store.dispose()
        if new:  # a failed first import leaves no empty store behind to be mistaken for data
            _remove_sqlite(url)
        raise
    store.dispose()
    print_warnings(result.warnings, most=10)
    for line in result.conflicts[:20]:
        err.print(
            f"[yellow]{t('cli.import.not_imported')}:[/] {escape(text_in(line))}", highlight=False
        )
    if len(result.conflicts) > 20:
        more = t("cli.import.more_not_imported", n=n_(len(result.conflicts) - 20))
        err.print(f"[yellow]{escape(more)}[/]")
    verb = "cli.import.upserted" if args.kind in ("umkm", "firms") else "cli.import.appended"
    line = t(
        "cli.import.done",
        kind=args.kind,
        read=n_(result.rows_in_file),
        written=t(verb, n=n_(result.rows_written)),
    )
    if result.already_stored:
        line += t("cli.import.already_stored", n=n_(result.already_stored))
    if result.conflicts:
        line += t("cli.import.conflicting", n=n_(len(result.conflicts)))
    echo(line)
    return 0


def _remove_sqlite(url: str) -> None:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    path = Path(make_url(url).database or "")
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def _accounts_add(args) -> int:
    from api.store.accounts import create_account
    from api.store.regions import Region

    region = Region.parse(args.region) if args.region else None
    store = open_store(args)
    try:
        with store.transaction() as session:
            account, key = create_account(session, args.name, args.role, region)
            scope = f"{account.province}/{account.regency}" if account.regency else account.province
    finally:
        store.dispose()
    echo(
        t(
            "cli.accounts.created",
            name=repr(args.name),
            role=args.role,
            scope=", " + scope if scope else "",
        )
    )
    echo(t("cli.accounts.key"))
    echo(key)
    return 0


def _accounts_list(args) -> int:
    from api.store.accounts import list_accounts

    store = open_store(args)
    try:
        with store.session() as session:
            accounts = list_accounts(session)
    finally:
        store.dispose()
    table = Table(
        *(
            t(f"cli.accounts.col.{c}")
            for c in ("name", "role", "region", "key_prefix", "created", "revoked")
        )
    )
    for a in accounts:
        region = "/".join(p for p in (a.province, a.regency) if p) or t("cli.accounts.all")
        table.add_row(
            a.name,
            a.role,
            region,
            a.key_prefix + "…",
            f"{a.created_at:%Y-%m-%d %H:%M}",
            f"{a.revoked_at:%Y-%m-%d %H:%M}" if a.revoked_at else "",
        )
    out.print(table)
    return 0


def _accounts_revoke(args) -> int:
    from api.store.accounts import revoke_account

    store = open_store(args)
    try:
        with store.transaction() as session:
            revoke_account(session, args.name)
    finally:
        store.dispose()
    echo(t("cli.accounts.revoked", name=repr(args.name)))
    return 0
