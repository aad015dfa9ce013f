"""The demo world's latent utility: how good a UMKM–firm pair truly is.

Everything here is a pure function of per-pair features, so the formula can be tested with
hand-computed values and documented in one place (docs/demo-world.md). The world
(:mod:`matcher.demo.world`) gathers the features from its latent profiles; the history
simulator draws stages from the same utility plus noise.

Mean utility of a pair::

    match    = 0.8 * concept_sim + 0.2 * kbli_score                       in [0, 1]
    geo      = 1 - s + s * exp(-distance_km / D)      s, D: the product's locality
    cert     = 0.08 if a certificate the firm requires is missing else 1
    scale    = (1.0, 0.75, 0.5)[|UMKM scale - preferred scale|]   (1 when no preference)
    capacity = clip(annual UMKM capacity / (budget / max_partners), 0.1, 1) ** 0.4
    fit      = match * geo * cert * scale * capacity                      in [0, 1]
    mu       = 3.6 * fit + match * (0.3 * [PMA firm and UMKM has exported] + taste)

A realised outcome is ``mu + N(0, 0.5²)`` cut at :data:`GRADE_THRESHOLDS` into grades 0..3
(declined, meeting, mou_signed, contract_signed); the true relevance of a pair is the
expected grade, ``sum_k Phi((mu - t_k) / 0.5)``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

CONCEPT_WEIGHT = 0.8
KBLI_WEIGHT = 0.2
# Score for the deepest shared level of two KBLI codes: subclass, class, group, division.
KBLI_LEVEL_SCORES = {5: 1.0, 4: 0.6, 3: 0.35, 2: 0.15}
SAME_FAMILY_SIM = 0.55
RELATED_FAMILY_SIM = 0.35
SECONDARY_PRODUCT_WEIGHT = 0.7
SECONDARY_NEED_WEIGHT = 0.6
MISSING_CERT_FACTOR = 0.08
SCALE_GAP_FACTORS = (1.0, 0.75, 0.5)
CAPACITY_FLOOR = 0.1
CAPACITY_EXPONENT = 0.4
UTILITY_SPAN = 3.6
EXPORT_BONUS = 0.3
TASTE_SD = 0.15
NOISE_SD = 0.5
GRADE_THRESHOLDS = (0.8, 1.7, 2.5)
EARTH_RADIUS_KM = 6371.0


def kbli_level_score(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Score of the deepest shared KBLI level of integer codes ``a`` and ``b`` (broadcast).

    Codes are 5-digit integers (leading zeros are harmless: 08930 -> 8930 keeps every
    prefix comparison intact); negative values mark padding and score 0.
    """
    valid = (a >= 0) & (b >= 0)
    score = np.zeros(np.broadcast(a, b).shape)
    # Walk from the coarsest level to the finest so deeper matches overwrite.
    for digits, divisor in ((2, 1000), (3, 100), (4, 10), (5, 1)):
        same = valid & (a // divisor == b // divisor)
        score = np.where(same, KBLI_LEVEL_SCORES[digits], score)
    return score


def geo_factor(distance_km: np.ndarray, strength: np.ndarray, scale_km: np.ndarray) -> np.ndarray:
    """1 next door; falls towards ``1 - strength`` as distance grows past ``scale_km``."""
    return 1.0 - strength + strength * np.exp(-distance_km / scale_km)


def capacity_factor(capacity_ratio: np.ndarray) -> np.ndarray:
    """Penalty when a UMKM's yearly capacity is below what one partner slot is worth."""
    return np.clip(capacity_ratio, CAPACITY_FLOOR, 1.0) ** CAPACITY_EXPONENT


def mean_utility(
    concept_sim: np.ndarray,
    kbli_score: np.ndarray,
    distance_km: np.ndarray,
    locality_strength: np.ndarray,
    locality_km: np.ndarray,
    missing_cert: np.ndarray,
    scale_gap: np.ndarray,
    capacity_ratio: np.ndarray,
    pma_export: np.ndarray,
    taste: np.ndarray,
    missing_cert_factor: float = MISSING_CERT_FACTOR,
) -> np.ndarray:
    """Mean latent utility ``mu`` of pairs from their features (all arrays broadcast).

    ``scale_gap`` is |UMKM scale - preferred scale| in classes (0 when no preference);
    ``pma_export`` is 1 when the firm is a PMA and the UMKM has exported, else 0.
    """
    match = CONCEPT_WEIGHT * concept_sim + KBLI_WEIGHT * kbli_score
    fit = (
        match
        * geo_factor(distance_km, locality_strength, locality_km)
        * np.where(missing_cert, missing_cert_factor, 1.0)
        * np.asarray(SCALE_GAP_FACTORS)[np.asarray(scale_gap, dtype=np.int64)]
        * capacity_factor(capacity_ratio)
    )
    return UTILITY_SPAN * fit + match * (EXPORT_BONUS * pma_export + taste)


def expected_grade(mu: np.ndarray) -> np.ndarray:
    """Expected relevance grade (0..3, real-valued) of pairs with mean utility ``mu``."""
    mu = np.asarray(mu, dtype=float)
    return sum(ndtr((mu - t) / NOISE_SD) for t in GRADE_THRESHOLDS)


def draw_grade(mu: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One realised grade per pair: utility plus noise, cut at the thresholds."""
    realised = np.asarray(mu, dtype=float) + rng.normal(0.0, NOISE_SD, size=np.shape(mu))
    return np.searchsorted(np.asarray(GRADE_THRESHOLDS), realised).astype(np.int64)
