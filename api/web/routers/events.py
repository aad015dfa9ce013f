"""Acara: create an event from participants (picked or uploaded), run its plan, view it by
firm and by UMKM, download the printable workbook. The API's event routes do the work."""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from api import schemas
from api.deps import HolderDep, SessionDep, StoreDep
from api.routers import events as event_api
from api.store.events import list_events, participants
from api.web.base import CsrfDep, ViewerDep, not_found_as_page, render
from api.web.views import place, problem_rows
from matcher.data.errors import DataValidationError, MatcherError
from matcher.data.loaders import parse_event, read_table
from matcher.export import plan_workbook
from matcher.i18n import t
from matcher.schedule import Day, schedule_plan

router = APIRouter(include_in_schema=False)
_IDS = re.compile(r"[\s,;]+")


def _visible_event(session, viewer, event_id: str):
    try:
        return event_api._visible_event(session, viewer.principal, event_id)
    except HTTPException as exc:
        raise not_found_as_page(exc) from None


def _visible_events(session, viewer) -> list:
    out = []
    for event in list_events(session):
        try:
            event_api._visible_event(session, viewer.principal, event.event_id)
        except HTTPException:
            continue
        out.append(event)
    return out


@router.get("/acara")
def events_page(request: Request, viewer: ViewerDep, session: SessionDep):
    rows = [
        {
            "event_id": e.event_id,
            "name": e.name,
            "date": e.date.isoformat() if e.date else "–",
            "created_by": e.created_by or "–",
            "url": f"/acara/{e.event_id}",
        }
        for e in _visible_events(session, viewer)
    ]
    return render(
        request, viewer, "events.html", events=rows, form={}, today=dt.date.today().isoformat()
    )


def _participants_from_file(upload: UploadFile, holder, lang: str):
    """Participants of an uploaded event file (party, id[, capacity]) checked by the
    loaders' rules against the served profiles; problems as table rows."""
    suffix = Path(upload.filename or "acara.csv").suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"upload{suffix}"
        path.write_bytes(upload.file.read())
        try:
            raw = read_table(path)
            service = holder.current().service
            frame = parse_event(raw, upload.filename or path.name, service.umkm, service.firms)
        except DataValidationError as exc:
            return None, problem_rows(exc.problems, lang)
    return [
        schemas.ParticipantIn(party=p, id=i, capacity=int(c))
        for p, i, c in zip(frame["party"], frame["id"], frame["capacity"])
    ], []


@router.post("/acara", dependencies=[CsrfDep])
def create_event(
    request: Request,
    viewer: ViewerDep,
    store: StoreDep,
    session: SessionDep,
    holder: HolderDep,
    name: Annotated[str, Form()],
    event_id: Annotated[str, Form()] = "",
    date: Annotated[str, Form()] = "",
    umkm_ids: Annotated[str, Form()] = "",
    firm_ids: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
):
    lang = viewer.lang
    form = {
        "name": name,
        "event_id": event_id,
        "date": date,
        "umkm_ids": umkm_ids,
        "firm_ids": firm_ids,
    }
    problems, error = [], None
    if file is not None and file.filename:
        people, problems = _participants_from_file(file, holder, lang)
    else:
        people = [schemas.ParticipantIn(party="umkm", id=i) for i in _IDS.split(umkm_ids) if i] + [
            schemas.ParticipantIn(party="firm", id=i) for i in _IDS.split(firm_ids) if i
        ]
    if not problems:
        event_id = event_id.strip() or "ACARA-" + dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            body = schemas.EventIn(
                event_id=event_id,
                name=name.strip() or event_id,
                date=dt.date.fromisoformat(date) if date else None,
                participants=people,
            )
            event_api.post_event(body, viewer.principal, store)
        except HTTPException as exc:  # the API's reasons, in the viewer's language
            detail = exc.text(lang) if isinstance(exc, event_api.EventProblems) else exc.detail
            error = t("web.event.not_created", lang, detail=detail)
        except ValueError:
            error = t("web.event.need_participants", lang)
        else:
            return RedirectResponse(f"/acara/{event_id}", status_code=303)
    rows = [
        {
            "event_id": e.event_id,
            "name": e.name,
            "date": e.date.isoformat() if e.date else "–",
            "created_by": e.created_by or "–",
            "url": f"/acara/{e.event_id}",
        }
        for e in _visible_events(session, viewer)
    ]
    return render(
        request,
        viewer,
        "events.html",
        status=422,
        events=rows,
        form=form,
        error=error,
        problems=problems,
        today=dt.date.today().isoformat(),
    )


def _plan(session, viewer, holder, event_id: str):
    """(plan frame with names, served service, the API's answer) for a visible event; the
    event's stored preferences are used (vetoes never planned, wishes weigh in)."""
    snapshot = holder.current()
    out = event_api.plan(
        event_id, session, viewer.principal, snapshot, schemas.PlanRequest(), lang=viewer.lang
    )
    plan = pd.DataFrame(
        [
            {
                "umkm_id": p.umkm_id,
                "firm_id": p.firm_id,
                "score": p.score,
                "reasons": "; ".join(p.reasons),
            }
            for p in out.pairs
        ],
        columns=["umkm_id", "firm_id", "score", "reasons"],
    )
    return plan, snapshot.service, out


def _wish_lines(out, service, lang: str) -> tuple[list[str], list[dict]]:
    """The plan's wishes met per side (lines) and each unmet wish with names and why."""
    if out.wishes is None:
        return [], []
    w = out.wishes
    lines = [
        f"{t(key, lang)}: {t('event.pack.of', lang, a=met, b=stated)}"
        for key, met, stated in (
            ("event.pack.fact.wishes_umkm", w.umkm_wishes_met, w.umkm_wishes),
            ("event.pack.fact.wishes_firm", w.firm_wishes_met, w.firm_wishes),
            ("event.pack.fact.wishes_mutual", w.mutual_pairs_met, w.mutual_pairs),
        )
    ]
    names = {
        **dict(zip(service.umkm["umkm_id"], service.umkm["name"])),
        **dict(zip(service.firms["firm_id"], service.firms["name"])),
    }
    unmet = [
        {
            "from": names.get(u.from_id, u.from_id),
            "to": names.get(u.to_id, u.to_id),
            "why": u.explanation,
            "reason": u.reason,
        }
        for u in out.unmet_wishes
    ]
    return lines, unmet


def _preference_counts(session, viewer, event_id: str, lang: str) -> str:
    stored = event_api._preferences_out(session, viewer.principal, event_id).preferences
    if not stored:
        return t("web.event.preferences_none", lang)
    wishes = sum(p.preference == "ingin" for p in stored)
    return t(
        "web.event.preferences_stored",
        lang,
        n=len(stored),
        wishes=wishes,
        vetoes=len(stored) - wishes,
    )


@router.get("/acara/{event_id}")
def event_page(
    request: Request,
    event_id: str,
    viewer: ViewerDep,
    session: SessionDep,
    holder: HolderDep,
    rencana: int = 0,
    preferensi: int | None = None,
):
    saved = (
        t("web.event.preferences_saved", viewer.lang, n=preferensi)
        if preferensi is not None
        else None
    )
    return _event_view(request, event_id, viewer, session, holder, bool(rencana), pref_saved=saved)


def _event_view(
    request: Request,
    event_id: str,
    viewer,
    session,
    holder,
    rencana: bool,
    status: int = 200,
    **extra,
):
    lang = viewer.lang
    event = _visible_event(session, viewer, event_id)
    people = participants(session, event.event_id)
    by_firm, by_umkm, summary, schedule, wishes, unmet = [], [], None, [], [], []
    if rencana:
        plan, service, out = _plan(session, viewer, holder, event_id)
        wishes, unmet = _wish_lines(out, service, lang)
        umkm = service.umkm.set_index("umkm_id")
        firms = service.firms.set_index("firm_id")
        for firm_id, block in plan.groupby("firm_id", sort=False):
            f = firms.loc[firm_id]
            by_firm.append(
                {
                    "firm_id": firm_id,
                    "name": f["name"],
                    "type": f["investment_type"],
                    "meetings": [
                        {
                            "umkm_id": u,
                            "name": umkm.at[u, "name"],
                            "place": place(umkm.at[u, "province"], umkm.at[u, "regency"]),
                            "reasons": r,
                        }
                        for u, r in zip(block["umkm_id"], block["reasons"])
                    ],
                }
            )
        for umkm_id, block in plan.sort_values("umkm_id").groupby("umkm_id", sort=False):
            by_umkm.append(
                {
                    "umkm_id": umkm_id,
                    "name": umkm.at[umkm_id, "name"],
                    "firms": [firms.at[f, "name"] for f in block["firm_id"]],
                }
            )
        n_umkm = sum(p.party == "umkm" for p in people)
        summary = t(
            "web.event.summary",
            lang,
            pairs=len(plan),
            firms=len(by_firm),
            umkm=len(by_umkm),
            umkm_total=n_umkm,
        )
        schedule = _schedule(plan, people, service, lang) if len(plan) else []
    return render(
        request,
        viewer,
        "event.html",
        status=status,
        event=event,
        n_umkm=sum(p.party == "umkm" for p in people),
        n_firms=sum(p.party == "firm" for p in people),
        planned=bool(rencana),
        by_firm=by_firm,
        by_umkm=by_umkm,
        summary=summary,
        schedule=schedule,
        wishes=wishes,
        unmet=unmet,
        preferences=_preference_counts(session, viewer, event_id, lang),
        **extra,
    )


@router.post("/acara/{event_id}/preferensi", dependencies=[CsrfDep])
def upload_preferences(
    request: Request,
    event_id: str,
    viewer: ViewerDep,
    store: StoreDep,
    session: SessionDep,
    holder: HolderDep,
    file: Annotated[UploadFile | None, File()] = None,
):
    """A preferences file (``from_party, from_id, to_id, preference``) replaces the event's
    preferences (a scoped facilitator's: its own UMKM's), as ``PUT /events/{id}/preferences/file``;
    every bad row is shown as a table row and nothing is stored."""
    lang = viewer.lang
    _visible_event(session, viewer, event_id)
    if file is None or not file.filename:
        return _event_view(
            request,
            event_id,
            viewer,
            session,
            holder,
            False,
            status=422,
            pref_error=t("web.event.preferences_choose", lang),
        )
    name = Path(file.filename).name
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"upload{Path(name).suffix.lower() or '.csv'}"
        path.write_bytes(file.file.read())
        try:
            out = event_api.store_preferences(
                store, viewer.principal, event_id, read_table(path), name
            )
        except DataValidationError as exc:
            return _event_view(
                request,
                event_id,
                viewer,
                session,
                holder,
                False,
                status=422,
                problems=problem_rows(exc.problems, lang),
                pref_error=t("web.event.preferences_refused", lang, file=name),
            )
        except MatcherError as exc:
            return _event_view(
                request,
                event_id,
                viewer,
                session,
                holder,
                False,
                status=422,
                pref_error=t("web.event.preferences_refused", lang, file=name) + f" {exc}",
            )
    session.expire_all()  # the page reads what was just stored
    return RedirectResponse(
        f"/acara/{event_id}?preferensi={len(out.preferences)}#preferensi", status_code=303
    )


def _schedule(plan: pd.DataFrame, people, service, lang: str) -> list[dict]:
    """The day's timetable for the plan (the CLI's ``schedule-event`` with its default day:
    20-minute slots from 09:00, lunch 12:00-13:00), one row per meeting in time order."""
    event = pd.DataFrame(
        {
            "party": [p.party for p in people],
            "id": [p.participant_id for p in people],
            "capacity": [p.capacity for p in people],
        }
    )
    frame, _ = schedule_plan(plan, event, Day(), umkm=service.umkm, firms=service.firms, lang=lang)
    return [
        {
            "time": f"{r.start}–{r.end}" if r.start else "–",
            "table": "–" if pd.isna(r.table) else int(r.table),
            "umkm_id": r.umkm_id,
            "umkm": r.umkm_name,
            "firm": r.firm_name,
            "note": r.note,
        }
        for r in frame.itertuples(index=False)
    ]


@router.post("/acara/{event_id}/rencana", dependencies=[CsrfDep])
def run_plan(event_id: str, viewer: ViewerDep, session: SessionDep):
    _visible_event(session, viewer, event_id)
    return RedirectResponse(f"/acara/{event_id}?rencana=1#rencana", status_code=303)


@router.get("/acara/{event_id}/rencana.xlsx")
def download_workbook(event_id: str, viewer: ViewerDep, session: SessionDep, holder: HolderDep):
    event = _visible_event(session, viewer, event_id)
    plan, service, _ = _plan(session, viewer, holder, event_id)
    workbook = plan_workbook(plan, service.umkm, service.firms, event.name)
    buffer = io.BytesIO()
    workbook.save(buffer)
    filename = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"rencana-{event_id}.xlsx")
    return Response(
        buffer.getvalue(),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
