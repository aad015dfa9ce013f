"""The :class:`World`: the contract-format frames plus the hidden truth behind them.

The frames (``umkm``, ``firms``, ``outcomes``, ``event``) are exactly what
``matcher demo-data`` writes. The latent profiles hold what the files only partly show
(true location, every certificate and capacity, the concepts a text describes, the codes
a firm needs even when it does not state them), and :meth:`World.true_relevance` turns
them into the ground truth used to evaluate rankers over *all* firms, not only the few
pairs that facilitators happened to try.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from matcher.data.schema import CERTIFICATIONS
from matcher.demo.catalogue import CONCEPTS, RELATED_FAMILIES
from matcher.demo.utility import (
    EARTH_RADIUS_KM,
    RELATED_FAMILY_SIM,
    SAME_FAMILY_SIM,
    SECONDARY_NEED_WEIGHT,
    SECONDARY_PRODUCT_WEIGHT,
    expected_grade,
    kbli_level_score,
    mean_utility,
)

N_CONCEPTS = len(CONCEPTS)
PAD_CONCEPT = N_CONCEPTS  # index of the all-zero row/column of the similarity matrix
CERT_BITS = {c: 1 << i for i, c in enumerate(CERTIFICATIONS)}
# Pairs scored per block in true_relevance_matrix: bounds memory at any world size.
_PAIRS_PER_BLOCK = 2_000_000


def _concept_similarity() -> np.ndarray:
    """(C+1, C+1): 1 same concept, SAME/RELATED_FAMILY_SIM by family, 0 else and for padding."""
    fam = np.array([c.family for c in CONCEPTS])
    sim = np.where(fam[:, None] == fam[None, :], SAME_FAMILY_SIM, 0.0)
    for a, b in RELATED_FAMILIES:
        link = (fam[:, None] == a) & (fam[None, :] == b) | (fam[:, None] == b) & (fam[None, :] == a)
        sim = np.where(link, RELATED_FAMILY_SIM, sim)
    np.fill_diagonal(sim, 1.0)
    out = np.zeros((N_CONCEPTS + 1, N_CONCEPTS + 1))
    out[:N_CONCEPTS, :N_CONCEPTS] = sim
    return out


CONCEPT_SIM = _concept_similarity()
LOCALITY_STRENGTH = np.array([c.locality[0] for c in CONCEPTS] + [0.0])
LOCALITY_KM = np.array([c.locality[1] for c in CONCEPTS] + [1.0])


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lmb = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)])


def _chord_km(a_xyz: np.ndarray, a: np.ndarray, b_xyz: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle km between points a and b (index arrays broadcast), via the chord
    between unit vectors: cheaper than haversine for big blocks, same result."""
    sq = sum((a_xyz[a, k] - b_xyz[b, k]) ** 2 for k in range(3))
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(np.sqrt(sq) / 2.0, 1.0))


@dataclass(frozen=True)
class UmkmLatent:
    """True UMKM attributes, one row per UMKM in file order."""

    concepts: np.ndarray  # (n, 2) concept indices, PAD_CONCEPT when no second product
    kbli: np.ndarray  # (n, 3) int codes as registered, -1 padding
    lat: np.ndarray
    lon: np.ndarray
    province: np.ndarray  # 2-digit codes (str)
    regency: np.ndarray  # 4-digit codes (str)
    scale: np.ndarray  # 0 mikro, 1 kecil, 2 menengah
    monthly_capacity_idr: np.ndarray
    export: np.ndarray  # bool
    certs: np.ndarray  # bitmask of CERT_BITS
    profile: np.ndarray  # (n, 2) standardised age and log-employees, for firm taste


@dataclass(frozen=True)
class FirmLatent:
    """True firm attributes, one row per firm in file order."""

    archetype: np.ndarray  # index into catalogue.ARCHETYPES
    needs: np.ndarray  # (m, 2) concept indices, PAD_CONCEPT when only one need
    need_kbli: np.ndarray  # (m, k) int codes of every need concept, -1 padding
    stated_kbli: np.ndarray  # (m, d) KBLI codes the files show (needed, else own), -1 padding
    lat: np.ndarray
    lon: np.ndarray
    province: np.ndarray
    regency: np.ndarray
    required: np.ndarray  # bitmask of CERT_BITS
    preferred_scale: np.ndarray  # 0..2, -1 when none
    budget_idr: np.ndarray
    max_partners: np.ndarray
    is_pma: np.ndarray  # bool
    taste: np.ndarray  # (m, 2) weights on UmkmLatent.profile


@dataclass
class World:
    """A generated world: contract-format frames and the latent truth behind them.

    UMKM and firm indices are positions in ``umkm`` / ``firms`` (file order).
    """

    umkm: pd.DataFrame
    firms: pd.DataFrame
    outcomes: pd.DataFrame
    event: pd.DataFrame
    seed: int
    latent_umkm: UmkmLatent = field(repr=False)
    latent_firms: FirmLatent = field(repr=False)
    variant: str = "demo"  # matcher.demo.variants.WORLDS

    @property
    def n_umkm(self) -> int:
        return len(self.umkm)

    @property
    def n_firms(self) -> int:
        return len(self.firms)

    @cached_property
    def _variant_tables(self) -> dict:
        """Locality per concept, the certificates that apply to each concept (bitmask) and
        the missing-certificate factor, by the world's variant."""
        from matcher.demo.variants import variant

        v = variant(self.variant)
        strength, km = LOCALITY_STRENGTH.copy(), LOCALITY_KM.copy()
        applies = np.full(N_CONCEPTS + 1, -1, dtype=np.int64)  # every bit: applies to all
        for i, c in enumerate(CONCEPTS):
            if c.family in v.locality:
                strength[i], km[i] = v.locality[c.family]
            if v.cert_applies is not None:
                applies[i] = sum(
                    CERT_BITS[cert] for cert, fams in v.cert_applies.items() if c.family in fams
                )
        return {
            "strength": strength,
            "km": km,
            "applies": applies,
            "cert_factor": v.missing_cert_factor,
        }

    @cached_property
    def _lookup(self) -> dict[str, np.ndarray]:
        """Firm-side tables that make scoring a pair a handful of gathers.

        ``concept[f, c]``: best weighted similarity of concept c to any need of firm f;
        ``kbli[f, v]``: best level score of KBLI vocabulary entry v against f's need codes
        (last column: padding, 0). Unit vectors make distances cheap to broadcast.
        """
        U, F = self.latent_umkm, self.latent_firms
        concept = np.zeros((self.n_firms, N_CONCEPTS + 1))
        for j, wf in enumerate((1.0, SECONDARY_NEED_WEIGHT)):
            concept = np.maximum(concept, CONCEPT_SIM[:, F.needs[:, j]].T * wf)
        vocab = np.unique(np.concatenate([U.kbli[U.kbli >= 0], F.need_kbli[F.need_kbli >= 0]]))
        level = kbli_level_score(vocab[:, None], vocab[None, :])
        kbli = np.zeros((self.n_firms, len(vocab) + 1))
        for j in range(F.need_kbli.shape[1]):
            code = F.need_kbli[:, j]
            row = np.where((code >= 0)[:, None], level[np.searchsorted(vocab, code)], 0.0)
            kbli[:, :-1] = np.maximum(kbli[:, :-1], row)
        u_kbli = np.where(U.kbli >= 0, np.searchsorted(vocab, U.kbli), len(vocab))
        return {
            "concept": concept,
            "kbli": kbli,
            "u_kbli": u_kbli,
            "u_xyz": _unit_vectors(U.lat, U.lon),
            "f_xyz": _unit_vectors(F.lat, F.lon),
        }

    def pair_features(self, umkm_idx, firm_idx) -> dict[str, np.ndarray]:
        """The inputs of :func:`matcher.demo.utility.mean_utility` for broadcast index arrays."""
        u = np.asarray(umkm_idx, dtype=np.int64)
        f = np.asarray(firm_idx, dtype=np.int64)
        U, F, T, V = self.latent_umkm, self.latent_firms, self._lookup, self._variant_tables
        sim = np.maximum(
            T["concept"][f, U.concepts[u, 0]],
            SECONDARY_PRODUCT_WEIGHT * T["concept"][f, U.concepts[u, 1]],
        )
        kbli = T["kbli"][f, T["u_kbli"][u, 0]]
        for i in range(1, U.kbli.shape[1]):
            kbli = np.maximum(kbli, T["kbli"][f, T["u_kbli"][u, i]])
        primary = U.concepts[u, 0]
        pref = F.preferred_scale[f]
        per_partner = F.budget_idr[f] / F.max_partners[f]
        return {
            "concept_sim": sim,
            "kbli_score": kbli,
            "distance_km": _chord_km(T["u_xyz"], u, T["f_xyz"], f),
            "locality_strength": V["strength"][primary],
            "locality_km": V["km"][primary],
            "missing_cert": (F.required[f] & ~U.certs[u] & V["applies"][primary]) != 0,
            "missing_cert_factor": V["cert_factor"],
            "scale_gap": np.where(pref < 0, 0, np.abs(U.scale[u] - pref)),
            "capacity_ratio": 12.0 * U.monthly_capacity_idr[u] / per_partner,
            "pma_export": (F.is_pma[f] & U.export[u]).astype(float),
            "taste": F.taste[f, 0] * U.profile[u, 0] + F.taste[f, 1] * U.profile[u, 1],
        }

    def utility(self, umkm_idx, firm_idx) -> np.ndarray:
        """Mean latent utility of pairs (index arrays broadcast: paired 1-D, or (a,1)x(1,b))."""
        return mean_utility(**self.pair_features(umkm_idx, firm_idx))

    def true_relevance(self, umkm_idx, firm_idx) -> np.ndarray:
        """Expected relevance grade (0..3, real-valued) of pairs (broadcast like utility)."""
        return expected_grade(self.utility(umkm_idx, firm_idx))

    def true_relevance_matrix(self, umkm_idx=None) -> np.ndarray:
        """(len(umkm_idx), n_firms) expected grades against every firm, computed in blocks."""
        u = np.arange(self.n_umkm) if umkm_idx is None else np.asarray(umkm_idx, dtype=np.int64)
        f = np.arange(self.n_firms)
        out = np.empty((len(u), len(f)))
        rows = max(1, _PAIRS_PER_BLOCK // max(1, len(f)))
        for start in range(0, len(u), rows):
            block = u[start : start + rows]
            out[start : start + len(block)] = self.true_relevance(block[:, None], f[None, :])
        return out

    def facilitator_rule(self, umkm_idx, firm_idx) -> np.ndarray:
        """True where the facilitators' proposal rule can fire: a shared KBLI division (the
        firm's stated needed_kbli, else its own kbli) or the same province."""
        u = np.asarray(umkm_idx, dtype=np.int64)
        f = np.asarray(firm_idx, dtype=np.int64)
        U, F = self.latent_umkm, self.latent_firms
        same = U.province[u] == F.province[f]
        udiv = np.where(U.kbli >= 0, U.kbli // 1000, -1)
        fdiv = np.where(F.stated_kbli >= 0, F.stated_kbli // 1000, -1)
        for i in range(udiv.shape[1]):
            for j in range(fdiv.shape[1]):
                d = fdiv[f, j]
                same = same | ((udiv[u, i] == d) & (d >= 0))
        return same
