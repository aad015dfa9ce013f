"""The one owner of the mapping between external IDs and integer positions.

Models, features and the planner see integer indices; the CLI, API and files see IDs.
Every translation goes through an :class:`IdIndex`, in the spirit of LightFM's ``Dataset``:
:meth:`IdIndex.to_index` when an unknown ID is an error, :meth:`IdIndex.positions` (-1 for
unknown) when the caller drops or names them itself, and :func:`pair_positions` for frames of
(umkm_id, firm_id) pairs such as outcomes or an event's preferences.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from matcher.data.errors import MatcherError
from matcher.i18n import Message, catalogue


def _kind(kind: str):
    """What the IDs name, in the reader's words where the catalogue has them (UMKM, firm)."""
    key = f"data.id_kind.{kind}"
    return Message(key) if key in catalogue() else kind


class UnknownIdError(MatcherError, KeyError):
    """An ID that is not in the profiles in use."""

    def __init__(self, kind: str, ids: Sequence[str]):
        self.kind = kind
        self.ids = list(ids)
        shown = ", ".join(map(str, self.ids[:5])) + (" ..." if len(self.ids) > 5 else "")
        key = "data.unknown_id" if len(self.ids) == 1 else "data.unknown_ids"
        super().__init__(Message(key, kind=_kind(kind), ids=shown))

    def __str__(self) -> str:
        return self.args[0]


class IdIndex:
    """Bidirectional, order-preserving map between IDs and positions 0..n-1."""

    def __init__(self, ids: Iterable[str], kind: str = "id"):
        self.kind = kind
        self._ids = pd.Index(pd.Series(list(ids), dtype=object).astype(str), dtype=object)
        if self._ids.has_duplicates:
            dup = self._ids[self._ids.duplicated()].unique().tolist()
            raise MatcherError(
                Message("data.duplicate_ids", kind=_kind(kind), ids=", ".join(map(str, dup[:5])))
            )

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item: object) -> bool:
        return str(item) in self._ids

    @property
    def ids(self) -> np.ndarray:
        return self._ids.to_numpy()

    def to_index(self, ids: str | Iterable[str]) -> np.ndarray | int:
        """IDs -> positions; raises :class:`UnknownIdError` naming every unknown ID."""
        single = isinstance(ids, str)
        wanted = pd.Index([ids] if single else [str(i) for i in ids], dtype=object)
        pos = self._ids.get_indexer(wanted)
        if (pos < 0).any():
            raise UnknownIdError(self.kind, wanted[pos < 0].tolist())
        return int(pos[0]) if single else pos.astype(np.int64)

    def positions(self, ids: Iterable[str]) -> np.ndarray:
        """IDs -> positions, -1 for an ID that is not here (:meth:`to_index` raises instead).
        Vectorised: for many IDs, e.g. every row of an outcomes frame."""
        wanted = pd.Index(np.asarray(ids, dtype=object)).astype(str)
        return self._ids.get_indexer(wanted).astype(np.int64)

    def to_ids(self, positions: int | Iterable[int]) -> np.ndarray | str:
        if isinstance(positions, (int, np.integer)):
            return str(self._ids[int(positions)])
        return self._ids.to_numpy()[np.asarray(positions, dtype=np.int64)]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, IdIndex) and self.kind == other.kind and self._ids.equals(other._ids)
        )

    def __repr__(self) -> str:
        return f"IdIndex(kind={self.kind!r}, n={len(self)})"


def pair_positions(
    umkm_ids: IdIndex | Iterable[str], firm_ids: IdIndex | Iterable[str], pairs: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(u, f, inside)`` for the ``(umkm_id, firm_id)`` rows of ``pairs``: positions among
    ``umkm_ids`` and ``firm_ids`` (-1 where a side is not among them) and whether both sides
    were found. Callers keep ``inside`` rows or name the first pair outside."""
    umkm = umkm_ids if isinstance(umkm_ids, IdIndex) else IdIndex(umkm_ids, kind="umkm")
    firms = firm_ids if isinstance(firm_ids, IdIndex) else IdIndex(firm_ids, kind="firm")
    u = umkm.positions(pairs["umkm_id"])
    f = firms.positions(pairs["firm_id"])
    return u, f, (u >= 0) & (f >= 0)
