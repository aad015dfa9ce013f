"""``matcher reference kbli CODE|WORDS``: what a facilitator needs beside the spreadsheet.

A code prints its title and its path from the kategori down (and its counterpart in the
other KBLI version when one is known); words search the titles; ``--stats`` prints the
number of codes per level beside the published figures.
"""

from __future__ import annotations

import argparse
import re

from matcher.cli._common import add_lang
from matcher.cli.console import echo
from matcher.data import reference as ref
from matcher.i18n import t


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "reference",
        help="look up shipped reference data (KBLI codes and titles)",
        description="Look up the shipped reference data.",
    )
    sub = p.add_subparsers(dest="table", metavar="TABLE", required=True)
    k = sub.add_parser(
        "kbli",
        help="a KBLI code's title and path, or codes whose title has the words",
        description="matcher reference kbli 10774  |  matcher reference kbli garam  |  "
        "matcher reference kbli --stats",
    )
    k.add_argument("query", nargs="*", metavar="CODE|WORDS", help="a code (any level) or words")
    k.add_argument(
        "--version",
        type=int,
        choices=ref.KBLI_VERSIONS,
        default=ref.KBLI_DEFAULT_VERSION,
        help="KBLI version (default %(default)s)",
    )
    k.add_argument(
        "--stats", action="store_true", help="codes per level, beside the published counts"
    )
    k.add_argument("--limit", type=int, default=30, help="at most this many search results")
    add_lang(k)
    k.set_defaults(handler=kbli)


def kbli(args: argparse.Namespace) -> int:
    lang, version = args.lang, args.version
    if args.stats:
        _stats(version, lang)
        if not args.query:
            return 0
    query = " ".join(args.query).strip()
    if not query:
        echo(t("reference.cli.not_found", lang, version=version, query=""))
        return 1
    if re.fullmatch(r"[A-Za-z]|\d{2,5}", query):
        return _show_code(query.upper(), version, lang)
    hits = ref.kbli_search(query, version, limit=args.limit)
    if not hits:
        echo(t("reference.cli.not_found", lang, version=version, query=query))
        return 1
    echo(t("reference.cli.search_header", lang, n=len(hits), version=version, query=query))
    for e in hits:
        echo(f"  {e.code:<6} {e.title}  [{e.level_name}]")
    return 0


def _show_code(code: str, version: int, lang: str | None) -> int:
    other = next(v for v in ref.KBLI_VERSIONS if v != version)
    entry = ref.kbli_lookup(code, version)
    if entry is None:
        echo(t("reference.cli.not_found", lang, version=version, query=code))
        if ref.kbli_exists(code, other):
            echo(
                t(
                    "reference.cli.other_version",
                    lang,
                    code=code,
                    other=other,
                    title=ref.kbli_title(code, other),
                )
            )
            linked = ref.kbli_translate(code, other, version)
            if linked:
                echo(
                    t(
                        "reference.cli.translation",
                        lang,
                        other=version,
                        codes=", ".join(f"{c} ({ref.kbli_title(c, version)})" for c in linked),
                    )
                )
                return 1
        legacy = ref.kbli_legacy(code) if version == ref.KBLI_DEFAULT_VERSION else None
        if legacy is not None:
            echo(
                t(
                    "reference.cli.legacy",
                    lang,
                    code=code,
                    title=legacy[0],
                    codes=", ".join(f"{c} ({ref.kbli_title(c, version)})" for c in legacy[1]),
                )
            )
            return 1
        near = ref.kbli_suggest(code, version)
        if near:
            echo(
                t(
                    "reference.cli.did_you_mean",
                    lang,
                    codes=", ".join(f"{c} ({ref.kbli_title(c, version)})" for c in near),
                )
            )
        return 1
    echo(f"{entry.code}  {entry.title}")
    echo(f"KBLI {version} · {entry.level_name}")
    for c, title in entry.path:
        echo(f"  {c:<6} {title}")
    linked = ref.kbli_translate(code, version, other) if entry.level == 5 else ()
    if linked:
        echo(
            t(
                "reference.cli.translation",
                lang,
                other=other,
                codes=", ".join(f"{c} ({ref.kbli_title(c, other)})" for c in linked),
            )
        )
    return 0


def _stats(version: int, lang: str | None) -> None:
    echo(
        t(
            "reference.cli.stats_title",
            lang,
            version=version,
            regulation=ref.KBLI_REGULATION[version],
        )
    )
    published = ref.KBLI_PUBLISHED_COUNTS[version]
    for level, count in ref.kbli_stats(version).items():
        want = published.get(level)
        if want is None:
            check = t("reference.cli.stats_unpublished", lang)
        elif want == count:
            check = t("reference.cli.stats_match", lang, published=want)
        else:
            check = t("reference.cli.stats_differs", lang, published=want)
        echo(t("reference.cli.stats_row", lang, level=level, count=count, check=check))
