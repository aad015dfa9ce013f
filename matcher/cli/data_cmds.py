"""``matcher validate``: check one input file against the data contract, change nothing.

Errors (every one found) go to stderr through :func:`matcher.cli.main` and exit 2; a valid
file prints a short summary and its warnings and exits 0.
"""

from __future__ import annotations

import argparse

from rich.table import Table

from matcher.cli._common import add_all_errors, out
from matcher.data import loaders
from matcher.data.errors import MatcherError
from matcher.data.normalised import write_normalised
from matcher.data.schema import KINDS
from matcher.i18n import Message, format_number, t


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check a UMKM, firm, outcomes, follow-up or event file against the data contract",
        description="Check FILE against the data contract and report every problem "
        "(file, row, column, value, expected). Exit status 2 when any error is found.",
    )
    p.add_argument("file", metavar="FILE", help="a .csv, .parquet or .xlsx file")
    p.add_argument("--kind", required=True, choices=KINDS, help="what FILE holds")
    p.add_argument(
        "--umkm", metavar="U", help="UMKM profiles (outcomes: optional; event: required)"
    )
    p.add_argument(
        "--firms", metavar="F", help="firm profiles (outcomes: optional; event: required)"
    )
    add_all_errors(p)
    p.add_argument(
        "--normalised",
        metavar="OUT.csv",
        help="also write the cleaned rows (canonical names with province_code and "
        "regency_code, KBLI codes, certificate tokens, plain numbers) to OUT.csv",
    )
    p.set_defaults(handler=validate)


def validate(args: argparse.Namespace) -> int:
    notes: list[str] = []
    if args.kind == "event" and not (args.umkm and args.firms):
        raise MatcherError(Message("cli.args.event_needs_profiles"))
    paired = ("outcomes", "followups", "event")
    if args.kind in ("umkm", "firms") and (args.umkm or args.firms):
        notes.append(t("cli.validate.profiles_ignored"))
    umkm = loaders.load_umkm(args.umkm) if args.umkm and args.kind in paired else None
    firms = loaders.load_firms(args.firms) if args.firms and args.kind in paired else None

    raw = loaders.read_table(args.file)
    source = str(args.file)
    if args.kind == "umkm":
        frame = loaders.parse_umkm(raw, source)
    elif args.kind == "firms":
        frame = loaders.parse_firms(raw, source)
    elif args.kind in ("outcomes", "followups"):
        parse = loaders.parse_outcomes if args.kind == "outcomes" else loaders.parse_followups
        frame = parse(raw, source, umkm=umkm, firms=firms)
        for label, given in (("umkm_id", umkm), ("firm_id", firms)):
            if given is None:
                option = "--umkm" if label == "umkm_id" else "--firms"
                notes.append(t("cli.validate.not_checked", column=label, option=option))
    else:
        frame = loaders.parse_event(raw, source, umkm, firms)

    if args.normalised:
        write_normalised(frame, args.normalised)
        notes.append(t("cli.validate.normalised", path=args.normalised))
    warnings = frame.attrs.get("warnings", [])
    n = format_number
    table = Table(title=t("cli.validate.title", path=source, kind=args.kind), show_header=False)
    table.add_row(t("cli.validate.rows_in_file"), n(len(raw)))
    table.add_row(t("cli.validate.kind_rows", kind=args.kind), n(len(frame)))
    table.add_row(
        t("cli.validate.columns"), f"{n(len(raw.columns))} ({', '.join(map(str, raw.columns))})"
    )
    table.add_row(t("cli.validate.warnings"), n(len(warnings)))
    out.print(table)
    for note in notes:
        out.print(f"{t('cli.note')}: {note}", markup=False, highlight=False)
    for w in warnings:
        out.print(f"{t('cli.warning')}: {w}", markup=False, highlight=False)
    return 0
