"""Baselines every model is compared with, on the same split.

Each scorer has ``fit(umkm, firms, outcomes)`` and ``score_block(umkm, firms, u_idx)``
returning dense scores (len(u_idx), n_firms), like the trained model's adapter in
:mod:`training.evaluate`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from matcher.features.text import STOPWORDS, normalise_text


class SeededScorer(BaseEstimator):
    """Base of the baselines that draw random numbers: fitting only seeds the generator."""

    _parameter_constraints: dict = {
        "random_state": [Interval(Integral, 0, None, closed="left"), None]
    }

    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit(self, umkm, firms, outcomes=None):
        self._validate_params()
        self.rng_ = np.random.default_rng(self.random_state)
        return self


class RandomScorer(SeededScorer):
    """Uniform random scores: the floor."""

    def score_block(self, umkm, firms, u_idx):
        check_is_fitted(self, "rng_")
        return self.rng_.random((len(u_idx), len(firms))).astype(np.float32)


def _division_matrix(code_lists, vocab):
    m = np.zeros((len(code_lists), len(vocab)), dtype=np.float32)
    pos = {d: i for i, d in enumerate(vocab)}
    for i, codes in enumerate(code_lists):
        for c in codes:
            j = pos.get(str(c)[:2])
            if j is not None:
                m[i, j] = 1
    return m


def _keywords(texts) -> list[set[str]]:
    return [
        {w for w in normalise_text(t).split() if len(w) > 2 and w not in STOPWORDS} for t in texts
    ]


class FacilitatorRule(SeededScorer):
    """Today's spreadsheet rule: same KBLI division + same province + a shared keyword.

    One point for each, ties broken at random (a facilitator's list order).
    """

    def score_block(self, umkm, firms, u_idx):
        check_is_fitted(self, "rng_")
        u = umkm.iloc[np.asarray(u_idx)]
        firm_codes = [tuple(a) + tuple(b) for a, b in zip(firms["kbli"], firms["needed_kbli"])]
        vocab = sorted({str(c)[:2] for codes in list(u["kbli"]) + firm_codes for c in codes})
        same_kbli = (_division_matrix(u["kbli"], vocab) @ _division_matrix(firm_codes, vocab).T) > 0
        same_prov = (
            u["province_code"].to_numpy()[:, None] == firms["province_code"].to_numpy()[None, :]
        )
        uk, fk = _keywords(u["products"]), _keywords(firms["needs"])
        words = sorted(set().union(*uk, *fk))
        wpos = {w: i for i, w in enumerate(words)}

        def mat(sets):
            m = np.zeros((len(sets), len(words)), dtype=np.float32)
            for i, s in enumerate(sets):
                m[i, [wpos[w] for w in s]] = 1
            return m

        keyword = (mat(uk) @ mat(fk).T) > 0
        score = same_kbli.astype(np.float32) + same_prov + keyword
        return score + 0.01 * self.rng_.random(score.shape).astype(np.float32)


class TfidfCosine(BaseEstimator):
    """Word TF-IDF cosine between products and needs, no glossary, no training labels."""

    _parameter_constraints: dict = {}

    def fit(self, umkm, firms, outcomes=None):
        self._validate_params()
        texts = [normalise_text(t) for t in list(umkm["products"]) + list(firms["needs"])]
        self.vectorizer_ = TfidfVectorizer(sublinear_tf=True, stop_words=sorted(STOPWORDS)).fit(
            texts
        )
        return self

    def score_block(self, umkm, firms, u_idx):
        check_is_fitted(self, "vectorizer_")
        a = self.vectorizer_.transform(
            [normalise_text(t) for t in umkm["products"].iloc[np.asarray(u_idx)]]
        )
        b = self.vectorizer_.transform([normalise_text(t) for t in firms["needs"]])
        return (a @ b.T).toarray().astype(np.float32)


BASELINES = {
    "random": RandomScorer,
    "facilitator_rule": FacilitatorRule,
    "tfidf_cosine": TfidfCosine,
}
