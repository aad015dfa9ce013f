"""The UMKM page: profile, matching firms (with filters), recording, correcting and voiding
outcomes, and their history with its audit lines."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from api import matching
from api.access import existing_firm, visible_umkm
from api.advice import page_advice
from api.deps import CacheDep, HolderDep, SessionDep, SettingsDep, StoreDep
from api.engine import ServiceUnavailable
from api.store.outcomes import (
    OutcomeError,
    correct_outcome,
    outcome_state,
    record_outcome,
    umkm_history,
    void_outcome,
)
from api.store.profiles import UMKM, record
from api.web.base import CsrfDep, PageError, ViewerDep, error_text, not_found_as_page, render
from api.web.views import (
    MIN_CHANCE_CHOICES,
    MatchFilters,
    firm_match_rows,
    history_rows,
    profile_rows,
    profile_summary,
    stage_choices,
)
from matcher.data import rules
from matcher.data.errors import DataValidationError
from matcher.data.loaders import parse_outcomes
from matcher.data.reference import provinces
from matcher.i18n import format_percent, t

router = APIRouter(include_in_schema=False)
SHOWN = 10
CANDIDATES = 100  # ranked before filtering, so a filter still shows up to SHOWN firms


def _visible(session, viewer, umkm_id: str):
    try:
        return visible_umkm(session, viewer.principal, umkm_id)
    except HTTPException as exc:
        raise not_found_as_page(exc) from None


def _filters(request: Request) -> MatchFilters:
    q = request.query_params
    it = q.get("investment_type", "")
    try:
        min_chance = float(q.get("min_chance", "") or 0) or None
    except ValueError:
        min_chance = None
    return MatchFilters(
        investment_type=it if it in ("PMA", "PMDN") else None,
        province=q.get("province", "").strip() or None,
        min_chance=min_chance,
    )


@router.get("/usaha/{umkm_id}")
def umkm_page(
    request: Request,
    umkm_id: str,
    viewer: ViewerDep,
    session: SessionDep,
    holder: HolderDep,
    form_error: str | None = None,
    status: int = 200,
    form=None,
):
    lang = viewer.lang
    row = _visible(session, viewer, umkm_id)
    profile = record(row, UMKM)
    filters = _filters(request)
    matches, unavailable, firm_names = [], None, {}
    try:
        snapshot = holder.current()
        answer = matching.firms_for_umkm(snapshot, umkm_id, CANDIDATES if filters.active else SHOWN)
        firms = snapshot.service.firms
        matches = firm_match_rows(answer.matches, profile, firms, filters, SHOWN, lang)
        firm_names = dict(zip(firms["firm_id"], firms["name"]))
    except ServiceUnavailable:
        unavailable = t("web.match.unavailable", lang)
    history = history_rows(umkm_history(session, umkm_id), firm_names, lang)
    return render(
        request,
        viewer,
        "umkm.html",
        status=status,
        profile=profile,
        rows=profile_rows(profile, "umkm", lang),
        summary=profile_summary(profile, lang),
        matches=matches,
        unavailable=unavailable,
        filters=filters,
        provinces=provinces()["name"].tolist(),
        min_chances=[(c, format_percent(c, 0, lang)) for c in MIN_CHANCE_CHOICES],
        history=history,
        stages=stage_choices(lang),
        today=dt.date.today().isoformat(),
        form_error=form_error,
        form=form or {},
        note_max=rules.max_length("note"),
        advice=page_advice(holder, session, umkm_id, lang),  # "Saran naik kelas" (_advice.html)
    )


def _checked(viewer, umkm_id: str, firm_id: str, stage: str, date: str, value: str) -> dict:
    """The form's values checked with the outcome file's rules (one row): stage words as
    offices write them, dates, money like "150 juta"."""
    raw = pd.DataFrame(
        [
            {
                "umkm_id": umkm_id,
                "firm_id": firm_id,
                "stage": stage,
                "date": date or dt.date.today().isoformat(),
                "contract_value_idr": value,
            }
        ]
    )
    row = parse_outcomes(raw.astype(str), t("web.outcome.form_source", viewer.lang)).iloc[0]
    value_idr = row["contract_value_idr"]
    money = None if pd.isna(value_idr) else float(value_idr)
    values = {"stage": row["stage"], "date": row["date"].date()}
    values["realised_value_idr" if row["stage"] == "realised" else "contract_value_idr"] = money
    return values


def _again(request, umkm_id, viewer, session, holder, error: Exception, form: dict):
    return umkm_page(
        request,
        umkm_id,
        viewer,
        session,
        holder,
        status=422,
        form=form,
        form_error=t("web.outcome.invalid", viewer.lang, problems=error_text(error, viewer.lang)),
    )


@router.post("/usaha/{umkm_id}/hasil", dependencies=[CsrfDep])
def record_from_page(
    request: Request,
    umkm_id: str,
    viewer: ViewerDep,
    store: StoreDep,
    holder: HolderDep,
    settings: SettingsDep,
    session: SessionDep,
    cache: CacheDep,
    firm_id: Annotated[str, Form()],
    stage: Annotated[str, Form()],
    date: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
):
    """Stored as ``POST /outcomes`` stores it (idempotent: the same outcome twice is one row)."""
    _visible(session, viewer, umkm_id)  # who may see the pair is settled before any scoring
    try:
        existing_firm(session, firm_id)
    except HTTPException as exc:
        raise not_found_as_page(exc) from None
    form = {"firm_id": firm_id, "stage": stage, "date": date, "value": value, "note": note}
    try:
        values = _checked(viewer, umkm_id, firm_id, stage, date, value)
    except DataValidationError as exc:
        return _again(request, umkm_id, viewer, session, holder, exc, form)
    recommended, version = matching.engine_recommended(
        holder.snapshot, umkm_id, firm_id, settings.recommended_k, cache
    )
    try:
        with store.transaction() as tx:
            record_outcome(
                tx,
                umkm_id=umkm_id,
                firm_id=firm_id,
                **values,
                note=note,
                recorded_by=viewer.principal.name,
                source="web",
                recommended_by_engine=recommended,
                model_version=version,
            )
    except OutcomeError as exc:
        return _again(request, umkm_id, viewer, session, holder, exc, form)
    return RedirectResponse(f"/usaha/{umkm_id}?recorded=1#riwayat", status_code=303)


def _own_outcome(session, viewer, umkm_id: str, outcome_id: int):
    """The outcome, when it is this (visible) UMKM's; otherwise not found."""
    _visible(session, viewer, umkm_id)
    try:
        state = outcome_state(session, outcome_id)
    except OutcomeError:
        raise PageError(404, "web.error.not_found") from None
    if state.outcome.umkm_id != umkm_id:
        raise PageError(404, "web.error.not_found")
    return state


@router.post("/usaha/{umkm_id}/hasil/{outcome_id}/koreksi", dependencies=[CsrfDep])
def correct_from_page(
    request: Request,
    umkm_id: str,
    outcome_id: int,
    viewer: ViewerDep,
    store: StoreDep,
    session: SessionDep,
    holder: HolderDep,
    stage: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    date: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
):
    """A correction: the values given replace the current ones (an emptied note clears it);
    who, when and why are kept."""
    state = _own_outcome(session, viewer, umkm_id, outcome_id)
    form = {
        "fix": outcome_id,
        "stage": stage,
        "date": date,
        "value": value,
        "note": note,
        "reason": reason,
    }
    try:
        values = _checked(viewer, umkm_id, state.outcome.firm_id, stage, date, value)
        with store.transaction() as tx:
            correct_outcome(
                tx, outcome_id, reason=reason, by=viewer.principal.name, note=note, **values
            )
    except (DataValidationError, OutcomeError) as exc:
        return _again(request, umkm_id, viewer, session, holder, exc, form)
    return RedirectResponse(f"/usaha/{umkm_id}?corrected={outcome_id}#riwayat", status_code=303)


@router.post("/usaha/{umkm_id}/hasil/{outcome_id}/batal", dependencies=[CsrfDep])
def void_from_page(
    request: Request,
    umkm_id: str,
    outcome_id: int,
    viewer: ViewerDep,
    store: StoreDep,
    session: SessionDep,
    holder: HolderDep,
    reason: Annotated[str, Form()] = "",
):
    """A void: the outcome stops counting; the record and the reason stay."""
    _own_outcome(session, viewer, umkm_id, outcome_id)
    try:
        with store.transaction() as tx:
            void_outcome(tx, outcome_id, reason=reason, by=viewer.principal.name)
    except OutcomeError as exc:
        return _again(
            request, umkm_id, viewer, session, holder, exc, {"fix": outcome_id, "reason": reason}
        )
    return RedirectResponse(f"/usaha/{umkm_id}?voided={outcome_id}#riwayat", status_code=303)
