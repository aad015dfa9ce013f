from typing import Annotated

from fastapi import APIRouter, Query

from api import matching, schemas
from api.access import existing_firm
from api.deps import PrincipalDep, SessionDep, SnapshotDep
from api.routers.listing import ListParams
from api.store.outcomes import outcomes_frame
from api.store.profiles import FIRMS, record, search_profiles

router = APIRouter(prefix="/firms", tags=["firms"])
K = schemas.KQuery


@router.get(
    "",
    response_model=schemas.Page[schemas.FirmOut],
    summary="Firm profiles (scale filters preferred_scale, certificate required ones)",
)
def list_firms(params: Annotated[ListParams, Query()], session: SessionDep, _: PrincipalDep):
    items, total = search_profiles(
        session, FIRMS, params.to_filter(), None, params.limit, params.offset
    )
    return schemas.Page[schemas.FirmOut](
        items=items, total=total, limit=params.limit, offset=params.offset
    )


@router.get("/{firm_id}", response_model=schemas.FirmOut, summary="One firm profile")
def get_firm(firm_id: schemas.IdPath, session: SessionDep, _: PrincipalDep):
    return record(existing_firm(session, firm_id), FIRMS)


@router.get(
    "/{firm_id}/matches",
    response_model=schemas.FirmMatches,
    summary="UMKM ranked for this firm (a scoped facilitator: only its region's UMKM)",
)
def firm_matches(
    firm_id: schemas.IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    snapshot: SnapshotDep,
    filters: Annotated[schemas.MatchFilters, Query()],
    k: K = 10,
):
    """Declined pairs left out unless ``include_declined``; ``min_chance`` applies; the
    firm-type and province filters concern firms and are ignored here."""
    existing_firm(session, firm_id)
    return matching.umkm_for_firm(
        snapshot, firm_id, k, principal.region, filters, outcomes_frame(session, firm_id=firm_id)
    )
