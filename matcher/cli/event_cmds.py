"""``matcher plan-event``: the optimal capacity-aware plan for a matchmaking event.

Thin by design: it loads and validates the files, asks the service to score the room, plan
it and explain the pairs (:meth:`matcher.service.MatchService.plan_event`, which calls
:func:`matcher.planning.plan_event`), writes the plan (and optionally the report), and
prints a summary.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.table import Table

from matcher.cli._common import add_profiles, add_registry, console, load_profiles, out

def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "plan-event",
        help="plan who meets whom at an event: optimal, within every participant's capacity",
        description=(
            "Score every UMKM x firm pair among the event's participants and choose the pairs "
            "with the largest total score such that no participant exceeds its capacity. "
            "Writes the plan (.csv, .parquet, or a printable .xlsx workbook with one sheet "
            "per firm) and optionally a Markdown report with charts."),
    )
    add_profiles(p)
    p.add_argument("--event", required=True, metavar="E",
                   help="participants: columns party (umkm|firm), id, capacity (optional)")
    p.add_argument("--out", required=True, metavar="PLAN",
                   help="plan file; .csv/.parquet (umkm_id, firm_id, score, reasons) or .xlsx")
    add_registry(p)
    p.add_argument("--report", metavar="DIR", help="also write DIR/report.md with PNG charts")
    p.add_argument("--min-score", type=float, metavar="X",
                   help="never plan a pair scoring below X (must-include pairs excepted)")
    p.add_argument("--include", metavar="PAIRS", help="file of pairs (umkm_id, firm_id) that "
                   "must be in the plan")
    p.add_argument("--exclude", metavar="PAIRS", help="file of pairs (umkm_id, firm_id) that "
                   "must not be in the plan")
    p.add_argument("--quota", action="append", default=[], metavar="REGION:N",
                   help="at least N matched UMKM from REGION, a province ('Jawa Timur', "
                   "'Jatim', '35') or kabupaten/kota ('Pamekasan', 'Kota Malang'); repeatable")
    p.set_defaults(handler=cmd_plan_event)


def cmd_plan_event(args: argparse.Namespace) -> int:
    from matcher.data.loaders import load_event, load_pairs
    from matcher.event_report import event_summary, write_event_report
    from matcher.export import write_plan
    from matcher.planning import parse_quota
    from matcher.service import MatchService

    umkm, firms = load_profiles(args)
    with console.status("loading event"):
        event = load_event(args.event, umkm, firms)
        for spec in args.quota:  # fail on a typo before the slow steps
            parse_quota(spec, umkm)
        must = load_pairs(args.include, event) if args.include else []
        banned = load_pairs(args.exclude, event) if args.exclude else []
    with console.status("loading model"):
        service = MatchService.from_registry(args.registry, umkm, firms)
    n_u = int((event["party"] == "umkm").sum())
    n_f = len(event) - n_u
    with console.status(f"scoring {n_u:,} x {n_f:,} pairs and planning"):
        plan = service.plan_event(event, min_score=args.min_score, must_include=must,
                                  exclude=banned, quotas=args.quota)
    with console.status("writing plan"):
        write_plan(plan, args.out, umkm=umkm, firms=firms)
        report = (write_event_report(plan, umkm, firms, event, args.report)
                  if args.report else None)

    s = event_summary(plan, umkm, firms, event)
    info = plan.attrs.get("plan_info", {})
    table = Table(title=f"Event plan -> {args.out}", show_header=False)
    table.add_row("pairs planned", f"{s['pairs']:,}")
    table.add_row("UMKM matched", f"{s['umkm_matched']:,} of {s['umkm_participants']:,} "
                                  f"({s['umkm_matched_share']:.0%})")
    table.add_row("firm capacity used", f"{s['pairs']:,} of {s['firm_capacity']:,} places "
                                        f"({s['firm_capacity_used_share']:.0%})")
    table.add_row("mean score", f"{s['mean_score']:.3f}")
    if s["expected_value_idr"]:
        table.add_row("expected contract value", f"Rp {s['expected_value_idr']:,.0f}")
    for label, n in (("must-include pairs", len(must)), ("excluded pairs", len(banned))):
        if n:
            table.add_row(label, f"{n:,}")
    for q in args.quota:
        table.add_row("quota", q)
    if info:
        table.add_row("solver", f"{info.get('method', '?')}, {info.get('seconds', 0):.2f} s")
    if report is not None:
        table.add_row("report", str(Path(report)))
    out.print(table)
    return 0
