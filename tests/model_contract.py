"""The model contract: one set of checks that the real model and every stand-in must pass.

In the style of implicit's shared recommender tests: :class:`ModelContract` holds the test
methods; a subclass named ``Test...`` supplies two fixtures,

- ``model``: a fitted model implementing :class:`matcher.protocols.MatchingModel`;
- ``frames``: ``(umkm, firms)``, canonical frames the model can encode (small: the
  checks score every pair),

and pytest runs every check against it (``tests/test_model_contract.py``). The checks are
what :class:`matcher.service.MatchService` relies on: a batch scores as its pairs one by
one, block and pair scoring agree, top-k is sorted and equals full scoring on small sets,
reasons agree whichever path built the pair, a subset encoded on its own (the batch path)
scores as within the whole, and a saved then loaded model scores and explains the same.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest

from matcher.protocols import ChanceModel, MatchingModel
from matcher.topk import top_k_rows


class ModelContract:
    """Mixin of contract checks; see the module docstring."""

    K = 3

    @pytest.fixture
    def encoded(self, model, frames):
        umkm, firms = frames
        return model.encode_umkm(umkm), model.encode_firms(firms), len(umkm), len(firms)

    def test_implements_the_protocol(self, model):
        assert isinstance(model, MatchingModel)

    def test_score_pairs_are_the_entries_of_score_block(self, model, encoded):
        U, F, n_u, n_f = encoded
        block = model.score_block(U, F, np.arange(n_u))
        assert block.shape == (n_u, n_f)
        assert np.isfinite(block).all()
        u, f = np.repeat(np.arange(n_u), n_f), np.tile(np.arange(n_f), n_u)
        np.testing.assert_allclose(model.score_pairs(U, F, u, f), block.ravel(), rtol=1e-6)
        # a firm subset, in any order, gives those columns
        cols = np.arange(n_f)[::-1][: max(1, n_f - 1)]
        np.testing.assert_allclose(
            model.score_block(U, F, np.arange(n_u), cols), block[:, cols], rtol=1e-6
        )

    def test_batch_equals_single(self, model, encoded):
        U, F, n_u, _ = encoded
        rows = np.arange(n_u)[::-1]  # any order, not only the frame's
        batch = model.score_block(U, F, rows)
        singles = np.vstack([model.score_block(U, F, [r]) for r in rows])
        np.testing.assert_allclose(batch, singles, rtol=1e-6)
        cols_b, vals_b = model.top_firms(U, F, rows, self.K)
        for i, r in enumerate(rows):
            cols_s, vals_s = model.top_firms(U, F, [r], self.K)
            np.testing.assert_array_equal(cols_b[i], cols_s[0])
            np.testing.assert_allclose(vals_b[i], vals_s[0], rtol=1e-6)

    def test_top_k_is_sorted_best_first_with_ties_by_position(self, model, encoded):
        U, F, n_u, n_f = encoded
        cols, vals = model.top_firms(U, F, np.arange(n_u), self.K)
        k = min(self.K, n_f)
        assert cols.shape == vals.shape == (n_u, k)
        assert (np.diff(vals, axis=1) <= 0).all()
        ties = np.diff(vals, axis=1) == 0
        assert (np.diff(cols, axis=1)[ties] > 0).all()
        assert all(len(set(row)) == k for row in cols)  # no firm twice
        # k beyond the firm count gives every firm once
        cols_all, _ = model.top_firms(U, F, np.arange(n_u), n_f + 5)
        assert cols_all.shape == (n_u, n_f)
        assert (np.sort(cols_all, axis=1) == np.arange(n_f)).all()

    def test_top_k_equals_full_scoring_on_a_small_set(self, model, encoded):
        U, F, n_u, _ = encoded
        cols, vals = model.top_firms(U, F, np.arange(n_u), self.K)
        want_cols, want_vals = top_k_rows(model.score_block(U, F, np.arange(n_u)), self.K)
        np.testing.assert_array_equal(cols, want_cols)
        np.testing.assert_allclose(vals, want_vals, rtol=1e-6)
        # and the scores it reports are the chosen pairs' own scores
        u = np.repeat(np.arange(n_u), cols.shape[1])
        np.testing.assert_allclose(vals.ravel(), model.score_pairs(U, F, u, cols.ravel()), 1e-6)

    def test_explain_agrees_with_the_scored_pairs(self, model, encoded):
        U, F, n_u, _ = encoded
        cols, vals, X = model.top_firms(U, F, np.arange(n_u), self.K, return_features=True)
        u, f = np.repeat(np.arange(n_u), cols.shape[1]), cols.ravel()
        from_rows = model.explain_features(X, U, F, u, f)
        again = model.explain_pairs(U, F, u, f)
        assert from_rows == again
        assert len(again) == len(u) and all(isinstance(s, str) and s for s in again)
        # a pair's reasons do not depend on the batch it is explained in
        assert [model.explain_pairs(U, F, [a], [b])[0] for a, b in zip(u, f)] == again
        assert model.explain_pairs(U, F, np.array([], int), np.array([], int)) == []

    def test_a_subset_encoded_on_its_own_scores_as_within_the_whole(self, model, frames, encoded):
        umkm, _ = frames
        U, F, n_u, _ = encoded
        rows = np.arange(n_u)[1::2] if n_u > 1 else np.arange(n_u)
        U_part = model.encode_umkm(umkm.iloc[rows])  # the batch path encodes chunk by chunk
        np.testing.assert_allclose(
            model.score_block(U_part, F, np.arange(len(rows))),
            model.score_block(U, F, rows),
            rtol=1e-6,
        )

    def test_save_then_load_scores_and_explains_the_same(self, model, frames, encoded, tmp_path):
        joblib.dump(model, tmp_path / "model.joblib")  # what the registry stores
        loaded = joblib.load(tmp_path / "model.joblib")
        umkm, firms = frames
        U, F, n_u, n_f = encoded
        U2, F2 = loaded.encode_umkm(umkm), loaded.encode_firms(firms)
        np.testing.assert_array_equal(
            loaded.score_block(U2, F2, np.arange(n_u)), model.score_block(U, F, np.arange(n_u))
        )
        u, f = np.repeat(np.arange(n_u), n_f), np.tile(np.arange(n_f), n_u)
        assert loaded.explain_pairs(U2, F2, u, f) == model.explain_pairs(U, F, u, f)

    def test_chances_when_the_model_gives_them(self, model, encoded):
        if not isinstance(model, ChanceModel):
            pytest.skip("this model gives no chances: the service shows them as unknown")
        U, F, n_u, _ = encoded
        scores = np.sort(model.score_block(U, F, np.arange(n_u)).ravel())
        p = np.asarray(model.chances(scores), dtype=float)
        assert p.shape == (len(scores), 3)
        if np.isfinite(p).all():
            assert (np.diff(p, axis=1) <= 1e-7).all()  # meeting >= MoU >= contract
            assert (np.diff(p, axis=0) >= -1e-7).all()  # higher score, no lower chance
            assert ((p >= 0) & (p <= 1)).all()
        else:
            assert np.isnan(p).all()  # uncalibrated: unknown, never a made-up number
