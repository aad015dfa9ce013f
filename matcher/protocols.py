"""What :class:`matcher.service.MatchService` relies on in a model, declared as protocols.

:class:`matcher.ranking.MatchModel` is the real implementation; the stand-ins tests use
(``tests/fakes.py``) implement the same protocol, and one contract test mixin
(``tests/model_contract.py``) runs the same checks against the real model and every fake:
a batch scores as its pairs one by one, top-k is sorted and equals full scoring, reasons
agree whichever path built the pair, and a saved then loaded model scores the same.

An *encoded side* (``U``, ``F``) is whatever the model's ``encode_*`` returns for a frame
of profiles; the service only hands it back to the same model. Positions (``u_idx``,
``f_idx``) are row positions in the frames that were encoded.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd


@runtime_checkable
class MatchingModel(Protocol):
    """The model protocol the service needs to recommend, explain and plan."""

    def encode_umkm(self, umkm: pd.DataFrame) -> Any:
        """Per-UMKM features of a canonical UMKM frame, computed once per profile set."""

    def encode_firms(self, firms: pd.DataFrame) -> Any:
        """Per-firm features of a canonical firm frame."""

    def score_block(self, U: Any, F: Any, u_idx, f_idx=None) -> np.ndarray:
        """Dense scores ``(len(u_idx), n_firms or len(f_idx))`` of every UMKM in ``u_idx``
        against the firms ``f_idx`` (all firms if None); vectorised, no loop per pair."""

    def score_pairs(self, U: Any, F: Any, u_idx, f_idx) -> np.ndarray:
        """Scores of the aligned pairs ``(u_idx[i], f_idx[i])``: the entries of
        :meth:`score_block` for those pairs."""

    def top_firms(self, U: Any, F: Any, u_idx, k: int, return_features: bool = False):
        """``(firm positions, scores)``, each ``(len(u_idx), min(k, n_firms))``, best first
        (ties: lower firm position first); with ``return_features`` also ``X``, the chosen
        pairs' rows (UMKM-major) that :meth:`explain_features` accepts. May use a shortlist
        on large firm sets; on small ones it equals the top of :meth:`score_block`."""

    def explain_features(self, X: Any, U: Any, F: Any, u_idx, f_idx) -> list[str]:
        """Reasons for aligned pairs whose rows ``X`` came from :meth:`top_firms`: the same
        text :meth:`explain_pairs` gives for those pairs."""

    def explain_pairs(self, U: Any, F: Any, u_idx, f_idx) -> list[str]:
        """One reason text (Bahasa Indonesia) per aligned pair."""


@runtime_checkable
class ChanceModel(Protocol):
    """Optional: chances and contract values. A model without them (an artifact trained
    before chances existed, or a fake) is served with unknown chances (NaN)."""

    def chances(self, scores) -> np.ndarray:
        """``(n, 3)`` chances [p_meeting, p_mou, p_contract] of scores: each row
        non-increasing, each column non-decreasing in the score; NaN when not calibrated."""

    def contract_values(
        self, umkm: pd.DataFrame, firms: pd.DataFrame, u_idx=None, f_idx=None
    ) -> np.ndarray:
        """Predicted contract value (IDR) of pairs; NaN when nothing is known."""
