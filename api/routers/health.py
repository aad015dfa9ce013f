from fastapi import APIRouter, Request

from api import schemas
from api.deps import HolderDep, StoreDep
from api.errors import scrub_paths
from api.lang import request_lang
from matcher.i18n import Message, text_in

router = APIRouter(tags=["health"])


@router.get(
    "/health", response_model=schemas.Health, summary="Liveness and what is served (no key)"
)
def health(holder: HolderDep, store: StoreDep, request: Request) -> schemas.Health:
    snap = holder.snapshot
    problem = holder.last_error if (snap is None or holder.last_error) else None
    if snap is None and problem is None:
        problem = Message("api.health.not_loaded")
    return schemas.Health(
        status="ok" if problem is None else "degraded",
        model_version=snap.model_version if snap else None,
        umkm=len(snap.service.umkm_index) if snap else None,
        firms=len(snap.service.firm_index) if snap else None,
        database=store.engine.dialect.name,
        # a catalogue Message in the reader's language; never a server path
        problem=scrub_paths(text_in(problem, request_lang(request))) if problem else None,
    )
