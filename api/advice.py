""" "Naik kelas" advice as API answers and page cards (:mod:`matcher.advice` does the work).

No scoring here: :func:`matcher.advice.advise` scores every changed profile with the
snapshot's service; this layer picks the UMKM (one, or a region's), turns rows into
response schemas and formats figures for the web page.
"""

from __future__ import annotations

import math

import pandas as pd

from api import schemas
from api.engine import ServiceUnavailable, Snapshot
from api.matching import fed, require_loaded, scoring
from api.store.regions import Region
from matcher.advice import advise, region_summary


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def _split(text) -> list[str]:
    return [p for p in str(text or "").split("; ") if p]


def _profiles(snapshot: Snapshot, umkm_id: str) -> pd.DataFrame:
    require_loaded(snapshot, "umkm", umkm_id)
    service = snapshot.service
    return service.umkm[service.umkm["umkm_id"] == umkm_id]


@scoring
def umkm_advice(
    snapshot: Snapshot,
    umkm_id: str,
    params: schemas.AdviceParams,
    outcomes: pd.DataFrame | None = None,
) -> schemas.UmkmAdvice:
    one = _profiles(snapshot, umkm_id)
    rows = advise(fed(snapshot, outcomes), one, k=params.k, lang=params.lang)
    items = [
        schemas.AdviceItem(
            rank=int(r.rank),
            change_key=r.change_key,
            change=r.change,
            firms_gained=int(r.firms_gained),
            gained_firms=_split(r.gained_firm_names),
            gained_firm_ids=_split(r.gained_firm_ids),
            p_contract_gain=_num(r.p_contract_gain),
            expected_value_gain_idr=_num(r.expected_value_gain_idr),
            programme=r.programme,
            how=r.how,
        )
        for r in rows.itertuples(index=False)
    ]
    return schemas.UmkmAdvice(
        umkm_id=umkm_id,
        name=str(one["name"].iloc[0]),
        model_version=snapshot.model_version,
        k=params.k,
        suggestions=items,
    )


@scoring
def region_advice(
    snapshot: Snapshot,
    region: Region | None,
    params: schemas.AdviceParams,
    outcomes: pd.DataFrame | None = None,
) -> schemas.RegionAdvice:
    """Per programme, what it adds across the region's UMKM (all UMKM when ``region`` is None)."""
    from matcher.i18n import format_idr, t

    service = snapshot.service
    umkm = service.umkm if region is None else service.umkm[region.mask(service.umkm).to_numpy()]
    rows = advise(fed(snapshot, outcomes), umkm, k=params.k, lang=params.lang)
    summary = region_summary(rows, umkm, params.lang)
    programmes = [
        schemas.ProgrammeAdvice(
            programme=r.programme,
            summary=r.summary,
            umkm=int(r.umkm),
            firms_gained=int(r.firms_gained),
            p_contract_gain=_num(r.p_contract_gain),
            expected_value_gain_idr=_num(r.expected_value_gain_idr),
            how=r.how,
        )
        for r in summary.itertuples(index=False)
    ]
    where = str(region) if region is not None else "-"
    best = None
    if programmes:
        top = programmes[0]
        best = t(
            "advice.summary.best",
            params.lang,
            region=where,
            line=top.summary,
            value=format_idr(top.expected_value_gain_idr, params.lang),
            firms=top.firms_gained,
        )
    return schemas.RegionAdvice(
        region=str(region) if region is not None else None,
        model_version=snapshot.model_version,
        umkm=len(umkm),
        best=best,
        programmes=programmes,
    )


def page_advice(holder, session, umkm_id: str, lang: str, shown: int = 3) -> list[dict] | None:
    """The UMKM page's "Saran naik kelas" cards: the best ``shown`` changes, in words;
    None when no model is served yet (the page says so already)."""
    from api.store.outcomes import outcomes_frame
    from matcher.i18n import format_idr, format_percent, t

    try:
        answer = umkm_advice(
            holder.current(),
            umkm_id,
            schemas.AdviceParams(lang=lang),
            outcomes_frame(session, umkm_id),
        )  # only this UMKM's pairs: one indexed read
    except ServiceUnavailable:
        return None
    cards = []
    for s in answer.suggestions[:shown]:
        cards.append(
            {
                "change": s.change,
                "gain": t(
                    "advice.web.gain",
                    lang,
                    value=format_idr(s.expected_value_gain_idr, lang),
                    percent=format_percent(s.p_contract_gain or 0.0, lang=lang),
                    firms=s.firms_gained,
                ),
                "gained": t("advice.web.gained", lang, names=", ".join(s.gained_firms))
                if s.gained_firms
                else "",
                "how": s.how,
            }
        )
    return cards
