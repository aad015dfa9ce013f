"""The UMKM page: profile, matching firms (with filters), recording outcomes, history."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from api import matching
from api.access import existing_firm, visible_umkm
from api.deps import HolderDep, SessionDep, SettingsDep, StoreDep
from api.engine import ServiceUnavailable
from api.store.outcomes import append_outcome, list_outcomes
from api.store.profiles import UMKM, record
from api.web.base import CsrfDep, ViewerDep, not_found_as_page, render
from api.web.views import (
    MIN_CHANCE_CHOICES,
    MatchFilters,
    firm_match_rows,
    outcome_rows,
    profile_rows,
    profile_summary,
    stage_choices,
)
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
    return MatchFilters(investment_type=it if it in ("PMA", "PMDN") else None,
                        province=q.get("province", "").strip() or None, min_chance=min_chance)


@router.get("/usaha/{umkm_id}")
def umkm_page(request: Request, umkm_id: str, viewer: ViewerDep, session: SessionDep,
              holder: HolderDep, form_error: str | None = None, status: int = 200, form=None):
    lang = viewer.lang
    row = _visible(session, viewer, umkm_id)
    profile = record(row, UMKM)
    filters = _filters(request)
    matches, unavailable = [], None
    try:
        snapshot = holder.current()
        answer = matching.firms_for_umkm(snapshot, umkm_id, CANDIDATES if filters.active else SHOWN)
        firms = snapshot.service.firms
        matches = firm_match_rows(answer.matches, profile, firms, filters, SHOWN, lang)
        firm_names = dict(zip(firms["firm_id"], firms["name"]))
    except ServiceUnavailable:
        unavailable = t("web.match.unavailable", lang)
        firm_names = {}
    history = outcome_rows(list_outcomes(session, umkm_id), firm_names, lang)
    return render(
        request, viewer, "umkm.html", status=status,
        profile=profile, rows=profile_rows(profile, "umkm", lang), summary=profile_summary(profile, lang),
        matches=matches,
        unavailable=unavailable, filters=filters, provinces=provinces()["name"].tolist(),
        min_chances=[(c, format_percent(c, 0, lang)) for c in MIN_CHANCE_CHOICES],
        history=history, stages=stage_choices(lang), today=dt.date.today().isoformat(),
        form_error=form_error, form=form or {},
    )


@router.post("/usaha/{umkm_id}/hasil", dependencies=[CsrfDep])
def record_outcome(request: Request, umkm_id: str, viewer: ViewerDep, store: StoreDep,
                   holder: HolderDep, settings: SettingsDep, session: SessionDep,
                   firm_id: Annotated[str, Form()], stage: Annotated[str, Form()],
                   date: Annotated[str, Form()] = "", value: Annotated[str, Form()] = ""):
    """Checked with the outcome file's rules (one row), stored as ``POST /outcomes`` stores it."""
    _visible(session, viewer, umkm_id)  # who may see the pair is settled before any scoring
    try:
        existing_firm(session, firm_id)
    except HTTPException as exc:
        raise not_found_as_page(exc) from None
    raw = pd.DataFrame([{"umkm_id": umkm_id, "firm_id": firm_id, "stage": stage,
                         "date": date or dt.date.today().isoformat(), "contract_value_idr": value}])
    try:
        parsed = parse_outcomes(raw.astype(str), t("web.outcome.form_source", viewer.lang)).iloc[0]
    except DataValidationError as exc:
        message = "; ".join(f"{p.column}: {p.value!r} — {p.expected}" for p in exc.problems)
        return umkm_page(request, umkm_id, viewer, session, holder, status=422,
                         form_error=t("web.outcome.invalid", viewer.lang, problems=message),
                         form={"firm_id": firm_id, "stage": stage, "date": date, "value": value})
    recommended, version = matching.engine_recommended(holder.snapshot, umkm_id, firm_id,
                                                       settings.recommended_k)
    with store.transaction() as tx:
        value_idr = parsed["contract_value_idr"]
        append_outcome(tx, umkm_id=umkm_id, firm_id=firm_id, stage=parsed["stage"],
                       date=parsed["date"].date(),
                       contract_value_idr=None if pd.isna(value_idr) else float(value_idr),
                       recorded_by=viewer.principal.name, source="web",
                       recommended_by_engine=recommended, model_version=version)
    return RedirectResponse(f"/usaha/{umkm_id}?recorded=1#riwayat", status_code=303)
