from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from api import matching, schemas
from api.access import visible_umkm
from api.deps import CacheDep, HolderDep, PrincipalDep, SessionDep, StoreDep
from api.routers.listing import ListParams
from api.store.outcomes import list_outcomes
from api.store.profiles import UMKM, record, search_profiles

router = APIRouter(prefix="/umkm", tags=["umkm"])
K = schemas.KQuery


@router.get(
    "",
    response_model=schemas.Page[schemas.UmkmOut],
    summary="UMKM profiles (a scoped facilitator sees only its region)",
)
def list_umkm(params: Annotated[ListParams, Query()], session: SessionDep, principal: PrincipalDep):
    items, total = search_profiles(
        session, UMKM, params.to_filter(), principal.region, params.limit, params.offset
    )
    return schemas.Page[schemas.UmkmOut](
        items=items, total=total, limit=params.limit, offset=params.offset
    )


@router.get("/{umkm_id}", response_model=schemas.UmkmOut, summary="One UMKM profile")
def get_umkm(umkm_id: schemas.IdPath, session: SessionDep, principal: PrincipalDep):
    return record(visible_umkm(session, principal, umkm_id), UMKM)


@router.get(
    "/{umkm_id}/matches",
    response_model=schemas.UmkmMatches,
    summary="Firms ranked for this UMKM, with scores and reasons",
)
async def umkm_matches(
    umkm_id: schemas.IdPath,
    principal: PrincipalDep,
    holder: HolderDep,
    store: StoreDep,
    cache: CacheDep,
    filters: Annotated[schemas.MatchFilters, Query()],
    k: K = 10,
):
    """Pairs declined before (recorded outcomes) are left out unless ``include_declined``;
    pairs already in partnership are marked ``status: partner`` ("sudah bermitra")."""
    # the most frequent request: one hop to a worker thread for all of it (its database
    # trip, the snapshot, the cache or the model), not one per dependency
    return await run_in_threadpool(
        matching.cached_firms_for_umkm, holder, store, cache, principal.region, umkm_id, k, filters
    )


@router.get(
    "/{umkm_id}/outcomes",
    response_model=list[schemas.OutcomeOut],
    summary="Recorded outcomes of this UMKM, oldest first",
)
def umkm_outcomes(umkm_id: schemas.IdPath, session: SessionDep, principal: PrincipalDep):
    visible_umkm(session, principal, umkm_id)
    return list_outcomes(session, umkm_id)
