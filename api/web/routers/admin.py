"""Admin pages: import files, accounts, models (versions, metrics chart, promote, rollback,
retrain with live status). Admins only; the same store functions and API handlers as the
CLI and the API."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse

from api.deps import HolderDep, SessionDep, SettingsDep, StoreDep
from api.errors import scrub_paths
from api.routers import models as model_api
from api.store.accounts import (
    ROLES,
    AccountError,
    create_account,
    list_accounts,
    revoke_account,
    set_region,
)
from api.store.importer import IMPORT_KINDS, import_file
from api.store.model_state import mirror_current_version
from api.store.regions import Region
from api.web.base import AdminViewerDep, CsrfDep, error_text, not_found_as_page, render, templates
from api.web.charts import line_chart
from api.web.views import problem_rows
from matcher.data.errors import DataValidationError, MatcherError
from matcher.i18n import format_number, t, text_in

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("")
def admin_home(request: Request, viewer: AdminViewerDep):
    return render(request, viewer, "admin.html")


# -- import ------------------------------------------------------------------------------
@router.get("/impor")
def import_page(request: Request, viewer: AdminViewerDep):
    return render(request, viewer, "admin_import.html", kinds=IMPORT_KINDS, kind="umkm")


@router.post("/impor", dependencies=[CsrfDep])
def import_upload(
    request: Request,
    viewer: AdminViewerDep,
    store: StoreDep,
    holder: HolderDep,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
):
    """All rows or none (:func:`api.store.importer.import_file`); every problem as a table row."""
    lang = viewer.lang
    if kind not in IMPORT_KINDS or not file.filename:
        return render(
            request,
            viewer,
            "admin_import.html",
            status=422,
            kinds=IMPORT_KINDS,
            kind=kind,
            error=t("web.import.choose", lang),
        )
    suffix = Path(file.filename).suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / Path(file.filename).name
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        path.write_bytes(file.file.read())
        try:
            result = import_file(store, kind, path, recorded_by=f"web:{viewer.principal.name}")
        except DataValidationError as exc:
            return render(
                request,
                viewer,
                "admin_import.html",
                status=422,
                kinds=IMPORT_KINDS,
                kind=kind,
                problems=problem_rows(exc.problems, lang),
                filename=file.filename,
            )
        except MatcherError as exc:
            return render(
                request,
                viewer,
                "admin_import.html",
                status=422,
                kinds=IMPORT_KINDS,
                kind=kind,
                error=t("web.import.failed", lang, detail=error_text(exc, lang)),
            )
    holder.notice_change()
    done = t(
        "web.import.done",
        lang,
        written=format_number(result.rows_written, lang=lang),
        rows=format_number(result.rows_in_file, lang=lang),
        file=file.filename,
    )
    return render(
        request,
        viewer,
        "admin_import.html",
        kinds=IMPORT_KINDS,
        kind=kind,
        done=done,
        warnings=[w.text(lang) if hasattr(w, "text") else str(w) for w in result.warnings[:20]],
    )


# -- accounts ----------------------------------------------------------------------------
def _accounts_page(request, viewer, session, status=200, **context):
    accounts = [
        {
            "name": a.name,
            "role": a.role,
            "region": str(Region(a.province, a.regency)) if a.province else "",
            "revoked": a.revoked_at is not None,
            "created": a.created_at.strftime("%Y-%m-%d") if getattr(a, "created_at", None) else "–",
        }
        for a in list_accounts(session)
    ]
    return render(
        request,
        viewer,
        "admin_accounts.html",
        status=status,
        accounts=accounts,
        roles=ROLES,
        **context,
    )


@router.get("/akun")
def accounts_page(request: Request, viewer: AdminViewerDep, session: SessionDep):
    return _accounts_page(request, viewer, session)


def _region(text: str) -> Region | None:
    return Region.parse(text) if text.strip() else None


@router.post("/akun", dependencies=[CsrfDep])
def create(
    request: Request,
    viewer: AdminViewerDep,
    store: StoreDep,
    session: SessionDep,
    name: Annotated[str, Form()],
    role: Annotated[str, Form()],
    region: Annotated[str, Form()] = "",
):
    try:
        with store.transaction() as tx:
            _, key = create_account(tx, name.strip(), role, _region(region))
    except MatcherError as exc:
        return _accounts_page(
            request,
            viewer,
            session,
            status=422,
            error=t("web.accounts.failed", viewer.lang, detail=error_text(exc, viewer.lang)),
        )
    return _accounts_page(request, viewer, session, new_key=key, new_name=name.strip())


@router.post("/akun/{name}/cabut", dependencies=[CsrfDep])
def revoke(request: Request, name: str, viewer: AdminViewerDep, store: StoreDep):
    try:
        with store.transaction() as tx:
            revoke_account(tx, name)
    except AccountError:
        pass  # already gone: the list shows what is there
    request.app.state.key_cache.clear()  # this process refuses the key at once
    return RedirectResponse("/admin/akun", status_code=303)


@router.post("/akun/{name}/wilayah", dependencies=[CsrfDep])
def change_region(
    request: Request,
    name: str,
    viewer: AdminViewerDep,
    store: StoreDep,
    session: SessionDep,
    region: Annotated[str, Form()] = "",
):
    try:
        with store.transaction() as tx:
            set_region(tx, name, _region(region))
        request.app.state.key_cache.clear()  # the new region applies at once here
    except MatcherError as exc:
        return _accounts_page(
            request,
            viewer,
            session,
            status=422,
            error=t("web.accounts.failed", viewer.lang, detail=error_text(exc, viewer.lang)),
        )
    return RedirectResponse("/admin/akun", status_code=303)


# -- models ------------------------------------------------------------------------------
METRIC_PREFERENCE = ("ndcg@10", "ndcg_at_10", "ndcg10", "map@10", "recall@10")


def _metric_series(versions: list[dict]) -> tuple[str | None, list[tuple[str, float]]]:
    """The headline metric over versions (oldest first): the first preferred one any
    version has, else the first numeric one."""
    numeric = [
        (
            v["version"],
            {
                k: x
                for k, x in (v.get("metrics") or {}).items()
                if isinstance(x, (int, float)) and not isinstance(x, bool)
            },
        )
        for v in versions
    ]
    names = [n for _, m in numeric for n in m]
    name = next((p for p in METRIC_PREFERENCE if p in names), names[0] if names else None)
    return name, [(v, m[name]) for v, m in numeric if name in m]


@router.get("/model")
def models_page(
    request: Request, viewer: AdminViewerDep, holder: HolderDep, job: str | None = None
):
    lang = viewer.lang
    versions = holder.source.versions()
    snap = holder.snapshot
    metric, series = _metric_series(versions)
    chart = (
        line_chart(series, title=t("web.models.chart_title", lang, metric=metric or "–"), lang=lang)
        if series
        else None
    )
    rows = [
        {
            "version": v["version"],
            "created": (v.get("created_at") or "–")[:16].replace("T", " "),
            "current": v.get("is_current"),
            "error": scrub_paths(text_in(v["error"], lang)) if v.get("error") else None,
            "metrics": ", ".join(
                f"{k} {format_number(x, 3, lang=lang)}"
                for k, x in (v.get("metrics") or {}).items()
                if isinstance(x, (int, float)) and not isinstance(x, bool)
            )[:200],
        }
        for v in reversed(versions)
    ]
    return render(
        request,
        viewer,
        "admin_models.html",
        versions=rows,
        chart=chart,
        serving=snap.model_version if snap else None,
        job=job,
    )


@router.post("/model/{version}/promosi", dependencies=[CsrfDep])
def promote(version: str, viewer: AdminViewerDep, holder: HolderDep, store: StoreDep):
    try:
        model_api.promote(version, viewer.principal, holder, store)
    except HTTPException:
        pass  # unknown version: the list shows what exists
    return RedirectResponse("/admin/model", status_code=303)


@router.post("/model/kembalikan", dependencies=[CsrfDep])
def rollback(request: Request, viewer: AdminViewerDep, holder: HolderDep, store: StoreDep):
    """Back to the version that was current before (the registry's rollback)."""
    registry = model_api._served_registry(holder)
    try:
        version = registry.rollback(reason=f"rolled back via web by {viewer.principal.name}")
    except MatcherError as exc:
        return render(
            request,
            viewer,
            "error.html",
            status=409,
            message=t(
                "web.models.rollback_failed", viewer.lang, detail=error_text(exc, viewer.lang)
            ),
        )
    with store.transaction() as tx:
        mirror_current_version(tx, version, by=viewer.principal.name)
    holder.notice_change()
    return RedirectResponse("/admin/model", status_code=303)


@router.post("/model/latih", dependencies=[CsrfDep])
def retrain(
    request: Request,
    viewer: AdminViewerDep,
    holder: HolderDep,
    store: StoreDep,
    settings: SettingsDep,
):
    try:
        job = model_api.start_retrain(viewer.principal, holder, store, settings, request)
    except HTTPException as exc:
        job = next((j for j in _jobs(request) if j["status"] in ("queued", "running")), None)
        if exc.status_code != 409 or job is None:  # e.g. models not served from a registry
            raise not_found_as_page(exc) from None
    return RedirectResponse(f"/admin/model?job={job['job_id']}#latih", status_code=303)


def _jobs(request: Request) -> list[dict]:
    jobs = request.app.state.retrain_jobs
    listing = getattr(jobs, "list", None)
    return [j.to_dict() for j in listing()] if listing else []


@router.get("/model/latih/{job_id}")
def retrain_status(request: Request, job_id: str, viewer: AdminViewerDep):
    """The job's status as a fragment (JSON ``{html, done}``) for the page's poller, or a page."""
    job = request.app.state.retrain_jobs.get(job_id)
    lang = viewer.lang
    if job is None:
        info = {"status": "unknown", "progress": [], "message": t("web.models.job_unknown", lang)}
    else:
        info = job.to_dict()
    html = (
        templates(request)
        .get_template("_retrain_status.html")
        .render(job=info, _=lambda key, **p: t(key, lang, **p))
    )
    return JSONResponse({"html": html, "done": info["status"] in ("done", "failed", "unknown")})
