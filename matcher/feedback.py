"""What recorded outcomes change in what a facilitator sees, at once (no retraining).

From the latest outcome per pair (:func:`matcher.data.outcome_state.latest_per_pair`
owns the rule; a frame with several outcomes of a pair, e.g. the store's whole ladder, is
reduced by it first):

- a pair whose latest stage is ``declined`` is *declined*: not recommended or planned
  again unless asked for (``include_declined``), and flagged when shown;
- a pair whose latest stage is an MoU or beyond (``mou_signed``, ``contract_signed``,
  ``realised``) is *partner*: shown as "sudah bermitra" (already partners).

:class:`PairStatus` looks statuses up for many pairs at once (a hashed pair key, no loop
per pair), so recommendations and plans stay vectorised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DECLINED, PARTNER = "declined", "partner"
#: the grade from which a pair counts as partners (mou_signed = 2: a commitment signed)
PARTNER_GRADE = 2
DECLINED_GRADE = 0


def _keys(umkm_ids, firm_ids) -> np.ndarray:
    """A hash per (UMKM, firm) pair, vectorised."""
    u = pd.util.hash_array(np.asarray(umkm_ids, dtype=object).astype(str).astype(object))
    f = pd.util.hash_array(np.asarray(firm_ids, dtype=object).astype(str).astype(object))
    return u * np.uint64(1_000_003) ^ f


def _counts(ids: np.ndarray) -> pd.Series:
    """How often each ID occurs (as str), most first."""
    if not len(ids):
        return pd.Series(dtype=np.int64)
    values, counts = np.unique(ids.astype(str), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return pd.Series(counts[order], index=values[order].astype(object))


class PairStatus:
    """Declined and partner pairs from outcomes (the latest per pair counts)."""

    def __init__(self, outcomes: pd.DataFrame | None = None):
        if outcomes is not None and len(outcomes) and "date" in outcomes:
            keys = _keys(outcomes["umkm_id"], outcomes["firm_id"])
            if len(np.unique(keys)) < len(keys):  # several outcomes of a pair: the latest counts
                from matcher.data.outcome_state import latest_per_pair

                outcomes = latest_per_pair(outcomes)
        if outcomes is None or not len(outcomes):
            self._set([], [], [])
            return
        self._set(
            outcomes["umkm_id"].to_numpy(dtype=object),
            outcomes["firm_id"].to_numpy(dtype=object),
            pd.to_numeric(outcomes["grade"], errors="coerce").to_numpy(float),
        )

    @classmethod
    def of_pairs(cls, umkm_ids, firm_ids, grades) -> PairStatus:
        """From the latest grade of each pair, one per pair (no frame: a handful of pairs,
        e.g. one UMKM's for one match answer, costs microseconds, not pandas' overhead)."""
        status = cls.__new__(cls)
        status._set(umkm_ids, firm_ids, grades)
        return status

    def _set(self, umkm_ids, firm_ids, grades) -> None:
        u = np.asarray(umkm_ids, dtype=object)
        f = np.asarray(firm_ids, dtype=object)
        grade = np.asarray(grades, dtype=float)
        code = np.where(
            grade == DECLINED_GRADE, DECLINED, np.where(grade >= PARTNER_GRADE, PARTNER, "")
        )
        keep = code != ""
        self._keys = _keys(u[keep], f[keep]) if keep.any() else np.empty(0, np.uint64)
        self._codes = code[keep].astype(object)
        order = np.argsort(self._keys, kind="stable")
        self._keys, self._codes = self._keys[order], self._codes[order]
        declined = code == DECLINED
        self.declined_per_umkm = _counts(u[declined])
        self.declined_per_firm = _counts(f[declined])

    def __len__(self) -> int:
        return len(self._keys)

    def lookup(self, umkm_ids, firm_ids) -> np.ndarray:
        """Status per aligned pair: "declined", "partner" or ""."""
        keys = _keys(umkm_ids, firm_ids)
        out = np.full(len(keys), "", dtype=object)
        if len(self._keys) and len(keys):
            pos = np.searchsorted(self._keys, keys).clip(max=len(self._keys) - 1)
            hit = self._keys[pos] == keys
            out[hit] = self._codes[pos[hit]]
        return out

    def max_declined(self, ids, side: str = "umkm") -> int:
        """The most declined pairs any of ``ids`` has (how many extra candidates to fetch)."""
        counts = self.declined_per_umkm if side == "umkm" else self.declined_per_firm
        if not len(counts):
            return 0
        found = counts.reindex(pd.Index(np.asarray(ids, dtype=object).astype(str))).fillna(0)
        return int(found.max()) if len(found) else 0


def status_words(status: np.ndarray, lang: str | None = None) -> np.ndarray:
    """ "sudah bermitra" / "pernah ditolak" / "" per status (the facilitator's words)."""
    from matcher.i18n import t

    status = np.asarray(status, dtype=object)
    out = np.full(len(status), "", dtype=object)
    out[status == PARTNER] = t("chances.partner_flag.partner", lang)
    out[status == DECLINED] = t("chances.partner_flag.declined", lang)
    return out
