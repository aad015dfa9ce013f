"""Batch scoring engines agree: Dask == local == unchunked, and failures leave no file.

One small trained model serves the whole file (session fixture). It is used twice: as
trained (40 firms: every firm scored by the trees) and with the shortlist switched on
(``shortlist_min_firms`` below the firm count), so both paths of ``top_firms`` run on the
workers. One local Dask cluster (2 worker processes) is shared by the Dask tests.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from matcher.data.errors import MatcherError
from matcher.i18n import text_in
from matcher.service import MatchService
from matcher.topk import top_k_rows
from tests.worlds import demo_frames

N_UMKM, N_FIRMS, K = 300, 40, 5


@pytest.fixture(autouse=True, scope="module")
def one_thread_per_process():
    """Tiny models run slower with OpenMP threads, badly so on a busy machine; the Dask
    workers are single-threaded already (their nanny sets OMP_NUM_THREADS=1)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(scope="session")
def small_world():
    """(umkm, firms, model): a generated world read back by the real loaders, and a model
    trained on its outcomes (few trees: enough to rank, fast to fit)."""
    from threadpoolctl import threadpool_limits

    from matcher.ranking import MatchModel

    umkm, firms, outcomes, _, _ = demo_frames(N_UMKM, N_FIRMS, 7)
    with threadpool_limits(1):  # tiny fits are slower with OpenMP threads on a busy machine
        model = MatchModel(max_iter=30).fit(umkm, firms, outcomes)
    return umkm, firms, model


@pytest.fixture(params=["all firms", "shortlist"])
def service(request, small_world) -> MatchService:
    import copy

    umkm, firms, model = small_world
    if request.param == "shortlist":
        # serving-time parameters only: same fitted parts, shortlist of 12 out of 40 firms
        model = copy.copy(model).set_params(shortlist_min_firms=20, shortlist_size=12)
    return MatchService(model, umkm, firms)


@pytest.fixture(scope="module")
def dask_scheduler():
    """Address of a local 2-process Dask cluster shared by this file's Dask tests."""
    distributed = pytest.importorskip("distributed")
    import logging
    import warnings

    warnings.filterwarnings("ignore", message="Port .* is already in use")  # 8787 taken: fine
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        yield cluster.scheduler_address


def write_local(service: MatchService, ids, k: int, path, chunk_size: int) -> bytes:
    """The local engine, as ``matcher recommend --engine local`` runs it."""
    from matcher.output import TableWriter

    with TableWriter(path) as w:
        for chunk in service.iter_recommend_firms(ids, k, chunk_size=chunk_size):
            w.write(chunk)
    return path.read_bytes()


# ------------------------------------------------------------------ local engine


@pytest.mark.slow  # scores every pair of the world three ways
def test_chunked_equals_unchunked_and_is_the_true_top_k(small_world):
    umkm, firms, model = small_world
    service = MatchService(model, umkm, firms)
    whole = service.recommend_chunk(np.arange(N_UMKM), K)
    chunked = pd.concat(
        list(service.iter_recommend_firms(None, K, chunk_size=7)), ignore_index=True
    )
    pd.testing.assert_frame_equal(chunked, whole)

    # known answer: with 40 firms every pair is scored, so the rows are exactly the k best
    # of the full score matrix, ranks 1..k with scores non-increasing
    cols, vals = top_k_rows(service.score_matrix(umkm["umkm_id"], firms["firm_id"]), K)
    assert whole["firm_id"].tolist() == firms["firm_id"].to_numpy()[cols].ravel().tolist()
    np.testing.assert_allclose(whole["score"].to_numpy(), vals.ravel(), rtol=1e-6)
    assert whole["rank"].tolist() == list(range(1, K + 1)) * N_UMKM
    assert (np.diff(whole["score"].to_numpy().reshape(N_UMKM, K), axis=1) <= 0).all()
    assert whole["reasons"].str.len().gt(0).all()


def test_worker_function_encodes_only_its_rows_and_keeps_repeats(service):
    from matcher.scale import score_chunk

    ids = ["UMKM-00004", "UMKM-00002", "UMKM-00004", "UMKM-00150"]
    expected = service.recommend_firms(ids, K)
    rows = service.umkm.set_index("umkm_id", drop=False).loc[ids].reset_index(drop=True)
    got = score_chunk(service.firm_side(), rows, K)
    pd.testing.assert_frame_equal(got, expected)
    assert got["umkm_id"].tolist() == [i for i in ids for _ in range(K)]


def test_chunk_size_must_be_positive(small_world):
    service = MatchService(small_world[2], small_world[0], small_world[1])
    with pytest.raises(MatcherError, match="chunk_size must be at least 1, got 0") as err:
        service.chunk_positions(None, 0)
    assert text_in(err.value.args[0], "id") == "chunk_size minimal 1, tertulis 0"


# ------------------------------------------------------------------ ordering window


class _Done:
    """Stand-in for a finished Dask future."""

    def __init__(self, key, value):
        self.key, self.value = key, value

    def result(self):
        return self.value


class _ReverseCompletion:
    """Stand-in for ``distributed.as_completed``: hands back the newest submission first,
    the worst case for writing in order."""

    def __init__(self):
        self.queue = []

    def add(self, fut):
        self.queue.append(fut)

    def __next__(self):
        return self.queue.pop()


def test_results_come_out_in_chunk_order_with_bounded_backlog():
    from matcher.scale import _in_order

    submitted, backlog = [], []

    def submit(i):
        if i == 10:  # a stream of 10 chunks: the 11th does not exist
            return None
        submitted.append(i)
        backlog.append(len(submitted) - len(out))  # submitted but not yet handed on
        return _Done(f"chunk-{i}", pd.DataFrame({"chunk": [i]}))

    out = []
    for i, frame in _in_order(submit, 3, _ReverseCompletion):
        assert frame["chunk"].item() == i
        out.append(i)
    assert out == list(range(10))
    assert submitted == list(range(10))
    assert max(backlog) <= 3


def test_an_empty_stream_yields_nothing():
    from matcher.scale import _in_order

    assert list(_in_order(lambda i: None, 3, _ReverseCompletion)) == []


# ------------------------------------------------------------------ Dask engine


@pytest.mark.slow  # starts a Dask cluster
def test_dask_file_is_byte_identical_to_local(service, dask_scheduler, tmp_path):
    from matcher.scale import recommend_dask

    local = write_local(service, None, K, tmp_path / "local.csv", chunk_size=64)
    rows = recommend_dask(
        service, None, K, tmp_path / "dask.csv", scheduler=dask_scheduler, chunk_size=64
    )  # 5 chunks
    assert rows == N_UMKM * K
    assert (tmp_path / "dask.csv").read_bytes() == local


@pytest.mark.slow  # starts a Dask cluster
def test_dask_given_ids_in_their_order_with_repeats(small_world, dask_scheduler, tmp_path):
    from matcher.scale import recommend_dask

    service = MatchService(small_world[2], small_world[0], small_world[1])
    rng = np.random.default_rng(0)
    ids = list(rng.choice(service.umkm["umkm_id"], size=50, replace=False))
    ids += ids[:3]  # asked twice: listed twice, as the local engine does
    local = write_local(service, ids, 3, tmp_path / "local.csv", chunk_size=8)
    recommend_dask(service, ids, 3, tmp_path / "dask.csv", scheduler=dask_scheduler, chunk_size=8)
    assert (tmp_path / "dask.csv").read_bytes() == local


@pytest.mark.slow  # starts a Dask cluster
def test_worker_failure_is_one_clear_error_and_leaves_no_file(
    small_world, dask_scheduler, tmp_path
):
    from matcher.scale import DaskEngineError, recommend_dask

    umkm, firms, model = small_world

    class FailsOnWorkers:  # local class: pickled by value, so workers need not import tests
        def __init__(self, inner):
            self.inner = inner

        def encode_umkm(self, df):
            return self.inner.encode_umkm(df)

        def encode_firms(self, df):
            return self.inner.encode_firms(df)

        def top_firms(self, U, F, u_idx, k, return_features=False):
            raise ValueError("scorer exploded")

    service = MatchService(FailsOnWorkers(model), umkm, firms)
    out = tmp_path / "recs.csv"
    out.write_text("previous run\n")
    with pytest.raises(
        DaskEngineError,
        match=r"^scoring UMKM chunk [1-3] failed on a Dask worker: ValueError: scorer exploded$",
    ):
        recommend_dask(service, None, K, out, scheduler=dask_scheduler, chunk_size=100)
    assert out.read_text() == "previous run\n"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recs.csv"]  # no temp file left


@pytest.mark.slow  # starts a Dask cluster
def test_starts_and_closes_its_own_cluster_without_scheduler(small_world, tmp_path):
    import multiprocessing

    pytest.importorskip("distributed")
    from matcher.scale import recommend_dask

    service = MatchService(small_world[2], small_world[0], small_world[1])
    ids = list(service.umkm["umkm_id"][:20])
    before = set(multiprocessing.active_children())
    recommend_dask(service, ids, K, tmp_path / "dask.parquet", chunk_size=10)
    assert set(multiprocessing.active_children()) <= before  # its worker processes are gone
    local = service.recommend_firms(ids, K)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask.parquet"), local)


def test_missing_dask_names_the_install_command(small_world, tmp_path, monkeypatch):
    from matcher.scale import DaskEngineError, recommend_dask

    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    service = MatchService(small_world[2], small_world[0], small_world[1])
    with pytest.raises(DaskEngineError, match=r"pip install 'matcher\[scale\]'"):
        recommend_dask(service, None, K, tmp_path / "recs.csv")
    assert not any(tmp_path.iterdir())


@pytest.mark.slow  # starts a Dask cluster
def test_cli_streams_the_file_to_dask_and_writes_the_local_file(
    small_world, dask_scheduler, tmp_path
):
    """`matcher recommend --engine dask` on a whole file reads it chunk by chunk on the
    driver too; the file is byte for byte the local engine's."""
    from matcher.cli import main
    from training.registry import Registry

    model = small_world[2]
    reg = Registry(tmp_path / "reg")
    reg.promote(reg.register(model, metrics={}, features=[], data_fingerprint="test"))
    from matcher.demo import write_world

    write_world(demo_frames(N_UMKM, N_FIRMS, 7)[4], tmp_path)  # the files behind small_world
    common = [
        "recommend",
        "--umkm",
        str(tmp_path / "umkm.csv"),
        "--firms",
        str(tmp_path / "firms.csv"),
        "--registry",
        str(tmp_path / "reg"),
        "--k",
        str(K),
        "--chunk-size",
        "70",
    ]
    assert main([*common, "--out", str(tmp_path / "local.csv")]) == 0
    assert (
        main(
            [
                *common,
                "--out",
                str(tmp_path / "dask.csv"),
                "--engine",
                "dask",
                "--scheduler",
                dask_scheduler,
            ]
        )
        == 0
    )
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert len(pd.read_csv(tmp_path / "dask.csv")) == N_UMKM * K
