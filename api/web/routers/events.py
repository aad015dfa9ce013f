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
from matcher.data.errors import DataValidationError
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
    rows = [{"event_id": e.event_id, "name": e.name, "date": e.date.isoformat() if e.date else "–",
             "created_by": e.created_by or "–", "url": f"/acara/{e.event_id}"}
            for e in _visible_events(session, viewer)]
    return render(request, viewer, "events.html", events=rows, form={}, today=dt.date.today().isoformat())


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
    return [schemas.ParticipantIn(party=p, id=i, capacity=int(c))
            for p, i, c in zip(frame["party"], frame["id"], frame["capacity"])], []


@router.post("/acara", dependencies=[CsrfDep])
def create_event(request: Request, viewer: ViewerDep, store: StoreDep, session: SessionDep,
                 holder: HolderDep,
                 name: Annotated[str, Form()], event_id: Annotated[str, Form()] = "",
                 date: Annotated[str, Form()] = "", umkm_ids: Annotated[str, Form()] = "",
                 firm_ids: Annotated[str, Form()] = "",
                 file: Annotated[UploadFile | None, File()] = None):
    lang = viewer.lang
    form = {"name": name, "event_id": event_id, "date": date, "umkm_ids": umkm_ids, "firm_ids": firm_ids}
    problems, error = [], None
    if file is not None and file.filename:
        people, problems = _participants_from_file(file, holder, lang)
    else:
        people = ([schemas.ParticipantIn(party="umkm", id=i) for i in _IDS.split(umkm_ids) if i]
                  + [schemas.ParticipantIn(party="firm", id=i) for i in _IDS.split(firm_ids) if i])
    if not problems:
        event_id = event_id.strip() or "ACARA-" + dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            body = schemas.EventIn(event_id=event_id, name=name.strip() or event_id,
                                   date=dt.date.fromisoformat(date) if date else None,
                                   participants=people)
            event_api.post_event(body, viewer.principal, store)
        except HTTPException as exc:
            error = t("web.event.not_created", lang, detail=exc.detail)
        except ValueError:
            error = t("web.event.need_participants", lang)
        else:
            return RedirectResponse(f"/acara/{event_id}", status_code=303)
    rows = [{"event_id": e.event_id, "name": e.name, "date": e.date.isoformat() if e.date else "–",
             "created_by": e.created_by or "–", "url": f"/acara/{e.event_id}"}
            for e in _visible_events(session, viewer)]
    return render(request, viewer, "events.html", status=422, events=rows, form=form, error=error,
                  problems=problems, today=dt.date.today().isoformat())


def _plan(session, viewer, holder, event_id: str):
    """(plan frame with names, served service) for a visible event."""
    snapshot = holder.current()
    out = event_api.plan(event_id, session, viewer.principal, snapshot, schemas.PlanRequest())
    plan = pd.DataFrame([{"umkm_id": p.umkm_id, "firm_id": p.firm_id, "score": p.score,
                          "reasons": "; ".join(p.reasons)} for p in out.pairs],
                        columns=["umkm_id", "firm_id", "score", "reasons"])
    return plan, snapshot.service


@router.get("/acara/{event_id}")
def event_page(request: Request, event_id: str, viewer: ViewerDep, session: SessionDep,
               holder: HolderDep, rencana: int = 0):
    lang = viewer.lang
    event = _visible_event(session, viewer, event_id)
    people = participants(session, event.event_id)
    by_firm, by_umkm, summary, schedule = [], [], None, []
    if rencana:
        plan, service = _plan(session, viewer, holder, event_id)
        umkm = service.umkm.set_index("umkm_id")
        firms = service.firms.set_index("firm_id")
        for firm_id, block in plan.groupby("firm_id", sort=False):
            f = firms.loc[firm_id]
            by_firm.append({"firm_id": firm_id, "name": f["name"], "type": f["investment_type"],
                            "meetings": [{"umkm_id": u, "name": umkm.at[u, "name"],
                                          "place": place(umkm.at[u, "province"], umkm.at[u, "regency"]),
                                          "reasons": r} for u, r in zip(block["umkm_id"], block["reasons"])]})
        for umkm_id, block in plan.sort_values("umkm_id").groupby("umkm_id", sort=False):
            by_umkm.append({"umkm_id": umkm_id, "name": umkm.at[umkm_id, "name"],
                            "firms": [firms.at[f, "name"] for f in block["firm_id"]]})
        n_umkm = sum(p.party == "umkm" for p in people)
        summary = t("web.event.summary", lang, pairs=len(plan), firms=len(by_firm),
                    umkm=len(by_umkm), umkm_total=n_umkm)
        schedule = _schedule(plan, people, service, lang) if len(plan) else []
    return render(request, viewer, "event.html", event=event,
                  n_umkm=sum(p.party == "umkm" for p in people),
                  n_firms=sum(p.party == "firm" for p in people),
                  planned=bool(rencana), by_firm=by_firm, by_umkm=by_umkm, summary=summary,
                  schedule=schedule)


def _schedule(plan: pd.DataFrame, people, service, lang: str) -> list[dict]:
    """The day's timetable for the plan (the CLI's ``schedule-event`` with its default day:
    20-minute slots from 09:00, lunch 12:00-13:00), one row per meeting in time order."""
    event = pd.DataFrame({"party": [p.party for p in people], "id": [p.participant_id for p in people],
                          "capacity": [p.capacity for p in people]})
    frame, _ = schedule_plan(plan, event, Day(), umkm=service.umkm, firms=service.firms, lang=lang)
    return [{"time": f"{r.start}–{r.end}" if r.start else "–",
             "table": "–" if pd.isna(r.table) else int(r.table),
             "umkm_id": r.umkm_id, "umkm": r.umkm_name, "firm": r.firm_name, "note": r.note}
            for r in frame.itertuples(index=False)]


@router.post("/acara/{event_id}/rencana", dependencies=[CsrfDep])
def run_plan(event_id: str, viewer: ViewerDep, session: SessionDep):
    _visible_event(session, viewer, event_id)
    return RedirectResponse(f"/acara/{event_id}?rencana=1#rencana", status_code=303)


@router.get("/acara/{event_id}/rencana.xlsx")
def download_workbook(event_id: str, viewer: ViewerDep, session: SessionDep, holder: HolderDep):
    event = _visible_event(session, viewer, event_id)
    plan, service = _plan(session, viewer, holder, event_id)
    workbook = plan_workbook(plan, service.umkm, service.firms, event.name)
    buffer = io.BytesIO()
    workbook.save(buffer)
    filename = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"rencana-{event_id}.xlsx")
    return Response(buffer.getvalue(), headers={"Content-Disposition": f'attachment; filename="{filename}"'},
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
