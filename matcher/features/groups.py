"""Pair features by group: one function per group, its feature names declared beside it.

Each group (text, kbli, geo, cert, scale, capacity, type, history, prior) is a function of
a :class:`PairBlock` (one block of UMKM against a set of firms, both sides encoded) that
returns its columns under the names it declares, in that order. :func:`assemble` is the one
builder: it runs the groups in :data:`GROUPS` order, checks that every group returned
exactly its declared names in its declared order (in the spirit of scikit-learn's
``ColumnTransformer.get_feature_names_out``) and writes them into the block's matrix.

Everything else names features through what is declared here: :data:`FEATURE_NAMES`
(column order), :data:`FEATURE_GROUPS` (what reasons and ablations talk about),
:data:`MONOTONE` (directions the ranker must respect, declared with the feature) and
:func:`feature_columns` (column positions by name, checked when the caller is imported).

Groups compute with array operations only: no Python loop per pair.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from matcher.data import certificates
from matcher.data.schema import CERTIFICATIONS
from matcher.features.geo import haversine_km
from matcher.features.kbli import agreement_level
from matcher.features.text import group_relations

# ---------------------------------------------------------------------------- constants
# How local a trade is (0 ships anywhere .. 1 on site) when neither the glossary concepts
# nor the UMKM's KBLI say: halfway, so distance counts half.
UNKNOWN_LOCALITY = 0.5
# Distance over which a fully local product's worth to the firm falls to 1/e in the prior
# (a day's return trip by road: beyond it fresh goods and on-site services stop working).
LOCAL_DECAY_KM = 300.0
# Shares of the words and of the KBLI codes in the prior's product match: the words say
# what is traded, the codes mostly confirm it.
TEXT_SHARE, KBLI_SHARE = 0.75, 0.25
# Prior factors for a required certificate the UMKM lacks: one that applies to its
# products (data/cert_scope.psv) nearly rules the pair out, another is a smaller doubt.
MISSING_RELEVANT_CERT = 0.1
MISSING_OTHER_CERT = 0.3
SCALE_STEP_PENALTY = 0.25  # prior lost per step between the UMKM's scale and the one asked
MIN_CAPACITY_FACTOR = 0.1  # floor of the capacity factor (a small supplier may still serve)
# Pairs per feature block when scoring: 2,000,000 x ~46 float32 features is ~370 MB.
MAX_PAIRS_PER_BLOCK = 2_000_000
# KBLI agreement level (-1 none stated .. 5 same kelompok) -> product match, at index+1
KBLI_LEVEL_MATCH = np.array([0.0, 0.0, 0.0, 0.15, 0.35, 0.6, 1.0], dtype=np.float32)
FOOD_CERTS = np.array([certificates.table()[c].food for c in CERTIFICATIONS])


def csr_rows(m: sp.csr_matrix, idx: np.ndarray) -> sp.csr_matrix:
    """Rows ``idx`` of a CSR matrix by index arithmetic (scipy's fancy indexing validates
    so much that it dominates small requests against large firm sets)."""
    starts, ends = m.indptr[idx], m.indptr[idx + 1]
    lens = ends - starts
    indptr = np.zeros(len(idx) + 1, dtype=m.indptr.dtype)
    np.cumsum(lens, out=indptr[1:])
    sel = np.repeat(starts - indptr[:-1], lens) + np.arange(indptr[-1], dtype=m.indptr.dtype)
    return sp.csr_matrix((m.data[sel], m.indices[sel], indptr), shape=(len(idx), m.shape[1]))


@dataclass
class PairBlock:
    """One block of pairs: UMKM rows ``u_idx`` of side ``U`` against every firm of side ``f``.

    ``h`` holds the learned history parts (``aff_*_``, ``firm_stats_``, ``history_mean_``):
    the fitted builder, or out-of-fold statistics during training. Values that depend on
    the firm side alone are cached on it (``f.memo``), so repeated requests reuse them.
    """

    U: object  # EncodedSide (UMKM)
    f: object  # EncodedSide (firms)
    u_idx: np.ndarray
    h: object

    def rows(self, m: sp.csr_matrix) -> sp.csr_matrix:
        """This block's UMKM rows of a whole-side matrix."""
        return csr_rows(m, self.u_idx)

    def firm_sums(self, key, m) -> np.ndarray:
        """Per-firm row sums of ``m``, cached on the firm side."""
        return self.f.memo(("sum", key), lambda: np.asarray(m.sum(axis=1)).ravel())

    def dense_T(self, key, m) -> np.ndarray:
        """``m.T`` dense and contiguous, cached on the firm side: (sparse UMKM rows) @
        (dense firm columns), as the products are dense anyway."""
        return self.f.memo(
            ("dense_T", key), lambda: np.ascontiguousarray(m.T.toarray(), dtype=np.float32)
        )

    @cached_property
    def u_num(self) -> dict:
        """The UMKM side's numeric columns for this block's rows."""
        return {k: v[self.u_idx] for k, v in self.U.num.items()}


Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class FeatureGroup:
    """A feature group: its column ``names`` in order, the function computing them, the
    monotone directions the ranker must respect (+1 never hurts, -1 never helps) and, for a
    derived group, the earlier features it ``reads`` (it sees only those)."""

    name: str
    names: tuple[str, ...]
    compute: Callable[[PairBlock, Columns], Columns]
    monotone: Mapping[str, int] = field(default_factory=dict)
    reads: tuple[str, ...] = ()

    def __call__(self, block: PairBlock, cols: Columns | None = None) -> Columns:
        """This group's columns for ``block``, checked against its declared names."""
        got = self.compute(block, {k: cols[k] for k in self.reads} if self.reads else {})
        if tuple(got) != self.names:
            raise RuntimeError(
                f"feature group {self.name!r} returned columns {tuple(got)}, "
                f"but declares {self.names}"
            )
        return got


def feature_group(name: str, names, monotone=None, reads=()):
    """Declare a feature group: decorates the function that computes its ``names``."""

    def declare(fn: Callable[[PairBlock, Columns], Columns]) -> FeatureGroup:
        return FeatureGroup(name, tuple(names), fn, dict(monotone or {}), tuple(reads))

    return declare


# ---------------------------------------------------------------------------- groups
@feature_group(
    "text",
    names=(
        "concept_cos",
        "need_cover",
        "group_cover",
        "word_cos",
        "char_cos",
        "primary_product_match",
        "primary_need_match",
        "related_group_cover",
        "n_need_concepts",
        "n_product_concepts",
        "aff_concept_group",
    ),
    # a closer product match never hurts
    monotone={
        "concept_cos": 1,
        "need_cover": 1,
        "primary_product_match": 1,
        "primary_need_match": 1,
        "word_cos": 1,
        "char_cos": 1,
    },
)
def text_features(b: PairBlock, _) -> Columns:
    """The UMKM's products against the firm's need, in words: shared glossary concepts and
    concept groups, TF-IDF cosines, and the learned affinity of concept groups."""
    f, ft = b.f, b.f.text
    g_T = f.T("groups", ft.groups)
    c_T = f.T("concepts", ft.concepts)
    u_concepts, u_groups = b.rows(b.U.text.concepts), b.rows(b.U.text.groups)
    n_fc = b.firm_sums("concepts", ft.concepts)
    n_uc = np.asarray(u_concepts.sum(axis=1)).ravel()
    n_fg = b.firm_sums("groups", ft.groups)
    shared = (u_concepts @ c_T).toarray()
    g_shared = (u_groups @ g_T).toarray()
    related = ((u_groups @ group_relations()) @ g_T).toarray() > 0
    return {
        "concept_cos": shared / np.sqrt(np.maximum(np.outer(n_uc, n_fc), 1)),
        "need_cover": np.where(n_fc[None, :] > 0, shared / np.maximum(n_fc, 1)[None, :], np.nan),
        "group_cover": np.where(n_fg[None, :] > 0, g_shared / np.maximum(n_fg, 1)[None, :], np.nan),
        "word_cos": (b.rows(b.U.text.words) @ f.T("words", ft.words)).toarray(),
        "char_cos": (b.rows(b.U.text.chars) @ f.T("chars", ft.chars)).toarray(),
        # the first product a UMKM names is usually its main line; likewise a firm's first need
        "primary_product_match": (b.rows(b.U.text.primary) @ c_T).toarray(),
        "primary_need_match": (u_concepts @ f.T("primary", ft.primary)).toarray(),
        "related_group_cover": np.where(n_fg[None, :] > 0, related, np.nan),
        "n_need_concepts": n_fc[None, :],
        "n_product_concepts": n_uc[:, None],
        "aff_concept_group": b.h.aff_concept_group_.score(
            {0: u_groups}, {0: g_T}, transposed=True, firm_counts=n_fg
        ),
    }


@feature_group(
    "kbli",
    names=(
        "kbli_need_level",
        "kbli_own_level",
        "need_text_kbli_level",
        "product_text_kbli_level",
        "aff_division",
        "aff_group",
        "inferred_need_match",
        "mapped_match3",
        "mapped_match4",
        "need_inferred",
        "product_inferred",
    ),
    monotone={"inferred_need_match": 1, "mapped_match3": 1, "mapped_match4": 1},
)
def kbli_features(b: PairBlock, _) -> Columns:
    """KBLI codes: agreement down the hierarchy (stated codes, and codes the glossary
    concepts of the texts imply), learned affinities of divisions and groups, and KBLI read
    from the words by the fitted mapper (perkiraan): stated-or-inferred golongan on both
    sides, and the two texts' mapped distributions at golongan and subgolongan level."""
    U, f = b.U, b.f
    u_codes = b.rows(U.stacked("codes"))
    cols = {
        "kbli_need_level": agreement_level(u_codes, f.stacked_T("needed"), f.has_needed),
        "kbli_own_level": agreement_level(u_codes, f.stacked_T("codes"), f.has_codes),
        "need_text_kbli_level": agreement_level(u_codes, f.stacked_T("implied")),
        # what the UMKM's products imply vs what the firm needs or does
        "product_text_kbli_level": agreement_level(
            b.rows(U.stacked("implied")), f.stacked_T("activity")
        ),
    }
    for name, aff in (("aff_division", b.h.aff_division_), ("aff_group", b.h.aff_group_)):
        lv = aff.level
        cols[name] = aff.score(
            {lv: b.rows(U.codes[lv])},
            {lv: f.T(f"activity{lv}", f.activity[lv])},
            transposed=True,
            firm_counts=b.firm_sums(f"activity{lv}", f.activity[lv]),
        )
    cols["inferred_need_match"] = b.rows(U.kbli3) @ b.dense_T("kbli3", f.kbli3)
    cols["mapped_match3"] = b.rows(U.mapped[3]) @ b.dense_T("mapped3", f.mapped[3])
    cols["mapped_match4"] = b.rows(U.mapped[4]) @ b.dense_T("mapped4", f.mapped[4])
    cols["need_inferred"] = f.inferred[None, :]
    cols["product_inferred"] = U.inferred[b.u_idx][:, None]
    return cols


@feature_group(
    "geo",
    names=(
        "log_distance_km",
        "same_province",
        "same_regency",
        "locality",
        "distance_x_locality",
        "kbli_locality",
        "local_far",
    ),
    # a local trade never gains from being farther away
    monotone={"local_far": -1},
)
def geo_features(b: PairBlock, _) -> Columns:
    """Distance and administrative areas, and how local the trade is (glossary locality of
    either text; the UMKM's KBLI locality from data/locality.psv) against distance."""
    U, f, u_idx = b.U, b.f, b.u_idx
    log_dist = np.log1p(haversine_km(U.lat[u_idx], U.lon[u_idx], f.lat, f.lon))
    u_reg = U.regency[u_idx]
    locality = np.fmax(
        U.text.locality[u_idx][:, None], f.text.locality[None, :]
    )  # NaN: both unknown
    supply = U.num["supply_locality"][u_idx]
    return {
        "log_distance_km": log_dist,
        "same_province": U.province[u_idx][:, None] == f.province[None, :],
        "same_regency": (u_reg[:, None] == f.regency[None, :]) & (u_reg != "")[:, None],
        "locality": locality,
        "distance_x_locality": log_dist * np.nan_to_num(locality, nan=UNKNOWN_LOCALITY),
        "kbli_locality": supply[:, None],
        "local_far": log_dist * np.nan_to_num(supply, nan=UNKNOWN_LOCALITY)[:, None],
    }


@feature_group(
    "cert",
    names=(
        "n_required_certs",
        "n_missing_certs",
        "missing_food_cert",
        "n_missing_relevant_certs",
    ),
    # a missing required certificate never helps
    monotone={"n_missing_certs": -1, "n_missing_relevant_certs": -1, "missing_food_cert": -1},
)
def cert_features(b: PairBlock, _) -> Columns:
    """Certificates the firm requires and the UMKM does not hold; only those that apply to
    the UMKM's products count as relevant (halal for a caterer, not a laundry)."""
    f = b.f
    held = b.U.certs[b.u_idx].astype(np.float32)
    req_T = f.memo("certs_T", lambda: np.ascontiguousarray(f.certs.T, dtype=np.float32))
    food_T = f.memo("food_T", lambda: np.ascontiguousarray(req_T[FOOD_CERTS]))
    n_req = f.memo("n_req", lambda: req_T.sum(axis=0))
    n_food = f.memo("n_food", lambda: food_T.sum(axis=0))
    return {
        "n_required_certs": n_req[None, :],
        "n_missing_certs": n_req[None, :] - held @ req_T,
        "missing_food_cert": (n_food[None, :] - held[:, FOOD_CERTS] @ food_T) > 0,
        "n_missing_relevant_certs": (b.U.cert_applies[b.u_idx] * (1.0 - held)) @ req_T,
    }


@feature_group("scale", names=("umkm_scale", "preferred_scale", "scale_gap"))
def scale_features(b: PairBlock, _) -> Columns:
    """The UMKM's scale against the scale the firm asks for (ordinal: mikro = 1 ...)."""
    us, fs = b.u_num["scale"], b.f.num["preferred_scale"]
    return {
        "umkm_scale": us[:, None],
        "preferred_scale": fs[None, :],
        "scale_gap": us[:, None] - fs[None, :],
    }


@feature_group(
    "capacity",
    names=("log_capacity_to_budget", "umkm_log_revenue", "umkm_log_employees", "umkm_age"),
)
def capacity_features(b: PairBlock, _) -> Columns:
    """What the UMKM can deliver in a year against what one partner slot of the firm is
    worth, and its size and age (years at the builder's reference date)."""
    u = b.u_num
    return {
        "log_capacity_to_budget": (
            u["log_capacity_year"][:, None] - b.f.num["log_budget_per_partner"][None, :]
        ),
        "umkm_log_revenue": u["log_revenue"][:, None],
        "umkm_log_employees": u["log_employees"][:, None],
        "umkm_age": u["age"][:, None],
    }


@feature_group("type", names=("is_pma", "export_experience", "pma_x_export"))
def type_features(b: PairBlock, _) -> Columns:
    """Foreign (PMA) or domestic (PMDN) firm, against the UMKM's export experience."""
    pma, exp = b.f.num["is_pma"], b.u_num["export"]
    return {
        "is_pma": pma[None, :],
        "export_experience": exp[:, None],
        "pma_x_export": pma[None, :] * exp[:, None],
    }


@feature_group("history", names=("firm_mean_grade", "firm_log_outcomes"))
def history_features(b: PairBlock, _) -> Columns:
    """The firm's track record: smoothed mean grade and number of past outcomes (learned
    out-of-fold during training)."""
    f, h = b.f, b.h

    def track_record():
        pos = h.firm_stats_.index.get_indexer(f.ids)
        known = pos >= 0
        mean = np.where(known, h.firm_stats_["mean_grade"].to_numpy()[pos], h.history_mean_)
        logn = np.where(known, h.firm_stats_["log_outcomes"].to_numpy()[pos], 0.0)
        return mean, logn

    mean, logn = f.learned("history", h.firm_stats_, track_record)
    return {"firm_mean_grade": mean[None, :], "firm_log_outcomes": logn[None, :]}


@feature_group(
    "partners",
    names=("partner_word_cos", "partner_concept_cos", "partner_kbli"),
    monotone={"partner_word_cos": 1, "partner_concept_cos": 1, "partner_kbli": 1},
)
def partner_features(b: PairBlock, _) -> Columns:
    """The UMKM's products against what the firm's past partners supply (their
    grade-weighted centroid, :mod:`matcher.features.partners`): words, glossary concepts and
    KBLI golongan; missing for a firm with no partner yet (learned out-of-fold)."""
    p = b.f.learned("partners", b.h.partners_, lambda: b.h.partners_.aligned(b.f.ids))
    known = p["known"][None, :]

    def masked(m):
        return np.where(known, m.toarray(), np.nan)

    return {
        "partner_word_cos": masked(b.rows(b.U.text.words) @ p["words_T"]),
        "partner_concept_cos": masked(b.rows(b.U.concepts_l2()) @ p["concepts_T"]),
        "partner_kbli": masked(b.rows(b.U.kbli3) @ p["kbli3_T"]),
    }


_PRIOR_READS = (
    "concept_cos",
    "group_cover",
    "related_group_cover",
    "word_cos",
    "char_cos",
    "kbli_need_level",
    "need_text_kbli_level",
    "product_text_kbli_level",
    "kbli_locality",
    "locality",
    "log_distance_km",
    "n_missing_relevant_certs",
    "n_missing_certs",
    "scale_gap",
    "log_capacity_to_budget",
)


def prior_fit(cols: Mapping[str, np.ndarray]) -> np.ndarray:
    """A domain prior for how well a pair fits, from the other features, in [0, 1].

    The partnership only works if every condition holds, so the factors multiply:
    the product meets the need (text, then KBLI), the distance is bearable *for this
    product* (local goods lose value with distance, crafts hardly), required certificates
    that apply to the product are held, the scale is the one asked for and the UMKM can
    deliver what one partner slot is worth. Constants are round domain guesses, not fitted
    (named at the top of this module); the trees learn how much to trust this prior next
    to the raw features. Reads only the features in ``_PRIOR_READS``.
    """
    text = np.fmax.reduce(
        [
            cols["concept_cos"],
            0.5 * np.nan_to_num(cols["group_cover"]),
            0.3 * np.nan_to_num(cols["related_group_cover"]),
            cols["word_cos"],
            0.8 * cols["char_cos"],
        ]
    )
    level = np.fmax.reduce(
        [cols["kbli_need_level"], cols["need_text_kbli_level"], cols["product_text_kbli_level"]]
    ).astype(np.int64)
    match = (
        TEXT_SHARE * np.clip(text, 0, 1) + KBLI_SHARE * KBLI_LEVEL_MATCH[np.clip(level, -1, 5) + 1]
    )
    # how local the trade is: by the UMKM's KBLI (data/locality.psv) where known, else by
    # the glossary concepts of either text
    s = np.where(
        np.isnan(cols["kbli_locality"]),
        np.nan_to_num(cols["locality"], nan=UNKNOWN_LOCALITY),
        cols["kbli_locality"],
    )
    dist = np.expm1(cols["log_distance_km"])
    geo = 1.0 - s + s * np.exp(-dist / LOCAL_DECAY_KM)
    # a missing certificate that applies to the UMKM's products (data/cert_scope.psv) nearly
    # rules the pair out; one that does not apply to them is a smaller doubt
    cert = np.where(
        cols["n_missing_relevant_certs"] > 0.5,
        MISSING_RELEVANT_CERT,
        np.where(cols["n_missing_certs"] > 0, MISSING_OTHER_CERT, 1.0),
    )
    scale = 1.0 - SCALE_STEP_PENALTY * np.nan_to_num(np.abs(cols["scale_gap"]), nan=0.0)
    cap = (
        np.clip(
            np.exp(np.nan_to_num(cols["log_capacity_to_budget"], nan=0.0)), MIN_CAPACITY_FACTOR, 1.0
        )
        ** 0.5
    )
    return (match * geo * cert * scale * cap).astype(np.float32)


@feature_group("prior", names=("prior_fit",), monotone={"prior_fit": 1}, reads=_PRIOR_READS)
def prior_features(_, cols: Columns) -> Columns:
    """The domain prior (:func:`prior_fit`), from the features it reads."""
    return {"prior_fit": prior_fit(cols)}


# ---------------------------------------------------------------------------- the builder
GROUPS: tuple[FeatureGroup, ...] = (
    text_features,
    kbli_features,
    geo_features,
    cert_features,
    scale_features,
    capacity_features,
    type_features,
    history_features,
    partner_features,
    prior_features,
)


def _check_groups(groups) -> None:
    """Declarations agree: unique group and feature names, monotone directions of declared
    features, a derived group reads only features of earlier groups."""
    seen: list[str] = []
    names = [g.name for g in groups]
    if len(set(names)) != len(names):
        raise RuntimeError(f"feature groups declared twice: {names}")
    for g in groups:
        if len(set(g.names)) != len(g.names) or set(g.names) & set(seen):
            raise RuntimeError(f"feature group {g.name!r} repeats a feature name: {g.names}")
        if not set(g.monotone) <= set(g.names) or not set(g.monotone.values()) <= {-1, 1}:
            raise RuntimeError(f"feature group {g.name!r}: bad monotone {dict(g.monotone)}")
        unknown = [r for r in g.reads if r not in seen]
        if unknown:
            raise RuntimeError(f"feature group {g.name!r} reads {unknown}, not computed before it")
        seen.extend(g.names)


_check_groups(GROUPS)
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {g.name: g.names for g in GROUPS}
FEATURE_NAMES: tuple[str, ...] = tuple(n for g in GROUPS for n in g.names)
MONOTONE: dict[str, int] = {n: d for g in GROUPS for n, d in g.monotone.items()}
_POSITION = {n: j for j, n in enumerate(FEATURE_NAMES)}


def feature_columns(*names: str) -> tuple[int, ...]:
    """Column positions of ``names`` in :data:`FEATURE_NAMES`; an unknown name is an error
    (callers resolve their columns at import, so a renamed feature fails at once)."""
    unknown = [n for n in names if n not in _POSITION]
    if unknown:
        raise KeyError(f"unknown feature names {unknown}; declared: {FEATURE_NAMES}")
    return tuple(_POSITION[n] for n in names)


# ---------------------------------------------------------------------------- ablations
def _zero(*names):
    def neutralise(cols: Columns) -> Columns:
        return {k: (np.zeros((), np.float32) if k in names else v) for k, v in cols.items()}

    return neutralise


def _blunt_certificates(cols: Columns) -> Columns:
    # every missing certificate counts as relevant (the prior's x 0.1 for any gap), as before
    return {**cols, "n_missing_relevant_certs": cols["n_missing_certs"]}


def _text_locality_only(cols: Columns) -> Columns:
    # no locality by KBLI: the prior falls back to text locality, local_far to its product
    nan = np.full((), np.nan, np.float32)
    return {**cols, "kbli_locality": nan, "local_far": cols["distance_x_locality"]}


# A modelling choice and how to switch it off: (the group whose columns it changes, the
# change). Measured by bench/bench_quality.py --ablate NAME (the final code with one choice
# off); every group can also be switched off whole (all its columns 0) by its name.
ABLATIONS: dict[str, tuple[str, Callable[[Columns], Columns]]] = {
    "kbli_from_words": (
        "kbli",
        _zero(
            "inferred_need_match",
            "mapped_match3",
            "mapped_match4",
        ),
    ),
    "cert_relevance": ("cert", _blunt_certificates),
    "kbli_locality": ("geo", _text_locality_only),
    **{g.name: (g.name, _zero(*g.names)) for g in GROUPS if g.name != "prior"},
    "prior": ("prior", _zero("prior_fit")),
}


def check_ablations(names) -> tuple[str, ...]:
    """``names`` as a tuple, each a key of :data:`ABLATIONS` (else a ValueError naming them)."""
    names = (names,) if isinstance(names, str) else tuple(names or ())
    unknown = [n for n in names if n not in ABLATIONS]
    if unknown:
        raise ValueError(f"unknown ablation {unknown}; choose from {sorted(ABLATIONS)}")
    return names


def assemble(block: PairBlock, groups=GROUPS, ablate=()) -> np.ndarray:
    """Every group's columns for ``block`` as float32 ``(n_pairs, n_features)``, UMKM-major,
    in :data:`FEATURE_NAMES` order; each group's names and order are checked (see
    :class:`FeatureGroup`). Feature-major in memory (each feature's column contiguous,
    filled without strided writes). ``ablate`` names choices of :data:`ABLATIONS` to
    switch off (groups computed after a changed one, the prior, see the changed values)."""
    changes: dict[str, list] = {}
    for name in check_ablations(ablate):
        group, change = ABLATIONS[name]
        changes.setdefault(group, []).append(change)
    nb, nf = len(block.u_idx), block.f.n
    out = np.empty((len(FEATURE_NAMES), nb, nf), dtype=np.float32)
    cols: Columns = {}  # as computed (before float32), for groups that read earlier ones
    j = 0
    for g in groups:
        got = g(block, cols)
        for change in changes.get(g.name, ()):
            got = change(got)
        for values in got.values():
            out[j] = values
            j += 1
        cols.update(got)
    if j != len(FEATURE_NAMES):
        raise RuntimeError(f"feature groups gave {j} columns, {len(FEATURE_NAMES)} declared")
    return out.reshape(len(FEATURE_NAMES), nb * nf).T
