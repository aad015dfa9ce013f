"""Partner profiles: what a firm's past partners supply, compared with a new UMKM."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.data.loaders import parse_firms, parse_umkm
from matcher.features.pairs import FEATURE_NAMES
from matcher.features.partners import PartnerProfiles
from tests.test_reasons import FIRMS, UMKM
from tests.worlds import tiny_model

COLS = [FEATURE_NAMES.index(n) for n in ("partner_word_cos", "partner_concept_cos", "partner_kbli")]


@pytest.fixture(scope="module")
def sides():
    model = tiny_model()
    umkm, firms = parse_umkm(UMKM, "u"), parse_firms(FIRMS, "f")
    return model.features_, model.features_.encode_umkm(umkm), model.features_.encode_firms(firms)


def _history(features, U, F, u_idx, f_idx, grades):
    h = type("History", (), {})()
    for name in ("aff_division_", "aff_group_", "aff_concept_group_", "firm_stats_"):
        setattr(h, name, getattr(features, name))
    h.history_mean_ = features.history_mean_
    h.partners_ = PartnerProfiles().fit(U, F, u_idx, f_idx, grades)
    return h


def test_a_firm_is_described_by_what_its_signed_partners_make(sides):
    """F1 signed with the kerupuk maker (U1, grade 3) and declined the batik maker (U2, grade
    0): a kerupuk maker now matches F1's partners fully, the batik maker not at all (a
    declined pair says nothing of what the firm needs), and firms with no partner have no
    profile (missing, not zero)."""
    features, U, F = sides
    h = _history(features, U, F, np.array([0, 1]), np.array([0, 0]), np.array([3.0, 0.0]))
    X = features.block(U, F, np.array([0, 1, 2]), history=h)[:, COLS].reshape(3, F.n, 3)
    kerupuk_f1, batik_f1 = X[0, 0], X[1, 0]
    np.testing.assert_allclose(kerupuk_f1, [1.0, 1.0, 1.0], atol=1e-5)
    assert batik_f1[0] < 0.1 and batik_f1[1] < 0.1 and batik_f1[2] == 0.0
    assert np.isnan(X[:, 1:]).all()  # F2.. never partnered


def test_partners_weigh_by_grade(sides):
    """Two partners of one firm: the contract (3) weighs three times the meeting (1)."""
    features, U, F = sides
    h = _history(features, U, F, np.array([0, 1]), np.array([0, 0]), np.array([3.0, 1.0]))
    X = features.block(U, F, np.array([0, 1]), history=h)[:, COLS].reshape(2, F.n, 3)
    kbli_share = X[:, 0, 2]
    np.testing.assert_allclose(kbli_share, [0.75, 0.25], atol=1e-5)
    assert X[0, 0, 0] > X[1, 0, 0]
