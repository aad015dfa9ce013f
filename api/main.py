"""The facilitator API: ``create_app(settings)`` builds a FastAPI app.

Nothing heavy happens at import. At startup (lifespan) the store is opened (schema
migrated to head) and the match service is built once from the registry's current model
and the stored profiles; afterwards :class:`api.engine.ServiceHolder` swaps in a new
service in the background when a model is promoted or profiles change. Retrains requested
through ``POST /models/retrain`` run in a background thread (:class:`api.retrain.RetrainJobs`,
one at a time; the training stack is imported when the first job runs); a retrain still running at shutdown is abandoned, leaving at most a
registered, unpromoted version behind.
OpenAPI docs: ``/docs``; the facilitator web app: ``/`` (:mod:`api.web`).
"""

from __future__ import annotations

import logging
import sys
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api import errors, middleware, web
from api.cache import KeyCache, RankCache
from api.engine import ModelSource, RegistryModelSource, ServiceHolder
from api.retrain import RetrainJobs
from api.routers import (
    advice,
    events,
    firms,
    followups,
    health,
    match,
    models,
    outcomes,
    reports,
    umkm,
)
from api.settings import Settings
from api.store import open_store

log = logging.getLogger(__name__)

DESCRIPTION = """
Match Indonesian UMKM with PMA/PMDN investment firms.

Authenticate with the key from `matcher accounts add` in the **X-API-Key** header
(or `Authorization: Bearer KEY`). Facilitators scoped to a region see only that region's
UMKM; admins see everything and may promote models.
"""


def _prewarmer(cache: RankCache, store, holder: ServiceHolder, settings: Settings):
    """Fill the rank cache for each new snapshot (:func:`api.matching.prewarm`): a rebuilt
    snapshot is warmed BEFORE it is swapped in (``holder.warm``, in the rebuild thread,
    while the old snapshot answers), the first one in a background thread after it is
    served (nothing would answer meanwhile). Returns the new-snapshot listener."""
    import threading
    import time

    from api.matching import prewarm

    def wanted(snapshot) -> bool:
        n_umkm, n_firms = len(snapshot.service.umkm_index), len(snapshot.service.firm_index)
        # two entries per UMKM: its outcome-free list and its answer
        return (
            2 * n_umkm <= settings.rank_cache_size
            and n_umkm * n_firms <= settings.prewarm_max_pairs
        )

    def warm(snapshot, still_wanted) -> bool:
        if not wanted(snapshot):
            return False
        started = time.monotonic()
        n = prewarm(snapshot, cache, store, still_wanted=still_wanted, shared=settings.warm_folder)
        log.info(
            "prewarmed %d ranked lists for model %s in %.1f s",
            n,
            snapshot.model_version,
            time.monotonic() - started,
        )
        return True

    def run(snapshot) -> None:
        try:
            warm(snapshot, lambda: holder.snapshot is snapshot)
        except Exception:  # the cache fills on demand instead
            log.exception("prewarming the ranked lists failed")

    def listener(snapshot) -> None:
        if snapshot in holder.warmed or not wanted(snapshot):
            return
        threading.Thread(target=run, args=(snapshot,), name="prewarm", daemon=True).start()

    holder.warm = warm
    return listener


def create_app(
    settings: Settings | None = None, model_source: ModelSource | None = None
) -> FastAPI:
    """An app for ``settings`` (default: from ``MATCHER_*`` variables).

    ``model_source`` replaces the registry (tests inject a small fake model through it).
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # one worker thread per request let in (api.middleware.InFlightLimit), and two
        # pooled connections per such request (Settings.db_pool_size): with anyio's 40
        # threads, no bound and a pool of 15, 50 clients left every thread waiting 30 s
        # for a connection (pool timeouts, then 500s)
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        sys.setswitchinterval(settings.switch_interval_ms / 1000)
        store = await run_in_threadpool(open_store, settings)
        source = model_source or RegistryModelSource(settings.resolved_registry())
        holder = ServiceHolder(store, source, settings.reload_interval_s)
        app.state.settings, app.state.store, app.state.holder = settings, store, holder
        app.state.rank_cache = RankCache(settings.rank_cache_size)
        app.state.key_cache = KeyCache(settings.key_cache_s)
        if settings.prewarm:
            holder.on_new_snapshot.append(_prewarmer(app.state.rank_cache, store, holder, settings))
        app.state.retrain_jobs = RetrainJobs()  # one retrain at a time, per server process
        try:
            await run_in_threadpool(holder.refresh)
        except Exception as exc:  # serve lists/outcomes anyway; /health says why
            log.warning("no match service yet: %s", exc)
        holder.watch()  # follow promotions and profile writes even when no request comes
        yield
        holder.stop_watching()
        holder.wait_for_rebuild(timeout=30)
        store.dispose()

    app = FastAPI(
        title="matcher",
        description=DESCRIPTION,
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )  # /docs is served offline by api.web
    errors.install(app)
    middleware.install(app, settings)
    for module in (
        health,
        umkm,
        firms,
        match,
        outcomes,
        followups,
        events,
        models,
        reports,
        advice,
    ):
        app.include_router(module.router)
    web.install(app)
    return app
