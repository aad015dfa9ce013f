from fastapi import APIRouter

from api import schemas
from api.deps import HolderDep, StoreDep
from api.errors import scrub_paths

router = APIRouter(tags=["health"])


@router.get(
    "/health", response_model=schemas.Health, summary="Liveness and what is served (no key)"
)
def health(holder: HolderDep, store: StoreDep) -> schemas.Health:
    snap = holder.snapshot
    problem = holder.last_error if (snap is None or holder.last_error) else None
    if snap is None and problem is None:
        problem = "no model loaded yet"
    return schemas.Health(
        status="ok" if problem is None else "degraded",
        model_version=snap.model_version if snap else None,
        umkm=len(snap.service.umkm_index) if snap else None,
        firms=len(snap.service.firm_index) if snap else None,
        database=store.engine.dialect.name,
        problem=scrub_paths(problem),
    )
