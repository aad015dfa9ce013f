"""The batch pipeline (matcher.batch): source -> scorer -> sink, one path for every engine.

The local engine is checked against the service's own chunk iteration (what the pipeline
replaced in the CLI), from both sources; the Dask engine against the local one is in
tests/test_scale.py. A rule-based stand-in model keeps this fast."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.batch import (
    CallbackSink,
    LocalEngine,
    frame_batches,
    make_engine,
    run_batch,
    service_batches,
)
from matcher.data.errors import MatcherError
from matcher.output import TableWriter, with_names
from matcher.service import MatchService
from tests.fakes import FakeModel
from tests.worlds import demo_frames

K = 4


@pytest.fixture(scope="module")
def world():
    umkm, firms, *_ = demo_frames(90, 25, 5)
    return umkm, firms, MatchService(FakeModel(boosted=("F-0003",)), umkm, firms)


def _collect(service, batches, **kw) -> tuple[pd.DataFrame, list[int]]:
    parts, done = [], []
    rows = run_batch(service, batches, K, CallbackSink(parts.append), progress=done.append, **kw)
    out = pd.concat(parts, ignore_index=True)
    assert rows == len(out)
    return out, done


def test_service_source_equals_the_services_own_chunks(world):
    umkm, firms, service = world
    ids = list(umkm["umkm_id"][[5, 1, 5, 40, 7]])  # order kept, a repeat kept
    got, done = _collect(service, service_batches(service, ids, chunk_size=2))
    expected = pd.concat(list(service.iter_recommend_firms(ids, K, chunk_size=2)))
    pd.testing.assert_frame_equal(got, expected.reset_index(drop=True))
    assert done == [2, 2, 1]
    assert got["umkm_id"].tolist() == [i for i in ids for _ in range(K)]


def test_profile_source_equals_the_service_source(world):
    """Profiles read from a file (no positions: encoded as they come, on a firm-side
    service) give the rows the service's own UMKM give."""
    umkm, firms, service = world
    frames = [umkm.iloc[s : s + 16] for s in range(0, len(umkm), 16)]
    from_profiles, _ = _collect(service.firm_side(), frame_batches(frames))
    from_service, _ = _collect(service, service_batches(service, None, chunk_size=16))
    pd.testing.assert_frame_equal(from_profiles, from_service)
    assert len(from_service) == len(umkm) * K


def test_file_sink_with_names_is_what_the_cli_wrote_before(world, tmp_path):
    umkm, firms, service = world
    with TableWriter(tmp_path / "old.csv") as w:  # the CLI's local branch, before the pipeline
        for chunk in service.iter_recommend_firms(None, K, chunk_size=32):
            w.write(with_names(chunk, umkm, firms))
    with TableWriter(tmp_path / "new.csv") as sink:
        run_batch(
            service,
            service_batches(service, None, 32),
            K,
            sink,
            engine=make_engine("local"),
            decorate=lambda recs, rows: with_names(recs, rows, firms),
        )
    assert (tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()


def test_a_source_may_stop_early_and_nothing_more_is_scored(world):
    umkm, firms, service = world
    scored = []

    class Counting(LocalEngine):
        def run(self, service, batches, k):
            for batch, frame in super().run(service, batches, k):
                scored.append(len(batch.rows))
                yield batch, frame

    def first_two():
        for i, batch in enumerate(service_batches(service, None, 10)):
            if i == 2:
                return
            yield batch

    out, _ = _collect(service, first_two(), engine=Counting())
    assert scored == [10, 10] and out["umkm_id"].nunique() == 20


def test_bad_requests_are_refused_before_scoring(world):
    umkm, firms, service = world
    with pytest.raises(MatcherError, match="unknown umkm id"):
        service_batches(service, ["nope"], 10)
    with pytest.raises(MatcherError, match="chunk_size must be at least 1"):
        service_batches(service, None, 0)
    with pytest.raises(MatcherError, match="unknown engine 'spark'"):
        make_engine("spark")
    assert run_batch(service, iter([]), K, CallbackSink(lambda f: None)) == 0
    assert list(frame_batches([umkm.iloc[:0], umkm.iloc[:0]])) == []  # empty chunks skipped
