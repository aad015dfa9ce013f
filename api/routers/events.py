import tempfile
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, File, HTTPException, Query, Response, UploadFile, status
from sqlalchemy import select

from api import matching, schemas
from api.deps import PrincipalDep, SessionDep, SnapshotDep, StoreDep
from api.errors import validation_response
from api.store.accounts import Principal
from api.store.events import (
    EventIdError,
    check_new_event_id,
    create_event,
    event_id_taken,
    get_event,
    participants,
)
from api.store.models import Firm
from api.store.outcomes import outcomes_frame
from api.store.preferences import preferences_frame, replace_preferences
from api.store.profiles import FIRMS, UMKM, existing_ids, get_profile
from matcher.data.errors import DataValidationError
from matcher.data.event_files import parse_preferences
from matcher.data.loaders import read_table
from matcher.data.schema import default_capacity
from matcher.i18n import Message, t, text_in

router = APIRouter(prefix="/events", tags=["events"])


WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _event_out(session, event, visible: set[str] | None = None) -> schemas.EventOut:
    everyone = participants(session, event.event_id)
    shown = [
        p for p in everyone if visible is None or p.party != "umkm" or p.participant_id in visible
    ]
    hidden = len(everyone) - len(shown)
    return schemas.EventOut(
        event_id=event.event_id,
        name=event.name,
        date=event.date,
        created_by=event.created_by,
        participants=[schemas.ParticipantOut.model_validate(p) for p in shown],
        hidden_umkm=hidden,
        note=t("cli.events.hidden_umkm", n=hidden) if hidden else None,
    )


def _visible_event(session, principal: Principal, event_id: str):
    """The event, if the caller may see it (see :func:`_event_scope`); else 404."""
    return _event_scope(session, principal, event_id)[0]


def _event_scope(session, principal: Principal, event_id: str):
    """The event and the UMKM the caller may see in it (None: all of them).

    A facilitator scoped to a region sees an event that has at least one of its region's
    UMKM, with its own UMKM only (the response says how many others are hidden); an event
    with none of them does not exist for it (404, so nothing leaks)."""
    event = get_event(session, event_id, principal.region)
    visible = None
    if event is not None and principal.region is not None:
        umkm_ids = [
            p.participant_id for p in participants(session, event.event_id) if p.party == "umkm"
        ]
        visible = _visible_ids(session, principal, umkm_ids)
        if not visible:
            event = None
    if event is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, Message("api.error.no_event", id=repr(event_id))
        )
    return event, visible


def _visible_ids(session, principal: Principal, umkm_ids: list[str]) -> set[str]:
    if principal.region is None:
        return existing_ids(session, UMKM, umkm_ids)
    return {u for u in umkm_ids if get_profile(session, UMKM, u, principal.region) is not None}


class EventProblems(HTTPException):
    """Why an event cannot be created: the API answers the English text as before; the
    web app renders ``messages`` in its viewer's language (:meth:`text`)."""

    def __init__(self, status_code: int, messages: list):
        super().__init__(status_code, "; ".join(map(str, messages)))
        self.messages = messages

    def text(self, lang: str | None = None) -> str:
        return "; ".join(text_in(m, lang) for m in self.messages)


@router.post(
    "",
    response_model=schemas.EventOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a matchmaking event with its participants",
)
def post_event(body: schemas.EventIn, principal: PrincipalDep, store: StoreDep):
    umkm_ids = [p.id for p in body.participants if p.party == "umkm"]
    firm_ids = [p.id for p in body.participants if p.party == "firm"]
    problems = []
    keys = [(p.party, p.id) for p in body.participants]
    dupes = sorted({f"{party} {id_}" for party, id_ in keys if keys.count((party, id_)) > 1})
    if dupes:
        problems.append(Message("api.event.listed_twice", ids=", ".join(dupes)))
    if not umkm_ids or not firm_ids:
        problems.append(Message("api.event.both_sides"))
    try:
        check_new_event_id(body.event_id, principal.region)
    except EventIdError as exc:
        problems.append(exc.args[0])  # its Message: said in the reader's language
    with store.transaction() as session:
        missing_u = [u for u in umkm_ids if u not in _visible_ids(session, principal, umkm_ids)]
        missing_f = [f for f in firm_ids if f not in existing_ids(session, FIRMS, firm_ids)]
        if missing_u:
            problems.append(Message("api.event.no_umkm", ids=", ".join(map(repr, missing_u))))
        if missing_f:
            problems.append(Message("api.event.no_firm", ids=", ".join(map(repr, missing_f))))
        if problems:
            raise EventProblems(status.HTTP_422_UNPROCESSABLE_CONTENT, problems)
        if event_id_taken(session, body.event_id, principal.region):
            # only the caller's own namespace is looked at (api.store.events): another
            # region's event of that name is invisible here, and changes nothing
            raise EventProblems(
                status.HTTP_409_CONFLICT, [Message("api.event.taken", id=repr(body.event_id))]
            )
        max_partners = dict(
            session.execute(
                select(Firm.firm_id, Firm.max_partners).where(Firm.firm_id.in_(firm_ids))
            ).all()
        )
        rows = [
            (
                p.party,
                p.id,
                p.capacity or default_capacity(p.party, max_partners.get(p.id)),
            )
            for p in body.participants
        ]
        event = create_event(
            session,
            event_id=body.event_id,
            name=body.name,
            date=body.date,
            participants=rows,
            created_by=principal.name,
            region=principal.region,
        )
        return _event_out(session, event)


@router.get(
    "/{event_id}", response_model=schemas.EventOut, summary="One event and its participants"
)
def read_event(event_id: schemas.IdPath, session: SessionDep, principal: PrincipalDep):
    event, visible = _event_scope(session, principal, event_id)
    return _event_out(session, event, visible)


@router.post(
    "/{event_id}/plan",
    response_model=schemas.PlanOut,
    summary="Optimal pairs for the event: best total score within every capacity",
    description="Pairs in `must_include`/`exclude` are written either as objects "
    '`{"umkm_id": "U1", "firm_id": "F1"}` or as pairs `["U1", "F1"]`; '
    "`quotas` take `REGION:N` as `matcher plan-event --quota`. A facilitator "
    "scoped to a region gets its own UMKM's pairs; `hidden_pairs` counts the rest.",
)
def plan(
    event_id: schemas.IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    snapshot: SnapshotDep,
    body: schemas.PlanRequest | None = None,
    lang: Annotated[schemas.Lang | None, Query(description="language of the explanations")] = None,
):
    event, visible = _event_scope(session, principal, event_id)
    return matching.plan_for_event(
        snapshot,
        participants(session, event.event_id),
        body or schemas.PlanRequest(),
        visible,
        note=t("cli.events.hidden_pairs", lang),
        outcomes=outcomes_frame(session),
        preferences=preferences_frame(session, event.event_id),
        lang=lang,
    )


@router.post(
    "/{event_id}/plan.xlsx",
    response_class=Response,
    responses={200: {"content": {WORKBOOK_TYPE: {}}, "description": "the printable workbook"}},
    summary="The plan as the printable workbook `matcher plan-event --out plan.xlsx` writes",
)
def plan_workbook(
    event_id: schemas.IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    snapshot: SnapshotDep,
    body: schemas.PlanRequest | None = None,
):
    event, visible = _event_scope(session, principal, event_id)
    data = matching.plan_workbook(
        snapshot,
        participants(session, event.event_id),
        body or schemas.PlanRequest(),
        visible,
        outcomes_frame(session),
        preferences_frame(session, event.event_id),
    )
    return Response(
        content=data,
        media_type=WORKBOOK_TYPE,
        headers={"Content-Disposition": f'attachment; filename="plan-{event_id}.xlsx"'},
    )


# -- preferences ---------------------------------------------------------------------------
# Who wants to meet whom (`ingin`) and who vetoes whom (`tidak`): the preferences file of
# `matcher plan-event --preferences`, checked by the same parser. The event's plans use
# them. A facilitator scoped to a region states and sees its own UMKM's preferences only.

_PREFERENCES_422 = {422: {"description": "bad rows: each error names the row, column and value"}}


def _preference_event(session, principal: Principal, event_id: str):
    """(the event's stored ID, visible UMKM or None, the participants a caller may name as
    the parser's event frame)."""
    event, visible = _event_scope(session, principal, event_id)
    people = [
        p
        for p in participants(session, event.event_id)
        if visible is None or p.party != "umkm" or p.participant_id in visible
    ]
    return (
        event.event_id,
        visible,
        pd.DataFrame(
            {
                "party": [p.party for p in people],
                "id": [p.participant_id for p in people],
                "capacity": [p.capacity for p in people],
            }
        ),
    )


def _preferences_out(
    session, principal: Principal, event_id: str, warnings=()
) -> schemas.PreferencesOut:
    key, visible, _ = _preference_event(session, principal, event_id)
    frame = preferences_frame(session, key)
    if frame is None:
        return schemas.PreferencesOut(event_id=key, preferences=[], warnings=list(warnings))
    shown = frame if visible is None else frame[frame["umkm_id"].isin(visible)]
    return schemas.PreferencesOut(
        event_id=key,
        hidden=len(frame) - len(shown),
        warnings=list(warnings),
        preferences=[
            schemas.PreferenceOut(
                from_party=r.from_party, from_id=r.from_id, to_id=r.to_id, preference=r.preference
            )
            for r in shown.itertuples(index=False)
        ],
    )


def store_preferences(
    store, principal: Principal, event_id: str, raw: pd.DataFrame, source: str
) -> schemas.PreferencesOut:
    """Parse ``raw`` with the preferences file's rules and replace the caller's preferences
    (the API's routes and the web app's Acara page); DataValidationError naming every bad
    row, nothing stored, otherwise."""
    with store.transaction() as session:
        key, visible, event = _preference_event(session, principal, event_id)
        frame = parse_preferences(raw, source, event)
        replace_preferences(session, key, frame, umkm_ids=visible, stated_by=principal.name)
        return _preferences_out(
            session, principal, event_id, [str(w) for w in frame.attrs.get("warnings", [])]
        )


def _store_preferences(
    store, principal: Principal, event_id: str, raw: pd.DataFrame, source: str, where
) -> schemas.PreferencesOut | Response:
    """:func:`store_preferences`, bad rows a 422 naming each one's ``where(problem)``
    location, column and value."""
    try:
        return store_preferences(store, principal, event_id, raw, source)
    except DataValidationError as exc:
        return validation_response(
            [
                {
                    "loc": [*where(p), *([p.column] if p.column else [])],
                    "row": p.row,
                    "msg": (
                        Message("data.problem.expected", expected=p.expected)
                        if p.value not in (None, "")
                        else p.expected
                    ),
                    "input": p.value,
                }
                for p in exc.problems
            ]
        )


@router.put(
    "/{event_id}/preferences",
    response_model=schemas.PreferencesOut,
    responses=_PREFERENCES_422,
    summary="Set the event's preferences: who wants to meet whom (ingin), who vetoes whom (tidak)",
    description="Replaces the event's preferences (a facilitator scoped to a region: those "
    "about its own UMKM). The event's plans then never plan a veto and weigh "
    "wishes, mutual ones most. A bad row is a 422 naming its index, column "
    "and value; nothing is stored. `PUT .../preferences/file` takes the same "
    "as a CSV or Excel file.",
)
def put_preferences(
    event_id: schemas.IdPath, body: schemas.PreferencesIn, principal: PrincipalDep, store: StoreDep
):
    raw = pd.DataFrame(
        [p.model_dump() for p in body.preferences],
        columns=["from_party", "from_id", "to_id", "preference"],
        dtype=str,
    )
    # the parser counts spreadsheet rows (header = 1): item i of the list is row i + 2
    return _store_preferences(
        store, principal, event_id, raw, "preferences", lambda p: ["preferences", (p.row or 2) - 2]
    )


@router.put(
    "/{event_id}/preferences/file",
    response_model=schemas.PreferencesOut,
    responses=_PREFERENCES_422,
    summary="Set the event's preferences from a file (CSV or Excel: from_party, from_id, "
    "to_id, preference)",
)
def put_preferences_file(
    event_id: schemas.IdPath,
    file: Annotated[UploadFile, File()],
    principal: PrincipalDep,
    store: StoreDep,
):
    name = Path(file.filename or "preferensi.csv").name
    suffix = Path(name).suffix.lower() or ".csv"
    with store.session() as session:
        _event_scope(session, principal, event_id)  # 404 before reading anything
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"upload{suffix}"
        path.write_bytes(file.file.read())
        raw = read_table(path)
    return _store_preferences(
        store,
        principal,
        event_id,
        raw,
        name,
        lambda p: ["file", f"row {p.row}"] if p.row else ["file"],
    )


@router.get(
    "/{event_id}/preferences",
    response_model=schemas.PreferencesOut,
    summary="The event's preferences (a scoped facilitator: about its own UMKM)",
)
def get_preferences(event_id: schemas.IdPath, session: SessionDep, principal: PrincipalDep):
    return _preferences_out(session, principal, event_id)
