"""Follow-ups: what the responsible office (OPD) knows of a pair's progress."""

from fastapi import APIRouter, status

from api import schemas
from api.access import existing_firm, visible_umkm
from api.deps import PrincipalDep, StoreDep
from api.store.outcomes import record_followup

router = APIRouter(prefix="/followups", tags=["outcomes"])


@router.post(
    "",
    response_model=schemas.FollowupOut,
    status_code=status.HTTP_201_CREATED,
    summary="Record a follow-up of a pair (status, office, person, next step)",
)
def add_followup(body: schemas.FollowupIn, principal: PrincipalDep, store: StoreDep):
    with store.transaction() as session:
        visible_umkm(session, principal, body.umkm_id)
        existing_firm(session, body.firm_id)
        return record_followup(
            session, **body.model_dump(), recorded_by=principal.name, source="api"
        )
