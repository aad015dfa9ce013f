from fastapi import APIRouter, status

from api import matching, schemas
from api.access import existing_firm, visible_umkm
from api.deps import HolderDep, PrincipalDep, SettingsDep, StoreDep
from api.store.outcomes import append_outcome

router = APIRouter(tags=["outcomes"])


@router.post("/outcomes", response_model=schemas.OutcomeOut, status_code=status.HTTP_201_CREATED,
             summary="Record the stage a pair reached (append-only)")
def record_outcome(body: schemas.OutcomeIn, principal: PrincipalDep, store: StoreDep,
                   holder: HolderDep, settings: SettingsDep):
    """Also records whether the engine had recommended this firm to this UMKM (in its
    top-k under the model being served) and that model's version, for retraining."""
    # who may see the pair is settled before any scoring, so "exists in another region"
    # and "does not exist" do the same work and answer the same 404 in the same time
    with store.session() as session:
        visible_umkm(session, principal, body.umkm_id)
        existing_firm(session, body.firm_id)
    recommended, version = matching.engine_recommended(
        holder.snapshot, body.umkm_id, body.firm_id, settings.recommended_k
    )
    with store.transaction() as session:
        visible_umkm(session, principal, body.umkm_id)
        existing_firm(session, body.firm_id)
        row = append_outcome(
            session, **body.model_dump(), recorded_by=principal.name, source="api",
            recommended_by_engine=recommended, model_version=version,
        )
    return row
