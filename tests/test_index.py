"""matcher.index: the one owner of ID <-> position lookups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.data.errors import MatcherError
from matcher.index import IdIndex, UnknownIdError, pair_positions


def test_positions_marks_unknown_ids_and_to_index_names_them():
    index = IdIndex(["U1", "U2", "U3"], kind="umkm")
    assert index.positions(["U3", "U9", "U1", "U3"]).tolist() == [2, -1, 0, 2]
    assert index.positions(pd.Series([], dtype=object)).tolist() == []
    with pytest.raises(UnknownIdError, match="U9"):
        index.to_index(["U3", "U9"])


def test_positions_reads_ids_as_text_like_the_index():
    """Excel-style integer IDs match their text form, as everywhere IDs are compared."""
    index = IdIndex(["101", "102"], kind="firm")
    assert index.positions(np.array([102, 101, 103])).tolist() == [1, 0, -1]


def test_pair_positions_finds_both_sides_and_flags_pairs_outside():
    pairs = pd.DataFrame({"umkm_id": ["U2", "U1", "U9", "U1"], "firm_id": ["F1", "F9", "F2", "F2"]})
    u, f, inside = pair_positions(["U1", "U2"], IdIndex(["F2", "F1"], kind="firm"), pairs)
    assert u.tolist() == [1, 0, -1, 0]
    assert f.tolist() == [1, -1, 0, 0]
    assert inside.tolist() == [True, False, False, True]


def test_pair_positions_agrees_with_a_lookup_table_on_random_pairs():
    rng = np.random.default_rng(0)
    umkm = [f"U{i}" for i in rng.permutation(50)]
    firms = [f"F{i}" for i in rng.permutation(20)]
    pairs = pd.DataFrame(
        {
            "umkm_id": [f"U{i}" for i in rng.integers(0, 60, 500)],
            "firm_id": [f"F{i}" for i in rng.integers(0, 25, 500)],
        }
    )
    u, f, inside = pair_positions(umkm, firms, pairs)
    u_table, f_table = {v: i for i, v in enumerate(umkm)}, {v: i for i, v in enumerate(firms)}
    assert u.tolist() == [u_table.get(v, -1) for v in pairs["umkm_id"]]
    assert f.tolist() == [f_table.get(v, -1) for v in pairs["firm_id"]]
    assert inside.tolist() == [a >= 0 and b >= 0 for a, b in zip(u, f)]


def test_duplicate_ids_are_refused():
    with pytest.raises(MatcherError, match="duplicate umkm ids"):
        pair_positions(["U1", "U1"], ["F1"], pd.DataFrame({"umkm_id": [], "firm_id": []}))
