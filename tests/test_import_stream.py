"""A big UMKM file is imported in chunks through a staging table (memory holds one chunk):
the store ends exactly as a whole-file import leaves it, and a problem in a late chunk
changes nothing, with every problem of the file reported."""

from __future__ import annotations

import pandas as pd
import pytest

import api.store.importer as importer
from api.settings import Settings
from api.store import UMKM, Store, load_frame, open_store
from matcher.data.errors import DataValidationError
from tests.conftest import TINY_UMKM


def _file(tmp_path, n=40, **bad):
    rows = pd.concat([TINY_UMKM] * (n // 3 + 1), ignore_index=True).iloc[:n].copy()
    rows["umkm_id"] = [f"S{i:04d}" for i in range(n)]
    for (row, column), value in bad.get("cells", {}).items():
        rows.loc[row, column] = value
    path = tmp_path / "umkm.csv"
    rows.to_csv(path, index=False)
    return path


def _store(tmp_path, name):
    return open_store(Settings(home=tmp_path / name), create=True)


def test_streamed_import_equals_the_whole_file_import(tmp_path, database_url):
    path = _file(tmp_path)
    whole, streamed = _store(tmp_path, "whole"), Store(database_url)
    importer.import_file(whole, "umkm", path)
    result = importer.import_file(
        streamed, "umkm", path, stream_above_bytes=0, chunk_rows=7
    )  # six chunks
    assert (result.rows_in_file, result.rows_written) == (40, 40)
    with whole.session() as a, streamed.session() as b:
        pd.testing.assert_frame_equal(load_frame(a, UMKM), load_frame(b, UMKM))


def test_a_bad_late_chunk_changes_nothing_and_every_problem_is_named(tmp_path, database_url):
    store = Store(database_url)
    importer.import_file(store, "umkm", _file(tmp_path, n=10), stream_above_bytes=0, chunk_rows=7)
    path = _file(tmp_path, cells={(33, "province"): "Atlantis", (38, "umkm_id"): "S0001"})
    with pytest.raises(DataValidationError) as info:
        importer.import_file(store, "umkm", path, stream_above_bytes=0, chunk_rows=7)
    named = {(p.row, p.column, p.value) for p in info.value.problems}
    assert (35, "province", "Atlantis") in named  # file row = index + 2
    assert (40, "umkm_id", "S0001") in named  # the ID repeated across chunks
    with store.session() as s:
        assert len(load_frame(s, UMKM)) == 10  # as before the refused file
    from sqlalchemy import inspect

    assert not [t for t in inspect(store.engine).get_table_names() if t.startswith("staging")]
