"""What warming a served snapshot costs: every UMKM's default list computed ahead of reads.

Builds a home (``bench_api.prepare_home``: a demo world in a SQLite store, a trained model
in the registry), binds the served snapshot as ``matcher serve`` does, and measures
process CPU seconds for, in one run:

* the **reference**: ``MatchService.recommend_firms`` top-10 for every UMKM (the batch
  scoring ``matcher recommend`` does, reasons and chances included);
* the **prewarm** (:func:`api.matching.prewarm`): every UMKM's outcome-free list (top
  10 + 10) and its default answer, as one server process fills its rank cache;
* the **shared prewarm read** by a second process of the same home: the lists read from
  ``<home>/cache`` instead of scored (``--workers 2`` pays the scoring once);
* a **read after an outcome**, per call, for a UMKM with four outcomes: its pair statuses
  row by row (``umkm_pair_status``) beside the frame path as reference
  (``PairStatus(outcomes_frame(...))``), and ``restatus`` of its cached list;
* **the one query every read makes** (``visible_outcomes_version``: may the caller see
  this UMKM, and has any of its outcomes changed), its statement built once per region,
  beside the same statement built on every call as reference.

    .venv/bin/python bench/bench_prewarm.py [--umkm 3000] [--firms 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import prepare_home  # noqa: E402
from common import load_average  # noqa: E402


def cpu(func):
    started = time.process_time()
    out = func()
    return out, time.process_time() - started


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--umkm", type=int, default=3_000)
    p.add_argument("--firms", type=int, default=300)
    p.add_argument("--train-umkm", type=int, default=300)
    args = p.parse_args()

    from threadpoolctl import threadpool_limits

    from api.cache import RankCache
    from api.engine import RegistryModelSource, ServiceHolder
    from api.matching import prewarm
    from api.settings import Settings
    from api.store import open_store

    with tempfile.TemporaryDirectory(prefix="bench-prewarm-") as tmp:
        home = Path(tmp)
        prepare_home(home, args.umkm, args.firms, args.train_umkm)
        settings = Settings(home=home)
        store = open_store(settings)
        holder = ServiceHolder(store, RegistryModelSource(home / "models"))
        snapshot = holder.current()
        service = snapshot.service
        n = len(service.umkm_index)
        with threadpool_limits(limits=1, user_api="openmp"):  # as a server thread scores
            service.recommend_firms(service.umkm["umkm_id"].iloc[:50].tolist(), 10)  # warm-up
            _, reference = cpu(lambda: service.recommend_firms(None, 10))
        shared = home / "cache"
        done, first = cpu(lambda: prewarm(snapshot, RankCache(), store, shared=shared))
        again, second = cpu(lambda: prewarm(snapshot, RankCache(), store, shared=shared))
        per_call = read_after_outcome(store, service)
        store.dispose()
    print(f"\n{n:,} UMKM x {args.firms:,} firms, load average {load_average():.1f}")
    print(f"{'':62s} {'CPU s':>7s} {'ms per UMKM':>12s}")
    rows = [
        ("reference: recommend_firms top-10, every UMKM", reference),
        (f"prewarm, scoring ({done:,} answers)", first),
        (f"prewarm, a second process reading the shared lists ({again:,})", second),
    ]
    for name, seconds in rows:
        print(f"{name:62s} {seconds:7.1f} {1000 * seconds / n:12.2f}")
    print(f"\n{'a read after an outcome (UMKM with 4 outcomes), per call':62s} {'ms':>7s}")
    for name, ms in per_call.items():
        print(f"{name:62s} {ms:7.2f}")
    return 0


def read_after_outcome(store, service, repeat: int = 200) -> dict[str, float]:
    """ms per call of what a read after an outcome does, beside the frame path."""
    import datetime as dt

    from api.store.outcomes import (
        outcomes_frame,
        record_outcome,
        umkm_pair_status,
        visible_outcomes_version,
    )
    from matcher.feedback import PairStatus

    umkm_id = service.umkm["umkm_id"].iloc[5]
    ahead = service.recommend_ahead([umkm_id], 10)
    stages = ("declined", "meeting", "mou_signed", "meeting")
    with store.transaction() as s:
        for day, (firm, stage) in enumerate(zip(ahead["firm_id"].iloc[:4], stages)):
            record_outcome(
                s,
                umkm_id=umkm_id,
                firm_id=firm,
                stage=stage,
                date=dt.date(2025, 1, day + 1),
                recorded_by="bench",
                source="api",
                **({"declined_by": "firm"} if stage == "declined" else {}),
            )

    def ms(func) -> float:
        func()
        started = time.process_time()
        for _ in range(repeat):
            func()
        return 1000 * (time.process_time() - started) / repeat

    partners = service.with_outcomes(  # no decline: nothing moves up, nothing to explain
        PairStatus.of_pairs([umkm_id] * 2, ahead["firm_id"].iloc[:2].tolist(), [2, 3])
    )
    with store.session() as s:
        status = umkm_pair_status(s, umkm_id)
        return {
            "reference: PairStatus(outcomes_frame(umkm_id=...))": ms(
                lambda: PairStatus(outcomes_frame(s, umkm_id=umkm_id))
            ),
            "every read's query, statement built per call (reference)": ms(
                lambda: _version_built_per_call(s, umkm_id)
            ),
            "every read's query: visible_outcomes_version (built once)": ms(
                lambda: visible_outcomes_version(s, umkm_id)
            ),
            "umkm_pair_status (row by row)": ms(lambda: umkm_pair_status(s, umkm_id)),
            "restatus of its cached list, statuses only": ms(lambda: partners.restatus(ahead, 10)),
            "restatus when a declined firm lets the 11th move up (explained)": ms(
                lambda: service.with_outcomes(status).restatus(ahead, 10)
            ),
        }


def _version_built_per_call(session, umkm_id: str):
    """The reference: visible_outcomes_version as it was, building its statement (and
    SQLAlchemy its cache key) on every call."""
    from sqlalchemy import select

    from api.store.models import Outcome, Umkm
    from api.store.outcomes import _version_columns

    visible = select(Umkm.umkm_id).where(Umkm.umkm_id == umkm_id).exists()
    row = session.execute(select(visible, *_version_columns([Outcome.umkm_id == umkm_id]))).one()
    return None if not row[0] else tuple(int(v or 0) for v in row[1:])


if __name__ == "__main__":
    raise SystemExit(main())
