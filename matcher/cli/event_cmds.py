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

from matcher import csvsafe
from matcher.cli._common import (
    add_feedback,
    add_locations,
    add_profiles,
    add_raw_csv,
    console,
    load_profiles,
    match_service,
    out,
    print_warnings,
    with_feedback,
)
from matcher.data.errors import MatcherError, suffix_shown
from matcher.i18n import Message, format_number, t


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "plan-event",
        help="plan who meets whom at an event: optimal, within every participant's capacity",
        description=(
            "Score every UMKM x firm pair among the event's participants and choose the pairs "
            "with the largest total expected value (the chances of a meeting, an MoU and a "
            "contract, weighted by --stage-weights) such that no participant exceeds its "
            "capacity, skipping pairs whose chance of a meeting is below --min-chance. "
            "Writes the plan (.csv, .parquet, or a printable .xlsx workbook with one sheet "
            "per firm) and optionally a Markdown report with charts."
        ),
    )
    add_profiles(p)
    p.add_argument(
        "--event",
        required=True,
        metavar="E",
        help="participants: columns party (umkm|firm), id, capacity (optional)",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="PLAN",
        help="plan file; .csv/.parquet (umkm_id, firm_id, score, reasons) or .xlsx",
    )
    add_locations(p)
    p.add_argument("--report", metavar="DIR", help="also write DIR/report.md with PNG charts")
    add_raw_csv(p)
    p.add_argument(
        "--min-score",
        type=float,
        metavar="X",
        help="never plan a pair scoring below X (must-include pairs excepted)",
    )
    p.add_argument(
        "--min-chance",
        type=float,
        metavar="P",
        default=None,
        help="never plan a pair whose chance of a meeting is below P (0-1; default 0.1 = 10%%)",
    )
    p.add_argument(
        "--stage-weights",
        metavar="M,O,C",
        default=None,
        help="value of reaching a meeting, an MoU and a contract (default 1,2,4: a "
        "likely contract outweighs two likely meetings)",
    )
    p.add_argument(
        "--include",
        metavar="PAIRS",
        help="file of pairs (umkm_id, firm_id) that must be in the plan",
    )
    p.add_argument(
        "--exclude",
        metavar="PAIRS",
        help="file of pairs (umkm_id, firm_id) that must not be in the plan",
    )
    p.add_argument(
        "--quota",
        action="append",
        default=[],
        metavar="REGION:N",
        help="at least N matched UMKM from REGION, a province ('Jawa Timur', "
        "'Jatim', '35') or kabupaten/kota ('Pamekasan', 'Kota Malang'); repeatable",
    )
    p.add_argument(
        "--preferences",
        metavar="FILE",
        help="who wants to meet whom: columns "
        "from_party (umkm|firm), from_id, to_id, preference (ingin|tidak); a "
        "'tidak' is a veto, never planned; wishes count more when mutual",
    )
    add_feedback(p)
    p.set_defaults(handler=cmd_plan_event)
    register_schedule(subparsers)


def cmd_plan_event(args: argparse.Namespace) -> int:
    csvsafe.use_raw(args.raw_csv)
    from matcher.data.loaders import load_event, load_pairs
    from matcher.event_report import event_summary, write_event_report
    from matcher.export import write_plan
    from matcher.planning import parse_quota, parse_stage_weights

    umkm, firms = load_profiles(args)
    with console.status(t("cli.status.loading_event")):
        event = load_event(args.event, umkm, firms)
        for spec in args.quota:  # fail on a typo before the slow steps
            parse_quota(spec, umkm)
        weights = parse_stage_weights(args.stage_weights) if args.stage_weights else None
        must = load_pairs(args.include, event) if args.include else []
        banned = load_pairs(args.exclude, event) if args.exclude else []
        prefs = None
        if args.preferences:
            from matcher.data.event_files import load_preferences

            prefs = load_preferences(args.preferences, event)
            print_warnings(prefs.attrs.get("warnings", []))
    with console.status(t("cli.status.loading_model")):
        service = match_service(args, umkm, firms)
    service = with_feedback(service, args, umkm, firms)
    n_u = int((event["party"] == "umkm").sum())
    n_f = len(event) - n_u
    with console.status(
        t("cli.status.scoring_planning", umkm=format_number(n_u), firms=format_number(n_f))
    ):
        plan = service.plan_event(
            event,
            min_score=args.min_score,
            must_include=must,
            exclude=banned,
            quotas=args.quota,
            preferences=prefs,
            min_chance=args.min_chance,
            stage_weights=weights,
        )
    with console.status(t("cli.status.writing_plan")):
        write_plan(plan, args.out, umkm=umkm, firms=firms)
        report = write_event_report(plan, umkm, firms, event, args.report) if args.report else None

    s = event_summary(plan, umkm, firms, event)
    info = plan.attrs.get("plan_info", {})
    from matcher.i18n import chance_text, format_idr, format_percent
    from matcher.i18n import format_number as n_

    def of(part, whole, share=None) -> str:
        text = t("event.cli.of", part=n_(part), whole=n_(whole))
        return text if share is None else f"{text} ({format_percent(share)})"

    table = Table(title=t("event.cli.plan_title", out=args.out), show_header=False)
    table.add_row(t("event.cli.pairs"), n_(s["pairs"]))
    table.add_row(
        t("event.cli.umkm_matched"),
        of(s["umkm_matched"], s["umkm_participants"], s["umkm_matched_share"]),
    )
    table.add_row(
        t("event.cli.capacity_used"),
        of(s["pairs"], s["firm_capacity"], s["firm_capacity_used_share"]),
    )
    if s["mean_p_contract"] == s["mean_p_contract"]:  # not NaN: the model has chances
        table.add_row(t("event.cli.mean_chance"), chance_text(s["mean_p_contract"]))
        table.add_row(
            t("event.cli.expected_value"),
            t("event.cli.within_budget", value=format_idr(s["expected_value_idr"])),
        )
    else:
        table.add_row(t("event.cli.mean_score"), f"{s['mean_score']:.3f}")
    for key in ("unmatched_umkm", "unused_firms"):
        frame = s.get(key)
        if frame is not None and len(frame):
            table.add_row(t(f"event.cli.{key}"), t("event.cli.alternatives", n=n_(len(frame))))
    for key, count in (("must_include", len(must)), ("excluded", len(banned))):
        if count:
            table.add_row(t(f"event.cli.{key}"), n_(count))
    for q in args.quota:
        table.add_row(t("event.cli.quota"), q)
    wishes = plan.attrs.get("wishes")
    if wishes:
        for side in ("umkm", "firm"):
            table.add_row(
                t(f"event.cli.wishes_{side}"),
                of(wishes[side + "_wishes_met"], wishes[side + "_wishes"]),
            )
        table.add_row(
            t("event.cli.wishes_mutual"), of(wishes["mutual_pairs_met"], wishes["mutual_pairs"])
        )
    if info:
        table.add_row(
            t("event.cli.solver"), _solver_text(info.get("method", "?"), info.get("seconds", 0))
        )
    if report is not None:
        table.add_row(t("event.cli.report"), str(Path(report)))
    out.print(table)
    unmet = plan.attrs.get("unmet_wishes")
    if unmet is not None and len(unmet):
        console.print(t("event.cli.unmet", n=n_(len(unmet))))
        for r in unmet.head(10).itertuples():
            console.print(f"  {r.from_party} {r.from_id} -> {r.to_id}: {r.explanation}")
    return 0


# --------------------------------------------------------------------------- schedule-event


def _add_day(p: argparse.ArgumentParser) -> None:
    p.add_argument("--start", default="09:00", metavar="HH:MM", help="first slot (default 09:00)")
    p.add_argument(
        "--slot-minutes",
        type=int,
        default=20,
        metavar="N",
        help="length of a meeting slot in minutes (default 20)",
    )
    p.add_argument(
        "--break",
        dest="breaks",
        action="append",
        metavar="HH:MM-HH:MM",
        help="no meetings in this window (default 12:00-13:00; 'none' for no break); repeatable",
    )
    p.add_argument(
        "--end",
        metavar="HH:MM",
        help="no slot may end after this time (default: as long as the timetable needs)",
    )
    p.add_argument(
        "--tables", type=int, metavar="N", help="tables in the room (default: one per firm)"
    )


def _day(args: argparse.Namespace):
    from matcher.schedule import Day, parse_break, parse_clock

    spans = args.breaks or ["12:00-13:00"]
    breaks = tuple(parse_break(b) for b in spans if b.strip().lower() != "none")
    return Day(
        parse_clock(args.start, "--start"),
        args.slot_minutes,
        breaks,
        parse_clock(args.end, "--end") if args.end else None,
    )


def register_schedule(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "schedule-event",
        help="timetable a plan: a slot and a table for every meeting, nobody double-booked",
        description=(
            "Give every planned meeting a time slot and a table so that nobody is in two "
            "places at once. Without limits it uses the fewest slots possible (the largest "
            "number of meetings of any one participant); with availability windows, fewer "
            "tables or a short day it finds a timetable placing every meeting when one "
            "exists and lists the meetings that cannot be placed, with the reason."
        ),
    )
    add_profiles(p)
    p.add_argument(
        "--plan", required=True, metavar="PLAN", help="the plan from plan-event (.csv or .parquet)"
    )
    p.add_argument("--event", required=True, metavar="E", help="the event's participants")
    p.add_argument(
        "--out",
        required=True,
        metavar="SCHEDULE",
        help="timetable: .csv / .parquet (one row per meeting)",
    )
    _add_day(p)
    p.add_argument(
        "--availability",
        metavar="FILE",
        help="windows when participants can "
        "meet: columns party, id, from, to (HH:MM); several rows per participant "
        "allowed; participants not listed are free all day",
    )
    _add_pack(p)
    p.set_defaults(handler=cmd_schedule_event)
    register_replan(subparsers)


def _add_pack(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--pack",
        metavar="PACK.xlsx",
        help="also write the printable pack: "
        "summary, lists to act on, timetable by table, one agenda per firm and "
        "per UMKM (A4, Bahasa Indonesia)",
    )
    p.add_argument(
        "--preferences",
        metavar="FILE",
        help="the preferences used for the plan "
        "(for the pack: wishes met and unmet, vetoes kept out of the options)",
    )
    p.add_argument("--title", metavar="TEXT", help="the pack's title")
    add_locations(p)


def _write_pack(args, frame, event, umkm, firms, service=None, prefs=None) -> None:
    """The printable pack with the lists to act on (scored by ``service``, else the
    registry's model)."""
    from matcher.data.event_files import load_preferences
    from matcher.event_pack import write_pack
    from matcher.preferences import unmet_wishes, wish_tally

    if prefs is None and args.preferences:
        prefs = load_preferences(args.preferences, event)
    if service is None:
        with console.status(t("cli.status.loading_model")):
            service = match_service(args, umkm, firms)
    with console.status(t("cli.status.writing_pack")):
        held = frame[frame["status"] != "cancelled"]
        # meetings with a slot take place; the lists are the planner's (one owner)
        lists = service.event_alternatives(event, held[held["slot"].notna()], preferences=prefs)
        firm_lists, umkm_lists = lists.unused_firms(), lists.unmatched_umkm()
        plan = held[["umkm_id", "firm_id"]]
        write_pack(
            frame,
            args.pack,
            umkm,
            firms,
            title=args.title,
            firm_lists=firm_lists,
            umkm_lists=umkm_lists,
            wishes=wish_tally(prefs, held[held["slot"].notna()]) if prefs is not None else None,
            unmet=unmet_wishes(prefs, plan, schedule=held) if prefs is not None else None,
        )
    console.print(
        t(
            "event.cli.pack_written",
            path=args.pack,
            firms=format_number(len(firm_lists)),
            umkm=format_number(len(umkm_lists)),
        ),
        markup=False,
        highlight=False,
    )


def _read_plan(path: str):
    import pandas as pd

    from matcher.data.loaders import read_table

    plan = read_table(path)
    missing = {"umkm_id", "firm_id"} - set(plan.columns)
    if missing:
        raise MatcherError(
            Message("cli.output.not_plan", path=str(path), columns=", ".join(sorted(missing)))
        )
    if "score" in plan:
        plan["score"] = pd.to_numeric(plan["score"], errors="coerce")
    return plan


def _write_table(frame, path: str) -> Path:
    from matcher.atomic import write_atomic

    ext = Path(path).suffix.lower()
    if ext == ".csv":
        return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8"))
    if ext == ".parquet":
        return write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))
    raise MatcherError(Message("cli.output.table_format", path=str(path), ext=suffix_shown(path)))


def cmd_schedule_event(args: argparse.Namespace) -> int:
    from matcher.data.event_files import load_availability
    from matcher.data.loaders import load_event
    from matcher.schedule import schedule_plan

    umkm, firms = load_profiles(args)
    day = _day(args)
    with console.status(t("cli.status.loading_plan_event")):
        event = load_event(args.event, umkm, firms)
        plan = _read_plan(args.plan)
        windows = load_availability(args.availability, event) if args.availability else None
    with console.status(t("cli.status.timetabling", n=format_number(len(plan)))):
        frame, tt = schedule_plan(
            plan, event, day, tables=args.tables, availability=windows, umkm=umkm, firms=firms
        )
    _write_table(frame, args.out)
    if args.pack:
        _write_pack(args, frame, event, umkm, firms)
    from matcher.i18n import format_number as n_

    table = Table(title=t("event.cli.timetable_title", out=args.out), show_header=False)
    table.add_row(
        t("event.cli.placed"),
        t("event.cli.of", part=n_(int(tt.placed.sum())), whole=n_(len(frame))),
    )
    table.add_row(
        t("event.cli.slots"), t("event.cli.slots_value", used=tt.slots_used, bound=tt.lower_bound)
    )
    placed = frame[frame["slot"].notna()]
    if len(placed):
        table.add_row(t("event.cli.day"), f"{placed['start'].min()}-{placed['end'].max()}")
    moves = tt.info["table_moves"]
    table.add_row(
        t("event.cli.tables"),
        f"{int(placed['table'].max()) if len(placed) else 0}"
        + (t("event.cli.table_moves", n=moves) if moves else ""),
    )
    table.add_row(t("event.cli.solver"), _solver_text(tt.info["method"], tt.info["seconds"]))
    out.print(table)
    left = frame[frame["slot"].isna()]
    if len(left):
        console.print(f"[red]{t('event.cli.unplaced', n=n_(len(left)))}[/]")
        for r in left.head(20).itertuples():
            console.print(f"  {r.umkm_id} ({r.umkm_name}) - {r.firm_id} ({r.firm_name}): {r.note}")
        if len(left) > 20:
            console.print(
                "  " + t("event.cli.unplaced_more", n=n_(len(left) - 20), path=args.out),
                markup=False,
                highlight=False,
            )
    return 0


# --------------------------------------------------------------------------- replan-event


def register_replan(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "replan-event",
        help="re-plan during the event: keep what happened, refill places freed by absentees "
        "and walk-ins",
        description=(
            "Meetings that started before --now stay exactly as they were; later meetings of "
            "absent participants are cancelled; every other meeting stays where it is. The "
            "free places (cancelled meetings' partners, unused capacity, walk-ins) are filled "
            "with the best new meetings that fit the remaining slots. The output marks each "
            "row held / unchanged / cancelled / new: only people on cancelled and new rows "
            "need to be told."
        ),
    )
    add_profiles(p)
    p.add_argument(
        "--schedule",
        required=True,
        metavar="SCHEDULE",
        help="the current timetable (.csv/.parquet from schedule-event or replan-event)",
    )
    p.add_argument("--event", required=True, metavar="E", help="the event's participants")
    p.add_argument(
        "--now",
        required=True,
        metavar="HH:MM",
        help="meetings starting before this time are held and never move",
    )
    p.add_argument(
        "--absent",
        nargs="*",
        default=[],
        metavar="ID",
        help="IDs of participants who did not come (UMKM or firm)",
    )
    p.add_argument(
        "--walk-in",
        metavar="FILE",
        help="participants who joined: columns party, "
        "id, capacity (optional), as in the event file",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="NEW_SCHEDULE",
        help="the new timetable (.csv/.parquet), with a status column",
    )
    p.add_argument(
        "--min-score", type=float, metavar="X", help="never propose a new pair scoring below X"
    )
    p.add_argument(
        "--tables", type=int, metavar="N", help="tables in the room (default: one per firm)"
    )
    _add_pack(p)
    p.set_defaults(handler=cmd_replan_event)


def cmd_replan_event(args: argparse.Namespace) -> int:
    import pandas as pd

    from matcher.data.event_files import load_preferences
    from matcher.data.loaders import load_event
    from matcher.preferences import preference_matrices
    from matcher.replan import replan_schedule
    from matcher.schedule import event_sides, parse_clock

    umkm, firms = load_profiles(args)
    now = parse_clock(args.now, "--now")
    with console.status(t("cli.status.loading_schedule_event")):
        event = load_event(args.event, umkm, firms)
        if args.walk_in:
            walk = load_event(args.walk_in, umkm, firms)
            again = walk.merge(event, on=["party", "id"])
            if len(again):
                raise MatcherError(
                    Message("event.walk_in_again", path=args.walk_in, ids=", ".join(again["id"]))
                )
            event = pd.concat([event, walk], ignore_index=True)
        schedule = _read_schedule(args.schedule)
        prefs = load_preferences(args.preferences, event) if args.preferences else None
    with console.status(t("cli.status.loading_model")):
        service = match_service(args, umkm, firms)
    u_ids, f_ids = event_sides(event)
    with console.status(t("cli.status.scoring_room")):
        scores = service.score_matrix(u_ids, f_ids)
    pm = preference_matrices(prefs, u_ids, f_ids)
    new, info = replan_schedule(
        schedule,
        event,
        scores,
        now,
        args.absent,
        value=scores * pm.multiplier(),
        vetoed=pm.vetoed,
        min_score=args.min_score,
        tables=args.tables,
        umkm=umkm,
        firms=firms,
        explain=service.explain,
    )
    _write_table(new, args.out)
    if args.pack:
        _write_pack(args, new, event, umkm, firms, service, prefs)
    from matcher.i18n import format_number as n_

    table = Table(title=t("event.cli.replan_title", out=args.out), show_header=False)
    for key in ("held", "unchanged", "cancelled", "new"):
        table.add_row(t(f"event.cli.status_{key}"), n_(info[key]))
    table.add_row(
        t("event.cli.replanning"),
        t(
            "event.cli.replanning_value",
            seconds=f"{info['seconds']:.3f}",
            candidates=n_(info["candidates"]),
            slots=info["slots_left"],
        ),
    )
    out.print(table)
    changed = new[new["status"].isin(["cancelled", "new"])]
    if len(changed):
        out.print(f"[bold]{t('event.cli.tell')}[/]")
        for r in changed.itertuples():
            out.print(
                f"  {r.status:9} {r.start}-{r.end} {t('event.cli.table', n=r.table)}: "
                f"{r.umkm_name} ({r.umkm_id}) - {r.firm_name} ({r.firm_id})",
                markup=False,
                highlight=False,
            )
    return 0


def _read_schedule(path: str):
    import pandas as pd

    from matcher.data.loaders import read_table
    from matcher.schedule import CHANCE_COLUMNS, SCHEDULE_COLUMNS

    frame = read_table(path)
    missing = [c for c in SCHEDULE_COLUMNS if c not in frame.columns]
    if missing:
        raise MatcherError(
            Message("cli.output.not_schedule", path=str(path), columns=", ".join(missing))
        )
    for c in ("slot", "table"):
        frame[c] = pd.to_numeric(frame[c].replace("", None), errors="coerce").astype("Int64")
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    extra = [c for c in CHANCE_COLUMNS if c in frame]
    for c in extra:
        frame[c] = pd.to_numeric(frame[c].replace("", None), errors="coerce")
    return frame.loc[:, list(SCHEDULE_COLUMNS) + extra]


def _solver_text(method: str, seconds: float) -> str:
    """``hungarian, 0,03 detik``: the solver and its time in the reader's number format."""
    return t("event.cli.solver_time", method=method, seconds=format_number(seconds, 2))
