"""Turns :class:`~matcher.service.MatchService` answers into API responses.

No scoring happens here: every score and reason comes from the service. This layer adds
what only the API knows about — display names, the caller's region, and the snapshot's
model version — so route handlers stay a few lines each.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path

import numpy as np
import pandas as pd
from fastapi import Response
from threadpoolctl import threadpool_limits

from api import schemas
from api.cache import RankCache
from api.engine import ServiceHolder, ServiceUnavailable, Snapshot
from api.store.outcomes import outcomes_frame, umkm_pair_status, visible_outcomes_version
from api.store.regions import Region
from matcher.i18n import Message
from matcher.index import UnknownIdError
from matcher.service import AHEAD_MARGIN

_thread_state = threading.local()
log = logging.getLogger(__name__)


def scoring(func):
    """Run ``func`` with native (OpenMP) code limited to one thread in this worker thread.

    Requests already run in parallel on the server's threadpool; letting each also fan out
    to every core (the boosted trees predict with OpenMP) oversubscribes the CPU and
    multiplies latency on small per-request batches. The limit is per thread, so it is
    set once per worker thread and costs nothing afterwards.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if not getattr(_thread_state, "limited", False):
            threadpool_limits(limits=1, user_api="openmp")
            _thread_state.limited = True
        return func(*args, **kwargs)

    return wrapper


def split_reasons(text: str) -> list[str]:
    return [part.strip() for part in str(text).split(";") if part.strip()]


def _filters(service, filters: schemas.MatchFilters | None) -> dict:
    """The service's keyword filters for a request's MatchFilters (province spellings as
    the loaders read them; an unknown one is a 422 naming it)."""
    if filters is None:
        return {}
    province_code = None
    if filters.province:
        from fastapi import HTTPException, status

        from matcher.data.reference import UnknownReferenceError, normalise_province
        from matcher.i18n import Message

        try:
            province_code, _ = normalise_province(filters.province)
        except UnknownReferenceError as exc:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                Message(
                    "api.error.field",
                    field="province",
                    detail=exc.args[0] if len(exc.args) == 1 else str(exc),
                ),
            ) from None
    return {
        "firm_mask": service.firm_mask(filters.investment_type, province_code),
        "min_chance": filters.min_chance,
    }


def fed(snapshot: Snapshot, outcomes, include_declined: bool = False):
    """The snapshot's service answering with the store's outcomes as they are now (a frame
    or their PairStatus)."""
    return snapshot.service.with_outcomes(outcomes, include_declined=include_declined)


def chance_fields(recs: pd.DataFrame) -> list[dict]:
    """Per row: p_meeting, p_mou, p_contract, expected_value_idr (None where unknown).
    Column by column (no pandas per row: the prewarm builds thousands of answers)."""
    from matcher.service import CHANCE_COLUMNS

    cols = [c for c in CHANCE_COLUMNS if c in recs.columns]
    if not cols:
        return [{} for _ in range(len(recs))]
    values = [[None if v != v else v for v in recs[c].to_numpy(dtype=float).tolist()] for c in cols]
    return [dict(zip(cols, row)) for row in zip(*values)]


def _names(frame: pd.DataFrame, index, ids) -> list[str]:
    return frame["name"].to_numpy()[index.to_index(list(ids))].tolist()


def require_loaded(snapshot: Snapshot, kind: str, id_: str) -> None:
    """A profile in the store but not yet in the served snapshot (imported seconds ago)."""
    index = snapshot.service.umkm_index if kind == "umkm" else snapshot.service.firm_index
    if id_ not in index:
        raise ServiceUnavailable(
            Message("api.unavailable.not_loaded", kind=kind.upper(), id=repr(id_))
        )


PREWARM_K = 10  # the question asked most: GET /umkm/{id}/matches with no parameters


def _umkm_key(umkm_id: str, k: int, filters: schemas.MatchFilters, version: tuple) -> tuple:
    return ("umkm", umkm_id, k, filters.model_dump_json(), version)


def _ahead_key(umkm_id: str, k: int, filters: schemas.MatchFilters) -> tuple:
    """The key of a UMKM's outcome-free list (MatchService.recommend_ahead): the question
    without its outcomes, which the list does not depend on."""
    return ("ahead", umkm_id, k, filters.model_dump_json(exclude={"include_declined"}))


@scoring
def _ahead(snapshot: Snapshot, umkm_id: str, k: int, filters: schemas.MatchFilters):
    """One UMKM's outcome-free top k + margin (scores, chances, reasons)."""
    require_loaded(snapshot, "umkm", umkm_id)
    service = snapshot.service
    return service.recommend_ahead([umkm_id], k, **_filters(service, filters))


def _per_umkm(frame: pd.DataFrame) -> list[tuple[str, int, int]]:
    """(UMKM ID, first row, end row) of each UMKM's rows (kept together, best first)."""
    ids = frame["umkm_id"].to_numpy(dtype=object)
    if not len(ids):
        return []
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    return [(ids[a], a, b) for a, b in zip(starts, [*starts[1:], len(ids)])]


def _answers(service, model_version, recs: pd.DataFrame) -> dict[str, bytes]:
    """Each UMKM's answer in ``recs`` (rows grouped by UMKM, best first) as JSON bytes."""
    matches = _firm_matches(service, recs)
    return {
        umkm_id: schemas.UmkmMatches(
            umkm_id=umkm_id, model_version=model_version, matches=matches[a:b]
        )
        .model_dump_json()
        .encode()
        for umkm_id, a, b in _per_umkm(recs)
    }


@scoring
def prewarm(
    snapshot: Snapshot,
    cache: RankCache,
    store,
    still_wanted=lambda: True,
    batch: int = 256,
    shared: Path | None = None,
) -> int:
    """Compute every UMKM's default answer (k=10, no filters) for ``snapshot`` in batches
    and store it in ``cache`` under the key a request would use; returns how many. Its
    outcome-free list (top k + margin, :meth:`~matcher.service.MatchService.recommend_ahead`)
    is kept too, so an outcome recorded later costs no model time (only
    :meth:`~matcher.service.MatchService.restatus`).

    ``shared``: a folder the server processes of one home share (``<home>/cache``). The
    outcome-free lists depend on the snapshot only (model version, profile revision), so
    the first process to warm a snapshot writes them there (Parquet, atomically) under a
    lock, and the others wait for that lock and read them instead of scoring again: with
    ``--workers 2`` a promotion costs the model time once, not twice.

    The outcome versions are read BEFORE the outcomes: an outcome recorded in between
    leaves an entry under a version no request will ask for again (versions only grow),
    never a stale answer under the new version. Stops as soon as ``still_wanted()`` is
    false (a promotion or profile write superseded this snapshot)."""
    from api.store.outcomes import outcomes_versions

    filters = schemas.MatchFilters()
    with store.session() as session:
        versions = outcomes_versions(session)
        outcomes = outcomes_frame(session)
    service = fed(snapshot, outcomes)
    done = 0
    for ahead in _ahead_lists(snapshot, batch, still_wanted, shared):
        for umkm_id, a, b in _per_umkm(ahead):
            cache.put(snapshot, _ahead_key(umkm_id, PREWARM_K, filters), ahead.iloc[a:b])
        recs, _ = service.restatus(ahead, PREWARM_K)  # the few handed back fill on demand
        for umkm_id, body in _answers(service, snapshot.model_version, recs).items():
            version = versions.get(umkm_id, (0, 0, 0, 0))
            cache.put(snapshot, _umkm_key(umkm_id, PREWARM_K, filters, version), body)
            done += 1
    return done


def _ahead_lists(snapshot: Snapshot, batch: int, still_wanted, shared: Path | None):
    """Every UMKM's outcome-free default list, ``batch`` UMKM at a time: scored here, or
    read from ``shared`` when another process of this home already scored this snapshot
    (see :func:`prewarm`)."""
    service = snapshot.service

    def scored():
        for u_idx in service.chunk_positions(None, batch):
            if not still_wanted():  # superseded: stop at once
                return
            yield service.recommend_ahead(service.umkm_index.to_ids(u_idx), PREWARM_K)

    if shared is None:
        yield from scored()
        return
    from matcher import owner_lock

    name = (
        f"{snapshot.model_version}-r{snapshot.profile_revision}-k{PREWARM_K}-m{AHEAD_MARGIN}"
        f"-{_code_fingerprint()}"
    )
    path = Path(shared) / f"ahead-{''.join(c if c.isalnum() or c in '-_' else '_' for c in name)}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with owner_lock.hold(path.with_suffix(".lock")):
            whole = _read_lists(path.with_suffix(".parquet"))
            if whole is None:
                parts = list(scored())
                if not still_wanted() or not parts:
                    yield from parts
                    return
                whole = pd.concat(parts, ignore_index=True)
                _write_lists(whole, path.with_suffix(".parquet"))
    except OSError as exc:  # a read-only home: each process scores for itself
        log.warning("sharing the prewarm through %s failed (%s); scoring here", shared, exc)
        yield from scored()
        return
    cuts = [a for _, a, _ in _per_umkm(whole)][::batch] + [len(whole)]
    for a, b in zip(cuts[:-1], cuts[1:]):
        yield whole.iloc[a:b].reset_index(drop=True)


@functools.cache
def _code_fingerprint() -> str:
    """What else a list depends on besides the snapshot: the code that scores and words it
    (the core's and the API's sources, the message catalogue) and the server's language
    (reasons are written in it). An upgraded server, or one set to another language, on
    the same home never reads lists another version wrote."""
    import hashlib

    from matcher.i18n.catalogue import current_lang

    digest = hashlib.sha256(current_lang().encode())
    for package in ("matcher", "api"):
        root = Path(__import__(package).__file__).parent
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".toml", ".psv", ".csv") and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _read_lists(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # a torn or foreign file: score again
        log.warning("the shared prewarm %s is unreadable (%s); scoring again", path, exc)
        return None
    return frame


def _write_lists(frame: pd.DataFrame, path: Path, keep: int = 4) -> None:
    """Write atomically (a temporary file renamed), then remove all but the ``keep``
    newest lists of this folder (superseded snapshots)."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ahead-", suffix=".tmp")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    lists = sorted(path.parent.glob("ahead-*.parquet"), key=lambda p: p.stat().st_mtime)
    for old in lists[:-keep]:
        old.unlink(missing_ok=True)


def cached_firms_for_umkm(
    holder: ServiceHolder,
    store,
    cache: RankCache,
    region: Region | None,
    umkm_id: str,
    k: int,
    filters: schemas.MatchFilters,
) -> Response:
    """``GET /umkm/{id}/matches`` as JSON bytes, from the rank cache when nothing it depends
    on changed (see :mod:`api.cache`): the snapshot (model and profiles), the question (k,
    filters) and the UMKM's outcomes with their corrections and voids. One database trip
    checks that the caller may see the UMKM (404 alike for "elsewhere" and "no such UMKM")
    and reads its outcome version (:func:`~api.store.outcomes.visible_outcomes_version`).
    On a miss (an outcome recorded since, or a new question) only this UMKM's pair statuses
    are read (:func:`~api.store.outcomes.umkm_pair_status`) and applied to its outcome-free
    list, itself cached per snapshot: no model work unless the question is new. Sync: the route runs all of it in one worker thread."""
    from api.access import umkm_not_found

    with store.session() as session:
        version = visible_outcomes_version(session, umkm_id, region)
        if version is None:
            raise umkm_not_found(umkm_id)
        snapshot = holder.current()
        key = _umkm_key(umkm_id, k, filters, version)

        def compute() -> bytes:
            # its pairs' statuses are all the answer needs of its outcomes (none: no query)
            outcomes = umkm_pair_status(session, umkm_id) if version[0] else None
            kept = max(k, PREWARM_K)  # a smaller k is cut from the prewarmed list
            ahead = cache.get_or_compute(
                snapshot,
                _ahead_key(umkm_id, kept, filters),
                lambda: _ahead(snapshot, umkm_id, kept, filters),
            )
            service = fed(snapshot, outcomes, filters.include_declined)
            recs, short = service.restatus(ahead, k, margin=kept + AHEAD_MARGIN - k)
            if len(short):  # more declined pairs than the margin: score with them
                answer = firms_for_umkm(snapshot, umkm_id, k, filters, outcomes)
                return answer.model_dump_json().encode()
            if not len(recs):  # nothing qualifies
                return _empty_answer(snapshot, umkm_id)
            return _answers(service, snapshot.model_version, recs)[umkm_id]

        body = cache.get_or_compute(snapshot, key, compute)
    return Response(body, media_type="application/json")


def _empty_answer(snapshot: Snapshot, umkm_id: str) -> bytes:
    return (
        schemas.UmkmMatches(umkm_id=umkm_id, model_version=snapshot.model_version, matches=[])
        .model_dump_json()
        .encode()
    )


@scoring
def firms_for_umkm(
    snapshot: Snapshot,
    umkm_id: str,
    k: int,
    filters: schemas.MatchFilters | None = None,
    outcomes: pd.DataFrame | None = None,
) -> schemas.UmkmMatches:
    require_loaded(snapshot, "umkm", umkm_id)
    service = fed(snapshot, outcomes, bool(filters and filters.include_declined))
    recs = service.recommend_firms([umkm_id], k, **_filters(service, filters))
    return schemas.UmkmMatches(
        umkm_id=umkm_id,
        model_version=snapshot.model_version,
        matches=_firm_matches(service, recs),
    )


def _firm_matches(service, recs: pd.DataFrame) -> list[schemas.FirmMatch]:
    names = _names(service.firms, service.firm_index, recs["firm_id"])
    return [
        schemas.FirmMatch(
            rank=int(r), firm_id=f, name=n, score=float(s), reasons=split_reasons(x), status=st, **c
        )
        for r, f, n, s, x, st, c in zip(
            recs["rank"],
            recs["firm_id"],
            names,
            recs["score"],
            recs["reasons"],
            recs["status"],
            chance_fields(recs),
        )
    ]


@scoring
def umkm_for_firm(
    snapshot: Snapshot,
    firm_id: str,
    k: int,
    region: Region | None,
    filters: schemas.MatchFilters | None = None,
    outcomes: pd.DataFrame | None = None,
) -> schemas.FirmMatches:
    """Top-k UMKM for a firm; a scoped caller's ranking covers only UMKM in its region."""
    require_loaded(snapshot, "firm", firm_id)
    service = fed(snapshot, outcomes, bool(filters and filters.include_declined))
    pool = None if region is None else service.umkm["umkm_id"][region.mask(service.umkm)].tolist()
    recs = service.recommend_umkm(
        firm_id, k, umkm_ids=pool, min_chance=filters.min_chance if filters else None
    )
    umkm_ids, scores, reasons = recs["umkm_id"], recs["score"], recs["reasons"]
    names = _names(service.umkm, service.umkm_index, umkm_ids)
    matches = [
        schemas.UmkmMatch(
            rank=i + 1, umkm_id=u, name=n, score=float(s), reasons=split_reasons(x), status=st, **c
        )
        for i, (u, n, s, x, st, c) in enumerate(
            zip(umkm_ids, names, scores, reasons, recs["status"], chance_fields(recs))
        )
    ]
    return schemas.FirmMatches(
        firm_id=firm_id, model_version=snapshot.model_version, matches=matches
    )


@scoring
def match_profile(
    snapshot: Snapshot, profile: pd.DataFrame, k: int, filters: schemas.MatchFilters | None = None
) -> schemas.UmkmMatches:
    service = snapshot.service
    recs = service.match_profile(profile, k, **_filters(service, filters))
    return schemas.UmkmMatches(
        umkm_id=str(profile["umkm_id"].iloc[0]),
        model_version=snapshot.model_version,
        matches=_firm_matches(service, recs),
    )


@scoring
def engine_recommended(
    snapshot: Snapshot | None, umkm_id: str, firm_id: str, k: int, cache: RankCache | None = None
):
    """(was firm in the UMKM's top-k under the served model, that model's version).

    (None, None) when nothing is served or the pair is newer than the snapshot: unknown
    is recorded as unknown rather than guessed. With ``cache``, the UMKM's outcome-free
    list is taken from it (the one its match reads and the prewarm keep per snapshot: it
    depends on the model and the profiles only), so recording an outcome costs no model
    time once the UMKM's list is cached.
    """
    if snapshot is None:
        return None, None
    filters = schemas.MatchFilters()
    kept = max(k, PREWARM_K)  # a top k is the first k of any longer top list
    try:
        ahead = (
            _ahead(snapshot, umkm_id, kept, filters)
            if cache is None
            else cache.get_or_compute(
                snapshot,
                _ahead_key(umkm_id, kept, filters),
                lambda: _ahead(snapshot, umkm_id, kept, filters),
            )
        )
    except (UnknownIdError, ServiceUnavailable):
        return None, None
    return firm_id in set(ahead["firm_id"].iloc[:k]), snapshot.model_version


def _event_plan(
    snapshot: Snapshot,
    participants,
    request: schemas.PlanRequest,
    outcomes: pd.DataFrame | None = None,
    preferences: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The plan of the whole event, as ``matcher plan-event`` makes it (quotas and the
    event's stored preferences included)."""
    from matcher.planning import parse_quota

    _require_all_loaded(snapshot, participants)
    event = pd.DataFrame(
        {
            "party": [p.party for p in participants],
            "id": [p.participant_id for p in participants],
            "capacity": [p.capacity for p in participants],
        }
    )
    for spec in request.quotas:  # a typo is a 400 before any scoring
        parse_quota(spec, snapshot.service.umkm)
    return fed(snapshot, outcomes, request.include_declined).plan_event(
        event,
        min_score=request.min_score,
        min_chance=request.min_chance,
        quotas=request.quotas,
        must_include=[p.as_tuple() for p in request.must_include],
        exclude=[p.as_tuple() for p in request.exclude],
        preferences=preferences,
    )


def _shown(plan: pd.DataFrame, visible: set[str] | None) -> pd.DataFrame:
    """The pairs of UMKM the caller may see (all of them for an unscoped caller)."""
    return plan if visible is None else plan[plan["umkm_id"].isin(visible)]


@scoring
def plan_for_event(
    snapshot: Snapshot,
    participants,
    request: schemas.PlanRequest,
    visible: set[str] | None = None,
    note: str | None = None,
    outcomes: pd.DataFrame | None = None,
    preferences: pd.DataFrame | None = None,
    lang: str | None = None,
) -> schemas.PlanOut:
    """Optimal capacity-respecting pairs for an event's participants (the service plans).

    The whole event is planned; a caller scoped to a region (``visible``: the UMKM it may
    see) gets its own UMKM's pairs and the count of the others, with ``note`` saying so.
    With ``preferences``, vetoes are never planned, wishes weigh in, and the answer says
    how many wishes of each side are met and why the others are not (of the caller's UMKM)."""
    plan = _event_plan(snapshot, participants, request, outcomes, preferences)
    shown = _shown(plan, visible)
    pairs = [
        schemas.PlanPair(umkm_id=u, firm_id=f, score=float(s), reasons=split_reasons(r), **c)
        for u, f, s, r, c in zip(
            shown["umkm_id"],
            shown["firm_id"],
            shown["score"],
            shown["reasons"],
            chance_fields(shown),
        )
    ]
    hidden = len(plan) - len(shown)
    wishes, unmet = _wishes(plan, preferences, visible, lang)
    return schemas.PlanOut(
        event_id=participants[0].event_id,
        model_version=snapshot.model_version,
        pairs=pairs,
        hidden_pairs=hidden,
        note=note if hidden else None,
        wishes=wishes,
        unmet_wishes=unmet,
    )


def _wishes(
    plan: pd.DataFrame, preferences: pd.DataFrame | None, visible: set[str] | None, lang: str | None
) -> tuple[schemas.WishTally | None, list[schemas.UnmetWish]]:
    """Wishes met per side and the unmet ones, over the preferences about ``visible`` UMKM."""
    from matcher.i18n import t
    from matcher.preferences import wish_tally

    if preferences is None:
        return None, []
    mine = preferences if visible is None else preferences[preferences["umkm_id"].isin(visible)]
    unmet = plan.attrs.get("unmet_wishes")
    rows = []
    if unmet is not None and len(unmet):
        umkm_of = unmet["from_id"].where(unmet["from_party"] == "umkm", unmet["to_id"])
        keep = unmet[umkm_of.isin(set(mine["umkm_id"]))]
        rows = [
            schemas.UnmetWish(
                from_party=r.from_party,
                from_id=r.from_id,
                to_id=r.to_id,
                reason=r.reason,
                explanation=t(f"event.wish_unmet.{r.reason}", lang),
            )
            for r in keep.itertuples(index=False)
        ]
    return schemas.WishTally(**wish_tally(mine, plan)), rows


@scoring
def plan_workbook(
    snapshot: Snapshot,
    participants,
    request: schemas.PlanRequest,
    visible: set[str] | None = None,
    outcomes: pd.DataFrame | None = None,
    preferences: pd.DataFrame | None = None,
) -> bytes:
    """The printable event workbook (``matcher plan-event --out plan.xlsx``) as bytes."""
    import tempfile
    from pathlib import Path

    from matcher.export import write_plan

    plan = _shown(_event_plan(snapshot, participants, request, outcomes, preferences), visible)
    service = snapshot.service
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "plan.xlsx"
        write_plan(plan.reset_index(drop=True), path, umkm=service.umkm, firms=service.firms)
        return path.read_bytes()


def _require_all_loaded(snapshot: Snapshot, participants) -> None:
    for p in participants:
        require_loaded(snapshot, p.party, p.participant_id)
