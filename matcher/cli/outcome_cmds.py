"""``matcher outcomes history|correct|void``: read a pair's history, put a mistake right.

The store's function API (:mod:`api.store.outcomes`) does the work, as for the API routes
and the web pages. A correction or void needs a reason; who made it is ``--by`` (default:
the login name).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass

from matcher.cli.console import echo
from matcher.data.errors import MatcherError
from matcher.i18n import Message


def _add_revision_args(p: argparse.ArgumentParser) -> None:
    """What every revision (a correction or a void) names: the outcome, why, and who."""
    p.add_argument("outcome_id", type=int, help="outcome number, as `outcomes history` shows it")
    p.add_argument("--reason", required=True, help="why (kept in the history)")
    p.add_argument("--by", help="who asks for the change (default: your login name)")


def register(subparsers) -> None:
    from matcher.cli._common import add_lang, locations_parent

    common = locations_parent(registry=False, store=True)
    p = subparsers.add_parser("outcomes", help="outcomes in the store: history, correct, void")
    sub = p.add_subparsers(dest="outcomes_command", metavar="ACTION", required=True)

    h = sub.add_parser(
        "history",
        parents=[common],
        help="every outcome of a pair with its corrections, and its follow-ups",
    )
    h.add_argument("umkm_id", help="the UMKM's ID")
    h.add_argument("firm_id", help="the firm's ID")
    add_lang(h)
    h.set_defaults(handler=_history)

    c = sub.add_parser(
        "correct",
        parents=[common],
        help="correct an outcome (only the values given change); the old value stays in the history",
    )
    _add_revision_args(c)
    c.add_argument("--stage", help="the corrected furthest stage")
    c.add_argument("--date", type=_date, help="YYYY-MM-DD")
    c.add_argument(
        "--contract-value", type=float, dest="contract_value_idr", help="contract value in rupiah"
    )
    c.add_argument(
        "--realised-value", type=float, dest="realised_value_idr", help="realised value in rupiah"
    )
    c.add_argument("--scheme", help="the partnership scheme")
    c.add_argument("--event", dest="event_id", help="the event the pair met at")
    c.add_argument("--declined-by", choices=["umkm", "firm"], help="which side said no")
    c.set_defaults(handler=_correct)

    v = sub.add_parser(
        "void",
        parents=[common],
        help="void an outcome (it stops counting; the record and the reason stay)",
    )
    _add_revision_args(v)
    v.set_defaults(handler=_void)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def _by(args) -> str:
    return args.by or getpass.getuser()


def _history(args) -> int:
    from api.store.outcomes import followups_frame, pair_history
    from matcher.cli._common import open_store
    from matcher.i18n import t
    from matcher.outcome_words import status_name, values_text

    lang = args.lang
    store = open_store(args)
    try:
        with store.session() as session:
            states = pair_history(session, args.umkm_id, args.firm_id)
            follow = followups_frame(session, args.umkm_id, args.firm_id)
    finally:
        store.dispose()
    echo(t("outcomes.history.title", lang, umkm=args.umkm_id, firm=args.firm_id))
    if not states and follow.empty:
        echo(t("outcomes.history.none", lang))
        return 0
    for s in states:
        o = s.outcome
        echo(
            t(
                "outcomes.history.recorded",
                lang,
                id=o.id,
                at=f"{o.recorded_at:%Y-%m-%d %H:%M}",
                by=o.recorded_by or "-",
                source=o.source,
                values=values_text(vars_of(o), lang),
            )
        )
        for r in s.revisions:
            at = f"{r.revised_at:%Y-%m-%d %H:%M}"
            if r.action == "void":
                echo(
                    t(
                        "outcomes.history.voided",
                        lang,
                        at=at,
                        by=r.revised_by or "-",
                        reason=r.reason,
                    )
                )
            else:
                echo(
                    t(
                        "outcomes.history.corrected",
                        lang,
                        at=at,
                        by=r.revised_by or "-",
                        values=values_text(vars_of(r), lang),
                        reason=r.reason,
                    )
                )
        if s.revisions:
            echo(
                t("outcomes.history.current", lang, values=values_text(s.current, lang))
                if s.current
                else t("outcomes.history.current_void", lang)
            )
    if not follow.empty:
        echo(t("outcomes.history.followups", lang))
        for f in follow.itertuples(index=False):
            echo(
                t(
                    "outcomes.history.followup",
                    lang,
                    date=f"{f.date:%Y-%m-%d}",
                    status=status_name(f.status, lang),
                    office=f.office or "-",
                    person=f.person or "-",
                    next_step=f.next_step or "-",
                    next_date="-"
                    if f.next_date is None or f.next_date != f.next_date
                    else f"{f.next_date:%Y-%m-%d}",
                    note=f.note or "-",
                )
            )
    return 0


def vars_of(row) -> dict:
    from api.store.outcomes import VALUE_FIELDS

    return {k: getattr(row, k) for k in VALUE_FIELDS}


def _correct(args) -> int:
    from api.store.outcomes import correct_outcome, outcome_state
    from matcher.cli._common import open_store
    from matcher.i18n import t

    fields = (
        "stage",
        "date",
        "contract_value_idr",
        "realised_value_idr",
        "scheme",
        "event_id",
        "declined_by",
    )
    changes = {f: getattr(args, f) for f in fields if getattr(args, f) is not None}
    if not changes:
        raise MatcherError(
            Message(
                "cli.args.nothing_to_correct",
                options="--stage, --date, --contract-value, --realised-value, --scheme, "
                "--event, --declined-by",
            )
        )
    store = open_store(args)
    try:
        with store.transaction() as session:
            correct_outcome(session, args.outcome_id, reason=args.reason, by=_by(args), **changes)
            o = outcome_state(session, args.outcome_id).outcome
    finally:
        store.dispose()
    echo(t("outcomes.done.corrected", None, id=args.outcome_id, umkm=o.umkm_id, firm=o.firm_id))
    return 0


def _void(args) -> int:
    from api.store.outcomes import outcome_state, void_outcome
    from matcher.cli._common import open_store
    from matcher.i18n import t

    store = open_store(args)
    try:
        with store.transaction() as session:
            void_outcome(session, args.outcome_id, reason=args.reason, by=_by(args))
            o = outcome_state(session, args.outcome_id).outcome
    finally:
        store.dispose()
    echo(t("outcomes.done.voided", None, id=args.outcome_id, umkm=o.umkm_id, firm=o.firm_id))
    return 0
