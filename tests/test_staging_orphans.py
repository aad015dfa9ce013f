"""Leftovers of a killed import (issue 14): a ``staging_*`` table whose import process died
is dropped the next time a store is opened; the table of an import that is still running
— in this process or another — never is, however long it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import inspect

from api.store import UMKM, Store, load_frame
from api.store.profiles import Staging
from api.store.staging import drop_orphan_staging, staging_tables

REPO = Path(__file__).resolve().parent.parent

# an import that stages the tiny world's UMKM, says so, and waits to be killed
_IMPORTER = textwrap.dedent(
    """
    import sys, time
    from api.store import UMKM, Store
    from api.store.profiles import Staging
    from matcher.data.loaders import parse_umkm
    from tests.conftest import TINY_UMKM

    store = Store(sys.argv[1])
    with Staging(store, UMKM) as staging:
        staging.add(parse_umkm(TINY_UMKM.astype(str), "tiny").assign(umkm_id=["K1", "K2", "K3"]))
        print(staging.table.name, flush=True)
        time.sleep(120)
    """
)


def _tables(url: str) -> list[str]:
    store = Store(url, migrate=False)
    try:
        return staging_tables(store.engine)
    finally:
        store.dispose()


def _start_import(url: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _IMPORTER, url],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    table = proc.stdout.readline().strip()
    assert table.startswith("staging_umkm_"), f"importer did not start (exit {proc.poll()})"
    return proc, table


@pytest.mark.slow
def test_a_killed_imports_table_is_dropped_when_the_store_is_next_opened(database_url):
    Store(database_url).dispose()  # the schema exists before the importer starts
    proc, table = _start_import(database_url)
    try:
        # another process opens the store while the import runs: its table stays
        Store(database_url).dispose()
        assert _tables(database_url) == [table]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert _tables(database_url) == [table]  # the orphan, as kill -9 leaves it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    store = Store(database_url)  # opening the store tidies up
    try:
        assert staging_tables(store.engine) == []
        with store.session() as s:
            assert load_frame(s, UMKM).empty  # and the killed import wrote nothing
    finally:
        store.dispose()
    if database_url.startswith("sqlite"):
        db = Path(database_url.removeprefix("sqlite:///"))
        assert not [p.name for p in db.parent.iterdir() if p.name.endswith(".lock")]


def test_a_running_imports_table_is_never_dropped(database_url, tiny_world):
    store = Store(database_url)
    try:
        with Staging(store, UMKM) as staging:
            staging.add(tiny_world[0])
            assert drop_orphan_staging(store.engine) == []  # this process's own import
            other = Store(database_url)  # as a second server process would at start
            other.dispose()
            assert staging.table.name in inspect(store.engine).get_table_names()
            assert staging.merge() == 3
        assert staging_tables(store.engine) == []
        with store.session() as s:
            assert len(load_frame(s, UMKM)) == 3
    finally:
        store.dispose()


def test_an_orphan_is_dropped_by_exactly_one_of_several_cleaners(database_url):
    store = Store(database_url)
    try:
        staging = Staging(store, UMKM)
        staging.md.create_all(store.engine)  # a table whose owner is gone (never held it)
        assert staging_tables(store.engine) == [staging.table.name]
        first, second = drop_orphan_staging(store.engine), drop_orphan_staging(store.engine)
        assert (first, second) == ([staging.table.name], [])
        assert staging_tables(store.engine) == []
    finally:
        store.dispose()


def test_merged_rows_are_the_staged_ones(database_url, tiny_world):
    """The ownership lock changes nothing in what an import writes."""
    store = Store(database_url)
    try:
        frame = tiny_world[0].assign(umkm_id=["M1", "M2", "M3"])
        with Staging(store, UMKM) as staging:
            staging.add(frame)
            staging.merge()
        with store.session() as s:
            got = load_frame(s, UMKM)
        assert list(got["umkm_id"]) == ["M1", "M2", "M3"]
        pd.testing.assert_series_equal(
            got["products"], frame["products"].reset_index(drop=True), check_names=False
        )
    finally:
        store.dispose()
