"""Shared CLI pieces: where things live (home, registry, store: defined once here), profile
loading with a status line, tables.

Every command that reads a model or the store takes its locations from
:func:`add_locations`; the defaults come from :mod:`matcher.home` (``MATCHER_HOME``, default
``.matcher``, holding ``models/``, ``matcher.db`` and ``results/``), the same as the server's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

# the output policy lives in matcher.cli.console; re-exported for the command modules
from matcher.cli.console import (  # noqa: F401
    console,
    echo,
    err,
    make_console,
    note,
    out,
    print_table,
    print_warnings,
    progress_bar,
    say,
    status,
)


def add_locations(
    p: argparse.ArgumentParser, *, registry: bool = True, store: bool = False
) -> None:
    """``--home`` and, as asked, ``--registry`` and ``--database-url``: one definition for
    every command. Read them back with :func:`registry_dir`, :func:`settings`, :func:`open_store`."""
    p.add_argument(
        "--home",
        metavar="DIR",
        default=None,
        help="matcher home: holds models/, matcher.db and results/ "
        "(default: $MATCHER_HOME, else ./.matcher)",
    )
    if registry:
        p.add_argument(
            "--registry",
            metavar="DIR",
            default=None,
            help="model registry folder (default: $MATCHER_REGISTRY, else HOME/models)",
        )
    if store:
        p.add_argument(
            "--database-url",
            metavar="URL",
            default=None,
            help="SQLAlchemy URL of the store, e.g. postgresql+psycopg://USER@HOST/DB "
            "(default: $MATCHER_DATABASE_URL, else SQLite HOME/matcher.db)",
        )


def locations_parent(*, registry: bool = True, store: bool = False) -> argparse.ArgumentParser:
    """:func:`add_locations` as a parent parser, for command groups that share it."""
    parent = argparse.ArgumentParser(add_help=False)
    add_locations(parent, registry=registry, store=store)
    return parent


def add_lang(p: argparse.ArgumentParser) -> None:
    """``--lang id|en``: the language of what a command writes (one definition)."""
    from matcher.i18n import LANGUAGES

    p.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=None,
        help="language (default $MATCHER_LANG or id)",
    )


def add_raw_csv(p: argparse.ArgumentParser) -> None:
    """``--raw-csv``: write CSV cells as they are (one definition)."""
    from matcher import csvsafe

    p.add_argument("--raw-csv", action="store_true", help=csvsafe.RAW_HELP)


class _DeprecatedCount(argparse.Action):
    """An old spelling of a count option: stores into the new one and says so on stderr."""

    def __init__(self, option_strings, dest, new: str, **kwargs):
        self.new = new
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from matcher.i18n import t

        note(t("cli.args.deprecated", old=option_string, new=self.new))
        setattr(namespace, self.dest, values)


def add_counts(p: argparse.ArgumentParser, *, umkm: int, firms: int, what: str = "") -> None:
    """``--n-umkm N`` / ``--n-firms M``: sizes of a generated world. Elsewhere ``--umkm`` and
    ``--firms`` name files, so the counts have their own names; the old count spellings
    ``--umkm N`` / ``--firms M`` still work here, with a note on stderr."""
    p.add_argument(
        "--n-umkm",
        type=int,
        default=umkm,
        metavar="N",
        help=f"number of UMKM{what} (default {umkm})",
    )
    p.add_argument(
        "--n-firms",
        type=int,
        default=firms,
        metavar="M",
        help=f"number of firms{what} (default {firms})",
    )
    for old, new, dest in (("--umkm", "--n-umkm", "n_umkm"), ("--firms", "--n-firms", "n_firms")):
        p.add_argument(
            old, dest=dest, type=int, action=_DeprecatedCount, new=new, help=argparse.SUPPRESS
        )


def home_dir(args) -> Path:
    """``--home``, else ``$MATCHER_HOME``, else ./.matcher."""
    from matcher.home import home_dir as resolve

    return resolve(getattr(args, "home", None))


def registry_dir(args) -> Path:
    """``--registry``, else ``$MATCHER_REGISTRY``, else HOME/models."""
    from matcher.home import registry_dir as resolve

    return resolve(getattr(args, "registry", None), home_dir(args))


def settings(args, **extra):
    """The server's settings with this command's ``--home/--registry/--database-url`` on top."""
    from api.settings import Settings

    given = {
        "home": getattr(args, "home", None),
        "database_url": getattr(args, "database_url", None),
        "registry": getattr(args, "registry", None),
        **extra,
    }
    return Settings(**{k: v for k, v in given.items() if v is not None})


def open_store(args, *, create: bool = False):
    """The store these options name. Without ``create`` a missing store is an error naming
    where it looked; with it, a new one is created and the command says so."""
    from api.store.db import display_url, store_exists
    from api.store.db import open_store as open_
    from matcher.i18n import t

    conf = settings(args)
    url = conf.resolved_database_url()
    existed = store_exists(url)
    store = open_(conf, create=create)
    if create and not existed:
        say(t("cli.store.created", url=display_url(url)))
    return store


def match_service(args, umkm, firms, **options):
    """The service answering this command: the registry's current model bound to these
    profiles. ``main(argv, services=...)`` puts another source in the registry's place
    (a callable taking ``(registry_dir, umkm, firms, **options)``; tests use a stub model)."""
    from matcher.service import MatchService

    make = getattr(args, "services", None) or MatchService.from_registry
    return make(registry_dir(args), umkm, firms, **options)


def add_all_errors(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--all-errors",
        action="store_true",
        help="list every problem found in an input file (default: grouped by kind, "
        "with counts and a few examples each)",
    )


def add_profiles(p: argparse.ArgumentParser, outcomes: bool = False) -> None:
    add_all_errors(p)
    p.add_argument("--umkm", required=True, help="UMKM profiles (.csv, .parquet or .xlsx)")
    p.add_argument("--firms", required=True, help="firm profiles (.csv, .parquet or .xlsx)")
    if outcomes:
        p.add_argument("--outcomes", required=True, help="past outcomes (.csv, .parquet or .xlsx)")


def add_feedback(p: argparse.ArgumentParser) -> None:
    """--outcomes / --include-declined: recorded outcomes change the answer at once."""
    p.add_argument(
        "--outcomes",
        default=None,
        metavar="FILE",
        help="recorded outcomes: pairs declined are left out, partners are marked 'sudah bermitra'",
    )
    p.add_argument(
        "--include-declined",
        action="store_true",
        help="show declined pairs too (flagged 'pernah ditolak')",
    )


def with_feedback(service, args, umkm=None, firms=None):
    """``service`` answering with the outcomes of ``--outcomes`` (when given)."""
    from matcher.data.loaders import load_outcomes
    from matcher.i18n import t

    if not args.outcomes:
        return service.with_outcomes(None, include_declined=args.include_declined)
    lang = getattr(args, "lang", None)
    with console.status(t("cli.status.loading_outcomes", lang)):
        outcomes = load_outcomes(args.outcomes, umkm, firms if firms is not None else service.firms)
    print_warnings(outcomes.attrs.get("warnings", []), lang=lang)
    return service.with_outcomes(outcomes, include_declined=args.include_declined)


def load_profiles(args, outcomes: bool = False):
    from matcher.data.loaders import load_firms, load_outcomes, load_umkm
    from matcher.i18n import t

    lang = getattr(args, "lang", None)  # a command's --lang, else $MATCHER_LANG
    with console.status(t("cli.status.loading_profiles", lang)):
        umkm = load_umkm(args.umkm)
        firms = load_firms(args.firms)
        out_ = load_outcomes(args.outcomes, umkm, firms) if outcomes else None
    for df in (umkm, firms) + ((out_,) if outcomes else ()):
        print_warnings(df.attrs.get("warnings", []), lang=lang)
    return (umkm, firms, out_) if outcomes else (umkm, firms)
