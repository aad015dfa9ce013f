"""The firm page: needs, the best matching UMKM in the facilitator's region, partnerships."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, HTTPException, Request

from api import matching
from api.access import existing_firm
from api.deps import HolderDep, SessionDep
from api.engine import ServiceUnavailable
from api.store.outcomes import current_outcomes
from api.store.profiles import FIRMS, UMKM, get_profile, record
from api.web.base import ViewerDep, not_found_as_page, render
from api.web.views import place, profile_rows
from matcher.i18n import format_idr, t

router = APIRouter(include_in_schema=False)
SHOWN = 10


@router.get("/perusahaan/{firm_id}")
def firm_page(
    request: Request, firm_id: str, viewer: ViewerDep, session: SessionDep, holder: HolderDep
):
    lang = viewer.lang
    try:
        row = existing_firm(session, firm_id)
    except HTTPException as exc:
        raise not_found_as_page(exc) from None
    profile = record(row, FIRMS)
    matches, unavailable = [], None
    try:
        snapshot = holder.current()
        answer = matching.umkm_for_firm(snapshot, firm_id, SHOWN, viewer.principal.region)
        umkm = snapshot.service.umkm.set_index("umkm_id")
        for m in answer.matches:
            u = umkm.loc[m.umkm_id]
            matches.append(
                {
                    "rank": m.rank,
                    "umkm_id": m.umkm_id,
                    "name": m.name,
                    "url": f"/usaha/{m.umkm_id}",
                    "place": place(u["province"], u["regency"]),
                    "products": u["products"],
                    "reasons": m.reasons,
                    "chance": _chance(m, lang),
                }
            )
    except ServiceUnavailable:
        unavailable = t("web.match.unavailable", lang)
    partnerships = partnership_rows(session, firm_id, viewer, lang)
    return render(
        request,
        viewer,
        "firm.html",
        profile=profile,
        rows=profile_rows(profile, "firm", lang),
        matches=matches,
        unavailable=unavailable,
        partnerships=partnerships,
    )


def _chance(match, lang: str) -> str | None:
    from api.web.views import headline_chance
    from matcher.i18n import chance_text

    p = headline_chance(match)
    return None if p is None else chance_text(p, "contract", lang)


def partnership_rows(session, firm_id: str, viewer, lang: str) -> list[dict]:
    """The firm's outcomes in force (corrections applied, voids left out), newest first,
    with UMKM in the viewer's region only."""
    frame = current_outcomes(session)
    frame = frame[frame["firm_id"] == firm_id].sort_values(["date", "id"], ascending=False)
    rows = []
    for r in frame.itertuples(index=False):
        umkm = get_profile(session, UMKM, r.umkm_id, viewer.principal.region)
        if umkm is None:
            continue
        value = r.realised_value_idr if r.stage == "realised" else r.contract_value_idr
        rows.append(
            {
                "umkm_id": r.umkm_id,
                "umkm": umkm.name,
                "date": pd.Timestamp(r.date).date().isoformat(),
                "stage_label": t(f"common.stage.{r.stage}", lang),
                "value": None if pd.isna(value) else format_idr(float(value), lang),
            }
        )
    return rows
