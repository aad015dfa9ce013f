"""The firm page: needs, the best matching UMKM in the facilitator's region, partnerships."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from api import matching
from api.access import existing_firm
from api.deps import HolderDep, SessionDep
from api.engine import ServiceUnavailable
from api.store.profiles import FIRMS, record
from api.web.base import ViewerDep, not_found_as_page, render
from api.web.views import place, profile_rows
from matcher.i18n import t

router = APIRouter(include_in_schema=False)
SHOWN = 10


@router.get("/perusahaan/{firm_id}")
def firm_page(request: Request, firm_id: str, viewer: ViewerDep, session: SessionDep, holder: HolderDep):
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
            matches.append({"rank": m.rank, "umkm_id": m.umkm_id, "name": m.name,
                            "url": f"/usaha/{m.umkm_id}", "place": place(u["province"], u["regency"]),
                            "products": u["products"], "reasons": m.reasons,
                            "chance": _chance(m, lang)})
    except ServiceUnavailable:
        unavailable = t("web.match.unavailable", lang)
    partnerships = partnership_rows(session, firm_id, viewer, lang)
    return render(request, viewer, "firm.html", profile=profile,
                  rows=profile_rows(profile, "firm", lang), matches=matches,
                  unavailable=unavailable, partnerships=partnerships)


def _chance(match, lang: str) -> str | None:
    from api.web.views import headline_chance
    from matcher.i18n import chance_text

    p = headline_chance(match)
    return None if p is None else chance_text(p, "contract", lang)


def partnership_rows(session, firm_id: str, viewer, lang: str) -> list[dict]:
    return []
