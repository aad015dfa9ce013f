""" "Naik kelas" advice: what a UMKM could change to reach more and better partners, and
which programme adds the most across a region (:mod:`matcher.advice`; no scoring here).

A facilitator scoped to a region sees only its UMKM (another region's UMKM is a 404, as
everywhere) and gets its own region's summary; a narrower region inside it is allowed,
one outside it is refused (403), as for the programme report.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api import advice, schemas
from api.access import visible_umkm
from api.deps import CacheDep, PrincipalDep, SessionDep, SnapshotDep
from api.routers.reports import _region as scoped_region
from api.store.outcomes import outcomes_frame, outcomes_version
from matcher.i18n import Message

router = APIRouter(prefix="/advice", tags=["advice"])


@router.get(
    "/umkm/{umkm_id}",
    response_model=schemas.UmkmAdvice,
    summary="Changes this UMKM could make (certificate, capacity, scale, cooperative, KBLI), "
    "ranked by the expected value they add to its top firms",
)
def umkm_advice(
    umkm_id: schemas.IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    snapshot: SnapshotDep,
    cache: CacheDep,
    params: Annotated[schemas.AdviceParams, Query()],
):
    """Each change is scored by re-scoring the changed profile against all firms with the
    served model; recorded outcomes apply (declined pairs stay out). Cached per served
    snapshot until an outcome of this UMKM is recorded, corrected or voided."""
    visible_umkm(session, principal, umkm_id)
    key = ("advice", umkm_id, params.model_dump_json(), outcomes_version(session, umkm_id))
    return cache.get_or_compute(
        snapshot,
        key,
        lambda: advice.umkm_advice(snapshot, umkm_id, params, outcomes_frame(session, umkm_id)),
    )


@router.get(
    "/region",
    response_model=schemas.RegionAdvice,
    summary="Per programme, the expected value it adds across a region's UMKM, largest first",
)
def region_advice(
    session: SessionDep,
    principal: PrincipalDep,
    snapshot: SnapshotDep,
    cache: CacheDep,
    params: Annotated[schemas.RegionAdviceParams, Query()],
):
    """Which single programme (e.g. halal certification for 40 food UMKM) adds the most
    expected value, so an office can plan its assistance budget. An account without a
    region must name one. Cached per served snapshot until any outcome changes (a
    province's advice scores every changed profile of its UMKM: seconds, not milliseconds)."""
    region = scoped_region(principal, params.region)
    if region is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            Message("api.error.region_needed"),
        )
    key = ("advice-region", str(region), params.k, params.lang, outcomes_version(session))
    return cache.get_or_compute(
        snapshot,
        key,
        lambda: advice.region_advice(snapshot, region, params, outcomes_frame(session)),
    )
