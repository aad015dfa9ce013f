from fastapi import APIRouter, HTTPException, status

from api import schemas
from api.deps import AdminDep, HolderDep, PrincipalDep, StoreDep
from api.store.model_state import mirror_current_version

router = APIRouter(prefix="/models", tags=["models"])


@router.get("", response_model=schemas.ModelList, summary="Model versions, metrics, which is current")
def list_models(holder: HolderDep, _: PrincipalDep):
    versions = holder.source.versions()
    current = next((v["version"] for v in versions if v.get("is_current")), None)
    snap = holder.snapshot
    return schemas.ModelList(
        current=current, serving=snap.model_version if snap else None,
        versions=[schemas.ModelInfo(**{k: v.get(k) for k in ("version", "created_at", "error")},
                                    metrics=v.get("metrics") or {}, is_current=v["is_current"])
                  for v in versions],
    )


@router.post("/{version}/promote", response_model=schemas.PromoteOut,
             summary="Make a version current (admin); servers switch without a restart")
def promote(version: str, admin: AdminDep, holder: HolderDep, store: StoreDep):
    known = {v["version"] for v in holder.source.versions()}
    if version not in known:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no model version {version!r}; GET /models lists the versions")
    previous = holder.source.promote(version, reason=f"promoted via API by {admin.name}")
    with store.transaction() as session:
        mirror_current_version(session, version, by=admin.name)
    holder.notice_change()
    return schemas.PromoteOut(version=version, previous=previous)
