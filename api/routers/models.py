import datetime as dt
import logging

from fastapi import APIRouter, HTTPException, Request, status

from api import schemas
from api.deps import AdminDep, HolderDep, PrincipalDep, SettingsDep, StoreDep
from api.errors import scrub_paths
from api.lang import request_lang
from api.retrain import RetrainBusyError, read_store
from api.store.model_state import mirror_current_version
from matcher.i18n import Message, text_in
from training.registry import Registry  # light: the registry's writers, not the training stack

log = logging.getLogger(__name__)

router = APIRouter(prefix="/models", tags=["models"])


@router.get(
    "", response_model=schemas.ModelList, summary="Model versions, metrics, which is current"
)
def list_models(holder: HolderDep, _: PrincipalDep, request: Request):
    lang = request_lang(request)
    versions = holder.source.versions()
    current = next((v["version"] for v in versions if v.get("is_current")), None)
    snap = holder.snapshot
    return schemas.ModelList(
        current=current,
        serving=snap.model_version if snap else None,
        versions=[
            schemas.ModelInfo(
                **{k: v.get(k) for k in ("version", "created_at")},
                error=scrub_paths(text_in(v["error"], lang)) if v.get("error") else None,
                metrics=v.get("metrics") or {},
                is_current=v["is_current"],
            )
            for v in versions
        ],
    )


def _served_registry(holder) -> Registry:
    """The registry the server serves from: a retrain registers and promotes there."""
    registry = getattr(holder.source, "registry", None)
    if registry is None:
        raise HTTPException(
            status.HTTP_501_NOT_IMPLEMENTED,
            Message("api.error.no_registry"),
        )
    return registry


# The retrain routes come before any `/{version}` route, so `retrain` is never read as a version.
@router.post(
    "/retrain",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=schemas.RetrainJobOut,
    summary="Retrain on the stored outcomes in the background (admin); 409 if one is running",
)
def start_retrain(
    admin: AdminDep, holder: HolderDep, store: StoreDep, settings: SettingsDep, request: Request
):
    """Champion vs challenger on everything in the store (:func:`training.retrain.retrain`,
    run by :class:`api.retrain.RetrainJobs`, which imports training when the job runs).

    The data is read when the job starts, the report goes to ``<home>/reports/retrain-<UTC time>``,
    and a promotion switches the served model without a restart.
    """
    jobs = request.app.state.retrain_jobs

    def on_done(job, outcome) -> None:  # (RetrainJob, RetrainOutcome | None), in the job's thread
        if outcome is None or not outcome.promoted:
            return
        try:
            with store.transaction() as session:
                mirror_current_version(session, outcome.version, by=f"retrain:{admin.name}")
        except Exception:  # noqa: BLE001 - the registry is the truth; the next rebuild mirrors it
            log.exception(
                "retrain %s: recording the promoted version in the store failed", job.job_id
            )
        holder.notice_change()

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        job = jobs.start(
            lambda: read_store(store),
            _served_registry(holder),
            on_done=on_done,
            report_dir=settings.home / "reports" / f"retrain-{stamp}",
        )
    except RetrainBusyError as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            Message("api.error.retrain_busy", detail=exc.args[0] if exc.args else str(exc)),
        ) from exc
    return job.to_dict(request_lang(request))


@router.get(
    "/retrain/{job_id}",
    response_model=schemas.RetrainJobOut,
    summary="Status of a retrain job (admin): queued, running, done (with the decision) or failed",
)
def retrain_status(job_id: schemas.IdPath, _: AdminDep, request: Request):
    job = request.app.state.retrain_jobs.get(job_id)
    if job is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            Message("api.error.no_retrain_job", id=repr(job_id)),
        )
    return job.to_dict(request_lang(request))


@router.post(
    "/{version}/promote",
    response_model=schemas.PromoteOut,
    summary="Make a version current (admin); servers switch without a restart",
)
def promote(version: schemas.IdPath, admin: AdminDep, holder: HolderDep, store: StoreDep):
    known = {v["version"] for v in holder.source.versions()}
    if version not in known:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            Message("api.error.no_model_version", version=repr(version)),
        )
    previous = holder.source.promote(version, reason=f"promoted via API by {admin.name}")
    with store.transaction() as session:
        mirror_current_version(session, version, by=admin.name)
    holder.notice_change()
    return schemas.PromoteOut(version=version, previous=previous)
