"""What a firm's past partners supply: a learned description of its needs in the UMKM's words.

A firm writes its needs once, often vaguely ("bahan baku olahan laut", "packaging
materials") and seldom with a KBLI code; the UMKM it went on to meet, sign with and
contract with say in their own words and codes what those needs really were. For each firm
:class:`PartnerProfiles` keeps the grade-weighted centroid of its past partners' product
descriptions (TF-IDF words, glossary concepts) and KBLI golongan, and a new UMKM is
compared with it. This is content, not identity: a UMKM never seen before still matches
the firms whose earlier partners made what it makes, wherever those partners were.

Learned from outcomes like the other history parts (out-of-fold during training, so a
pair's own outcome never describes its firm); a firm with no partner yet has no profile
(its features are missing, and the trees treat that as its own case).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted


class PartnerProfiles(BaseEstimator):
    """Per firm, the grade-weighted centroid of its past partners' products.

    Parameters
    ----------
    min_grade : float
        Outcomes below this grade (declined, 0) say nothing about what the firm needs and
        are left out; the others weigh by their grade (meeting 1, MoU 2, contract 3).
    """

    def __init__(self, min_grade=1.0):
        self.min_grade = min_grade

    def fit(self, U, F, u_idx, f_idx, grades):
        """Learn profiles from outcomes: pair positions into the encoded sides ``U`` and
        ``F`` and their grades."""
        g = np.asarray(grades, dtype=np.float32)
        keep = g >= self.min_grade
        W = sp.csr_matrix(
            (g[keep], (np.asarray(f_idx)[keep], np.asarray(u_idx)[keep])), shape=(F.n, U.n)
        )
        W.sum_duplicates()
        has = np.diff(W.indptr) > 0
        W = W[has]
        self.ids_ = pd.Index(np.asarray(F.ids)[has])
        self.words_ = normalize(W @ U.text.words).astype(np.float32).tocsr()
        self.concepts_ = normalize(W @ U.concepts_l2()).astype(np.float32).tocsr()
        self.kbli3_ = normalize(W @ U.kbli3, norm="l1").astype(np.float32).tocsr()
        return self

    def aligned(self, firm_ids) -> dict:
        """The profiles of ``firm_ids`` (in that order), transposed for products with UMKM
        rows, and which firms have one."""
        check_is_fitted(self, "ids_")
        pos = self.ids_.get_indexer(np.asarray(firm_ids))
        known = pos >= 0
        n = len(pos)
        pick = sp.csr_matrix(
            (np.ones(known.sum(), np.float32), (np.flatnonzero(known), pos[known])),
            shape=(n, len(self.ids_)),
        )
        return {
            "known": known,
            "words_T": (pick @ self.words_).T.tocsr(),
            "concepts_T": (pick @ self.concepts_).T.tocsr(),
            "kbli3_T": (pick @ self.kbli3_).T.tocsr(),
        }
