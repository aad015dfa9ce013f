"""KBLI features: agreement down the hierarchy, and learned activity affinity.

KBLI 2020 codes are 5 digits: ``10794`` is category C (letter), division ``10``, group
``107``, class ``1079``, sub-class ``10794``. An entity's codes are encoded as one sparse
indicator matrix per level over a fixed vocabulary (the integer value of the prefix; the
category letter's position), so two sides encoded separately always share columns and
agreement at a level is a sparse matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from matcher.data.reference import kbli_category

LEVELS = (1, 2, 3, 4, 5)  # 1 = category letter, then prefix length in digits
LEVEL_NAMES = {1: "kategori", 2: "golongan pokok", 3: "golongan", 4: "subgolongan", 5: "kelompok"}


def _column(prefix: str) -> tuple[int, int] | None:
    """(level, column) of a prefix: digits by length and value, a letter as level 1."""
    if prefix.isdigit() and 2 <= len(prefix) <= 5:
        return len(prefix), int(prefix)
    if len(prefix) == 1 and "A" <= prefix <= "Z":
        return 1, ord(prefix) - ord("A")
    return None


def level_matrices(
    code_lists: Sequence[Sequence[str]], expand: bool = True
) -> dict[int, sp.csr_matrix]:
    """One binary (entity x prefix) matrix per level.

    ``expand=True`` treats each item as a full code and adds all its prefixes and its
    category letter; ``expand=False`` uses the items as given (prefixes of any length, as
    implied by glossary concepts).
    """
    rows: dict[int, list[int]] = {lv: [] for lv in LEVELS}
    cols: dict[int, list[int]] = {lv: [] for lv in LEVELS}
    for i, codes in enumerate(code_lists):
        for code in codes:
            code = str(code)
            prefixes = [code[:n] for n in range(2, len(code) + 1)] if expand else [code]
            if expand:
                letter = kbli_category(code)
                if letter:
                    prefixes.append(letter)
            for p in prefixes:
                hit = _column(p)
                if hit:
                    rows[hit[0]].append(i)
                    cols[hit[0]].append(hit[1])
    n = len(code_lists)
    out = {}
    for lv in LEVELS:
        width = 26 if lv == 1 else 10**lv
        m = sp.csr_matrix(
            (np.ones(len(rows[lv]), dtype=np.float32), (rows[lv], cols[lv])), shape=(n, width)
        )
        m.data[:] = 1.0  # duplicates summed by the constructor -> back to binary
        out[lv] = m
    return out


_BASE = 100.0  # > the number of code pairs two entities can share at one level


def stacked(levels: dict[int, sp.csr_matrix], weighted: bool = False) -> sp.csr_matrix:
    """All levels side by side in one matrix; ``weighted`` scales level L by 100**(L-1).

    The product of a plain stack with a weighted one is sum_L 100**(L-1) * (code pairs that
    agree at level L); its highest base-100 digit is the deepest agreeing level. One sparse
    product instead of five.
    """
    mats = [levels[lv] * (_BASE ** (lv - 1) if weighted else 1.0) for lv in LEVELS]
    return sp.hstack(mats, format="csr", dtype=np.float64 if weighted else np.float32)


# level L agrees when the product reaches 100**(L-1); products are whole numbers
_LEVEL_STARTS = np.array([_BASE ** (lv - 1) - 0.5 for lv in LEVELS])


def deepest_level(products: np.ndarray) -> np.ndarray:
    """Decode products of :func:`stacked` matrices into levels 0..5: the number of level
    thresholds the product reaches (its highest non-zero base-100 digit)."""
    return np.searchsorted(_LEVEL_STARTS, products, side="right").astype(np.float32)


def agreement_level(
    a_stack: sp.csr_matrix, b_stack_T: sp.csr_matrix, b_has: np.ndarray | None = None
) -> np.ndarray:
    """Deepest level at which any code of each ``a`` entity agrees with one of each ``b``.

    ``a_stack`` is ``stacked(a)`` (its rows), ``b_stack_T`` is ``stacked(b, weighted=True).T``
    as CSR (the pair-feature builder caches it per firm side). Returns a dense
    (n_a, n_b) float32 array: 0 no agreement at all, 1 same category ... 5 identical code;
    -1 where ``b`` states no codes (when ``b_has`` is given).
    """
    out = deepest_level((a_stack @ b_stack_T).toarray())
    return out if b_has is None else np.where(b_has[None, :], out, -1).astype(np.float32)


class KbliAffinity(BaseEstimator):
    """Learned affinity between UMKM activities and firm activities at one KBLI level.

    From past outcomes, the smoothed mean grade of pairs whose UMKM has activity ``a`` and
    whose firm has activity ``b``, minus the overall mean: positive where such pairs
    tend to sign. A pair's feature is the mean affinity over its code combinations, so
    firms that state no needed KBLI still match through what they do themselves.

    Parameters
    ----------
    level : int
        Prefix length (2 = division, 3 = group).
    smoothing : float
        Pseudo-count pulling sparse combinations toward the overall mean.
    """

    def __init__(self, level=2, smoothing=5.0):
        self.level = level
        self.smoothing = smoothing

    def fit(self, umkm_levels, firm_levels, u_idx, f_idx, grades):
        U = umkm_levels[self.level][u_idx]
        F = firm_levels[self.level][f_idx]
        g = np.asarray(grades, dtype=np.float32)
        self.mean_ = float(g.mean()) if len(g) else 0.0
        counts = (U.T @ F).tocoo()
        sums = (U.T @ sp.diags(g) @ F).tocsr()
        at = np.asarray(sums[counts.row, counts.col]).ravel()  # grade sums where pairs exist
        value = (at + self.smoothing * self.mean_) / (counts.data + self.smoothing) - self.mean_
        self.affinity_ = sp.csr_matrix(
            (value.astype(np.float32), (counts.row, counts.col)), shape=counts.shape
        )
        return self

    def score(
        self,
        umkm_levels,
        firm_levels,
        *,
        transposed: bool = False,
        firm_counts: np.ndarray | None = None,
    ) -> np.ndarray:
        """(n_umkm, n_firm) mean affinity over code combinations (0 when unknown).

        ``firm_counts`` are the firms' code counts at this level when already known (the
        pair-feature builder caches them per firm side)."""
        check_is_fitted(self, "affinity_")
        U = umkm_levels[self.level]
        FT = firm_levels[self.level] if transposed else firm_levels[self.level].T
        total = ((U @ self.affinity_) @ FT).toarray()
        nu = np.asarray(U.sum(axis=1)).ravel()
        nf = np.asarray(FT.sum(axis=0)).ravel() if firm_counts is None else firm_counts
        denom = np.maximum(np.outer(nu, nf), 1.0)
        return (total / denom).astype(np.float32)
