"""``matcher report programme``: what the partnership programme achieved.

Reads the store (``--home`` / ``--database-url``; outcomes with their corrections and the
offices' follow-ups) or, with ``--outcomes``, files (``--umkm``, ``--firms``, optional
``--followups``); writes ``.xlsx`` or ``.md`` with PNG charts beside it.
"""

from __future__ import annotations


def register(subparsers) -> None:
    from matcher.cli._common import add_lang, locations_parent

    p = subparsers.add_parser(
        "report", help="reports: programme (outcomes per event, region, firm, scheme)"
    )
    sub = p.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    prog = sub.add_parser(
        "programme",
        parents=[locations_parent(registry=False, store=True)],
        help="per event, region, firm and scheme: values at signing, contracted and realised, "
        "counts per stage, share contracted, pairs needing follow-up",
    )
    prog.add_argument(
        "--out", required=True, help="FILE.xlsx or FILE.md (PNG charts are written beside it)"
    )
    prog.add_argument("--event", help="only pairs of this event")
    prog.add_argument(
        "--region", help="only UMKM in PROVINCE or PROVINCE/REGENCY (e.g. Jatim/Pamekasan)"
    )
    prog.add_argument("--outcomes", help="read outcomes from this file instead of the store")
    prog.add_argument("--umkm", help="UMKM profiles (with --outcomes)")
    prog.add_argument("--firms", help="firm profiles (with --outcomes)")
    prog.add_argument("--followups", help="follow-ups file (with --outcomes; optional)")
    add_lang(prog)
    prog.set_defaults(handler=_programme)


def _programme(args) -> int:
    from api.store import Region
    from api.store.accounts import canonical_region
    from matcher.cli._common import echo, say
    from matcher.data.errors import MatcherError
    from matcher.i18n import Message, format_number, t, text_in
    from matcher.programme import programme_report, write_programme_report

    region = canonical_region(Region.parse(args.region)) if args.region else None
    if args.outcomes:
        if not (args.umkm and args.firms):
            raise MatcherError(Message("cli.args.outcomes_need_profiles"))
        from matcher.data.loaders import load_firms, load_followups, load_outcomes, load_umkm

        umkm, firms = load_umkm(args.umkm), load_firms(args.firms)
        outcomes = load_outcomes(args.outcomes, umkm, firms, latest_only=False)
        followups = load_followups(args.followups, umkm, firms) if args.followups else None
        source = args.outcomes
    else:
        from api.store import FIRMS, UMKM, load_frame
        from api.store.outcomes import current_outcomes, followups_frame
        from matcher.cli._common import open_store

        store = open_store(args)
        try:
            with store.session() as session:
                umkm, firms = load_frame(session, UMKM), load_frame(session, FIRMS)
                outcomes, followups = current_outcomes(session), followups_frame(session)
        finally:
            store.dispose()
        source = Message("cli.report.store")
    report = programme_report(
        outcomes, followups, umkm, firms, event=args.event, region=region, lang=args.lang
    )
    files = write_programme_report(report, args.out, lang=args.lang)
    tot = report.totals

    def n(value) -> str:
        return format_number(value, lang=args.lang)

    say(
        t(
            "cli.report.summary",
            args.lang,
            n=n(len(outcomes)),
            source=text_in(source, args.lang),
            pairs=n(tot["pairs"]),
            contracted=n(tot["contracted"]),
            follow_up=n(tot["needs_follow_up"]),
        )
    )
    for f in files:
        echo(str(f))
    return 0
