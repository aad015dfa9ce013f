"""The pair-feature builder: per-entity encodings once, pair features per block.

:class:`PairFeatureBuilder` is fitted on the profiles and past outcomes (TF-IDF
vocabularies, learned KBLI affinities, firms' track record). It encodes each side once
(:meth:`encode_umkm`, :meth:`encode_firms`) and then computes, for a block of UMKM against
a set of firms, a dense ``(n_pairs, n_features)`` matrix with only array operations —
no Python loop per pair.

Feature groups (``FEATURE_GROUPS``) are what reasons and ablations talk about: text,
kbli, geo, cert, scale, capacity, type, history.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from matcher.data import certificates
from matcher.data.schema import CERTIFICATIONS, SCALES
from matcher.features.geo import haversine_km
from matcher.features.kbli import KbliAffinity, agreement_level, level_matrices, stacked
from matcher.features.kbli_text import KbliTextMapper
from matcher.features.text import TextEncoder, TextSide, glossary, group_relations

FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "text": (
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
    "kbli": (
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
    "geo": (
        "log_distance_km",
        "same_province",
        "same_regency",
        "locality",
        "distance_x_locality",
        "kbli_locality",
        "local_far",
    ),
    "cert": (
        "n_required_certs",
        "n_missing_certs",
        "missing_food_cert",
        "n_missing_relevant_certs",
    ),
    "scale": ("umkm_scale", "preferred_scale", "scale_gap"),
    "capacity": ("log_capacity_to_budget", "umkm_log_revenue", "umkm_log_employees", "umkm_age"),
    "type": ("is_pma", "export_experience", "pma_x_export"),
    "history": ("firm_mean_grade", "firm_log_outcomes"),
    "prior": ("prior_fit",),
}
FEATURE_NAMES: tuple[str, ...] = tuple(n for names in FEATURE_GROUPS.values() for n in names)
FOOD_CERTS = np.array([certificates.table()[c].food for c in CERTIFICATIONS])
_SCALE_ORD = {s: i + 1 for i, s in enumerate(SCALES)}


def _cert_matrix(lists, held: bool) -> np.ndarray:
    """(entity x base certificate) matrix. Sub-typed tokens count as their base
    ("bpom:md" is bpom); a held certificate also holds what it implies (FSSC 22000 ->
    ISO 22000 -> HACCP); unknown items kept as written count as nothing."""
    idx = {c: i for i, c in enumerate(CERTIFICATIONS)}
    out = np.zeros((len(lists), len(CERTIFICATIONS)), dtype=bool)
    for i, certs in enumerate(lists):
        bases = (
            certificates.held_bases(certs) if held else {certificates.base(c) for c in certs or ()}
        )
        for c in bases:
            if c in idx:
                out[i, idx[c]] = True
    return out


@lru_cache(maxsize=1)
def cert_scope() -> dict[str, tuple[str, ...]]:
    """Certificate -> KBLI 2020 prefixes of the products it is about (``data/cert_scope.psv``,
    with the regulation behind each row). A certificate absent from the table applies to
    everything."""
    raw = resources.files("matcher.features").joinpath("data/cert_scope.psv").read_text("utf-8")
    rows = [line.split("|") for line in raw.strip().splitlines()[1:]]
    return {cert: tuple(p for p in kbli.split(";") if p) for cert, kbli, *_ in rows}


def _applies(code: str) -> np.ndarray:
    """(n_certs,) bool: which certificates are about a product of KBLI ``code``."""
    scope = cert_scope()
    return np.array(
        [c not in scope or any(code.startswith(p) for p in scope[c]) for c in CERTIFICATIONS],
        dtype=bool,
    )


def cert_applicability(
    code_lists, inferred: np.ndarray, mapped4: sp.csr_matrix, classes4: np.ndarray
) -> np.ndarray:
    """(n, n_certs) in [0, 1]: how far each certificate applies to what each UMKM supplies.

    From its stated codes (any product it is registered for), or where those are missing,
    generic or contradicted by its words (``inferred``), from the mapper's distribution over
    subgolongan read from its products; 1 (as if it applied) when neither says anything."""
    out = np.ones((len(code_lists), len(CERTIFICATIONS)), dtype=np.float32)
    by_class = np.array([_applies(c) for c in classes4], dtype=np.float32).reshape(
        -1, len(CERTIFICATIONS)
    )
    from_text = np.asarray(mapped4 @ by_class)
    read = np.diff(mapped4.indptr) > 0
    for i, codes in enumerate(code_lists):
        codes = [str(c) for c in codes or () if str(c)[:2] not in ("45", "46", "47")]
        if codes and not inferred[i]:
            out[i] = np.logical_or.reduce([_applies(c) for c in codes])
        elif read[i]:
            out[i] = from_text[i]
    return out


@lru_cache(maxsize=1)
def locality_table() -> dict[str, float]:
    """KBLI prefix -> how local its trade is, 0..1 (``data/locality.psv``, with reasons)."""
    raw = resources.files("matcher.features").joinpath("data/locality.psv").read_text("utf-8")
    rows = [line.split("|") for line in raw.strip().splitlines()[1:]]
    return {code: float(value) for code, value, *_ in rows}


def kbli_locality(code: str) -> float:
    """Locality of KBLI ``code``: its longest listed prefix's value (NaN when none)."""
    table = locality_table()
    for n in range(min(len(code), 4), 1, -1):
        hit = table.get(code[:n])
        if hit is not None:
            return hit
    return float("nan")


def supply_locality(
    code_lists, inferred: np.ndarray, mapped4: sp.csr_matrix, classes4: np.ndarray
) -> np.ndarray:
    """(n,) how local what each UMKM supplies is: the mean over its stated codes, or where
    those are missing, generic or contradicted by its words, the expectation under the
    mapper's reading of its products; NaN when neither says anything."""
    by_class = np.nan_to_num(
        np.array([kbli_locality(c) for c in classes4], dtype=np.float32), nan=0.5
    )
    from_text = np.asarray(mapped4 @ by_class).ravel()
    read = np.diff(mapped4.indptr) > 0
    out = np.full(len(code_lists), np.nan, dtype=np.float32)
    for i, codes in enumerate(code_lists):
        vals = [kbli_locality(str(c)) for c in codes or () if str(c)[:2] not in ("45", "46", "47")]
        vals = [v for v in vals if v == v]
        if vals and not inferred[i]:
            out[i] = np.mean(vals)
        elif read[i]:
            out[i] = from_text[i]
    return out


def _implied_kbli(concept_lists) -> list[tuple[str, ...]]:
    """KBLI prefixes implied by the glossary concepts found in each text."""
    kbli = glossary().concepts["kbli"].to_numpy()
    return [tuple({p for c in cl for p in kbli[c]}) for cl in concept_lists]


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float32)


@dataclass
class EncodedSide:
    """Per-entity encodings of one side; rows follow the frame the side was built from."""

    n: int
    ids: np.ndarray
    text: TextSide
    codes: dict  # KBLI level matrices of the entity's own codes
    implied: dict  # KBLI prefixes implied by its text
    has_codes: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    province: np.ndarray
    regency: np.ndarray
    certs: np.ndarray  # (n, n_certs) bool: held (UMKM) or required (firm)
    num: dict  # named numeric per-entity arrays
    kbli_lists: np.ndarray  # object array of code tuples (for reasons)
    texts: np.ndarray | None = None  # object array of the products / needs text (for reasons)
    cert_applies: np.ndarray | None = (
        None  # UMKM: (n, n_certs) how far each cert is about its products
    )
    # KBLI read from the text by the fitted mapper (level -> (n, classes) rows summing to 1)
    mapped: dict | None = None
    # level-3 codes the pair features use: stated where plausible, else the mapper's
    # distribution ("perkiraan"); ``inferred`` marks the rows that use the mapper's
    kbli3: sp.csr_matrix | None = None
    inferred: np.ndarray | None = None
    kbli3_classes: np.ndarray | None = None  # the golongan codes of kbli3's columns
    # firm only
    needed_lists: np.ndarray | None = None
    needed: dict | None = None
    has_needed: np.ndarray | None = None
    activity: dict | None = None  # own codes + needed codes
    # transposed sparse matrices, computed on first use: every request multiplies by them
    cache: dict = field(default_factory=dict, repr=False)

    def memo(self, key, compute):
        """``compute()``, computed once per side and cached under ``key`` (for values that
        depend on this side alone, e.g. per-firm counts every request would recompute)."""
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = compute()
        return hit

    def T(self, key: str, matrix: sp.csr_matrix) -> sp.csr_matrix:
        """``matrix.T`` as CSR, cached (transposing 20,000 firms per request would cost
        more than the products themselves)."""
        return self.memo(("T", key), lambda: matrix.T.tocsr())

    def stacked_T(self, name: str) -> sp.csr_matrix:
        """The weighted level stack of KBLI matrices ``name``, transposed, cached."""
        return self.memo(
            ("stack_T", name), lambda: stacked(getattr(self, name), weighted=True).T.tocsr()
        )

    def stacked(self, name: str) -> sp.csr_matrix:
        return self.memo(("stack", name), lambda: stacked(getattr(self, name)))


class PairFeatureBuilder(BaseEstimator):
    """Fitted feature pipeline for (UMKM, firm) pairs.

    Parameters
    ----------
    affinity_smoothing : float
        Pseudo-count for the learned KBLI/concept-group affinities and firm track record.
    text : TextEncoder or None
        Text encoder; a default one when None.
    """

    def __init__(self, affinity_smoothing=5.0, text=None, kbli_mapper=None):
        self.affinity_smoothing = affinity_smoothing
        self.text = text
        self.kbli_mapper = kbli_mapper

    # ------------------------------------------------------------------ fitting
    def fit(self, umkm: pd.DataFrame, firms: pd.DataFrame, outcomes: pd.DataFrame | None = None):
        """Fit text vocabularies on both sides' texts and history statistics on outcomes."""
        texts = list(umkm["products"].fillna("")) + list(firms["needs"].fillna(""))
        self.text_ = (self.text or TextEncoder()).fit(texts)
        # the mapper learns from the titles, the glossary and the codes these profiles state
        labelled = list(umkm["kbli"]) + list(firms["needed_kbli"])
        self.kbli_mapper_ = copy.deepcopy(self.kbli_mapper or KbliTextMapper()).fit(texts, labelled)
        self.feature_names_ = FEATURE_NAMES
        U, F = self.encode_umkm(umkm), self.encode_firms(firms)
        u_idx, f_idx, g = _outcome_positions(umkm, firms, outcomes)
        self.fit_history(U, F, u_idx, f_idx, g)
        return self

    def fit_history(self, U: EncodedSide, F: EncodedSide, u_idx, f_idx, grades):
        """(Re)learn the parts that come from outcomes: affinities and firm track record.

        Kept separate from :meth:`fit` so training can learn them out-of-fold.
        """
        s = self.affinity_smoothing
        self.aff_division_ = KbliAffinity(2, s).fit(U.codes, F.activity, u_idx, f_idx, grades)
        self.aff_group_ = KbliAffinity(3, s).fit(U.codes, F.activity, u_idx, f_idx, grades)
        g_u, g_f = {0: U.text.groups}, {0: F.text.groups}
        self.aff_concept_group_ = KbliAffinity(0, s).fit(g_u, g_f, u_idx, f_idx, grades)
        grades = np.asarray(grades, dtype=np.float64)
        self.history_mean_ = float(grades.mean()) if len(grades) else 0.0
        n_f = np.bincount(f_idx, minlength=F.n).astype(np.float64)
        sum_f = np.bincount(f_idx, weights=grades, minlength=F.n)
        # keyed by firm ID: serving may use another firm list than training did
        self.firm_stats_ = pd.DataFrame(
            {
                "mean_grade": ((sum_f + s * self.history_mean_) / (n_f + s)).astype(np.float32),
                "log_outcomes": np.log1p(n_f).astype(np.float32),
            },
            index=pd.Index(F.ids, name="firm_id"),
        )
        return self

    # ------------------------------------------------------------------ encoding
    def _encode_common(self, df: pd.DataFrame, text_col: str, certs_col: str, held: bool) -> dict:
        text = self.text_.transform(df[text_col].fillna("").astype(str).tolist())
        codes = level_matrices(df["kbli"].tolist())
        return dict(
            n=len(df),
            ids=df.iloc[:, 0].astype(str).to_numpy(),  # umkm_id / firm_id come first
            text=text,
            codes=codes,
            implied=level_matrices(_implied_kbli(text.concept_lists), expand=False),
            has_codes=np.array([len(c) > 0 for c in df["kbli"]], dtype=bool),
            lat=_num(df["lat"]),
            lon=_num(df["lon"]),
            province=df["province_code"].fillna("").astype(str).to_numpy(),
            regency=df["regency_code"].fillna("").astype(str).to_numpy(),
            certs=_cert_matrix(df[certs_col].tolist(), held),
            kbli_lists=df["kbli"].to_numpy(dtype=object),
            texts=df[text_col].fillna("").astype(str).to_numpy(dtype=object),
        )

    def _mapped(self, texts) -> dict:
        m = self.kbli_mapper_
        X = m.transform(texts)
        return {lv: m.predict_proba(None, lv, X=X) for lv in (3, 4)}

    def _kbli3(self, code_lists, mapped3, plausible_only: bool):
        """Level-3 code rows for the pair features: the stated codes (row-normalised) where
        there are any (for UMKM: and the text does not contradict them), else the mapper's
        distribution. Returns (matrix over the mapper's level-3 classes, inferred flag)."""
        classes = self.kbli_mapper_.classes_[3]
        col = {c: i for i, c in enumerate(classes)}
        rows, cols = [], []
        for i, codes in enumerate(code_lists):
            for c in {str(c)[:3] for c in codes or ()}:
                j = col.get(c)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        stated = sp.csr_matrix(
            (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(code_lists), len(classes))
        )
        stated.data[:] = 1.0
        has = np.diff(stated.indptr) > 0
        if plausible_only:
            # implausible: the text is read with confidence and gives the codes no weight
            support = np.asarray(stated.multiply(mapped3).sum(axis=1)).ravel()
            read = np.diff(mapped3.indptr) > 0
            has &= ~(read & (support < 0.02))
        stated = normalize(stated, norm="l1")
        use = (
            sp.diags(has.astype(np.float32)) @ stated
            + sp.diags((~has).astype(np.float32)) @ mapped3
        )
        return use.tocsr().astype(np.float32), ~has

    def encode_umkm(self, umkm: pd.DataFrame) -> EncodedSide:
        check_is_fitted(self, "text_")
        common = self._encode_common(umkm, "products", "certifications", held=True)
        mapped = self._mapped(common["texts"])
        kbli3, inferred = self._kbli3(umkm["kbli"].tolist(), mapped[3], plausible_only=True)
        year = pd.Timestamp.now().year
        num = {
            "scale": umkm["scale"].map(_SCALE_ORD).to_numpy(dtype=np.float32),
            "log_capacity_year": np.log1p(12 * _num(umkm["monthly_capacity_idr"])),
            "log_revenue": np.log1p(_num(umkm["annual_revenue_idr"])),
            "log_employees": np.log1p(_num(umkm["employees"])),
            "age": year - _num(umkm["year_founded"]),
            "export": _num(umkm["export_experience"]),
        }
        applies = cert_applicability(
            umkm["kbli"].tolist(), inferred, mapped[4], self.kbli_mapper_.classes_[4]
        )
        num["supply_locality"] = supply_locality(
            umkm["kbli"].tolist(), inferred, mapped[4], self.kbli_mapper_.classes_[4]
        )
        return EncodedSide(
            num=num,
            mapped=mapped,
            kbli3=kbli3,
            inferred=inferred,
            kbli3_classes=self.kbli_mapper_.classes_[3],
            cert_applies=applies,
            **common,
        )

    def encode_firms(self, firms: pd.DataFrame) -> EncodedSide:
        check_is_fitted(self, "text_")
        common = self._encode_common(firms, "needs", "required_certifications", held=False)
        mapped = self._mapped(common["texts"])
        kbli3, inferred = self._kbli3(
            firms["needed_kbli"].tolist(), mapped[3], plausible_only=False
        )
        needed = level_matrices(firms["needed_kbli"].tolist())
        activity = level_matrices(
            [tuple(a) + tuple(b) for a, b in zip(firms["kbli"], firms["needed_kbli"])]
        )
        budget = _num(firms["budget_idr"])
        partners = np.maximum(_num(firms["max_partners"]), 1)
        num = {
            "preferred_scale": firms["preferred_scale"].map(_SCALE_ORD).to_numpy(dtype=np.float32),
            "log_budget_per_partner": np.log1p(budget / partners),
            "is_pma": (firms["investment_type"] == "PMA").to_numpy(dtype=np.float32),
        }
        return EncodedSide(
            num=num,
            needed=needed,
            activity=activity,
            mapped=mapped,
            kbli3=kbli3,
            inferred=inferred,
            kbli3_classes=self.kbli_mapper_.classes_[3],
            needed_lists=firms["needed_kbli"].to_numpy(dtype=object),
            has_needed=np.array([len(c) > 0 for c in firms["needed_kbli"]], dtype=bool),
            **common,
        )

    # ------------------------------------------------------------------ pair features
    def block(self, U: EncodedSide, F: EncodedSide, u_idx, f_idx=None, history=None) -> np.ndarray:
        """Features of every pair in ``u_idx`` x ``f_idx`` (all firms when None).

        Returns float32 ``(len(u_idx) * n_f, n_features)``, UMKM-major: row ``i * n_f + j``
        is pair (u_idx[i], f_idx[j]). The array is feature-major in memory (Fortran order:
        each feature's column is contiguous), which is how it is filled and how the
        shortlist reads it; ``np.ascontiguousarray`` gives row-major rows if needed.
        ``history`` overrides the learned history parts (an object with the same
        ``aff_*_``/``firm_*_`` attributes; used for out-of-fold training).
        """
        check_is_fitted(self, "text_")
        h = history if history is not None else self
        u_idx = np.asarray(u_idx, dtype=np.int64)
        if f_idx is None:
            f_idx, f = np.arange(F.n), F  # the whole side: its cached transposes apply
        else:
            f_idx = np.asarray(f_idx, dtype=np.int64)
            f = _take(F, f_idx)
        nb, nf = len(u_idx), len(f_idx)
        cols: dict[str, np.ndarray] = {}

        def rows(m):  # this block's UMKM rows of a whole-side matrix
            return _rows(m, u_idx)

        def firm_sums(key, m):  # per-firm row sums, cached on the firm side
            return f.memo(("sum", key), lambda: np.asarray(m.sum(axis=1)).ravel())

        # text
        ft = f.text
        g_T = f.T("groups", ft.groups)
        u_concepts, u_groups = rows(U.text.concepts), rows(U.text.groups)
        n_fc = firm_sums("concepts", ft.concepts)
        n_uc = np.asarray(u_concepts.sum(axis=1)).ravel()
        shared = (u_concepts @ f.T("concepts", ft.concepts)).toarray()
        cols["concept_cos"] = shared / np.sqrt(np.maximum(np.outer(n_uc, n_fc), 1))
        cols["need_cover"] = np.where(
            n_fc[None, :] > 0, shared / np.maximum(n_fc, 1)[None, :], np.nan
        )
        n_fg = firm_sums("groups", ft.groups)
        g_shared = (u_groups @ g_T).toarray()
        cols["group_cover"] = np.where(
            n_fg[None, :] > 0, g_shared / np.maximum(n_fg, 1)[None, :], np.nan
        )
        # the first product a UMKM names is usually its main line; likewise a firm's first need
        cols["primary_product_match"] = (
            rows(U.text.primary) @ f.T("concepts", ft.concepts)
        ).toarray()
        cols["primary_need_match"] = (u_concepts @ f.T("primary", ft.primary)).toarray()
        related = ((u_groups @ group_relations()) @ g_T).toarray() > 0
        cols["related_group_cover"] = np.where(n_fg[None, :] > 0, related, np.nan)
        cols["word_cos"] = (rows(U.text.words) @ f.T("words", ft.words)).toarray()
        cols["char_cos"] = (rows(U.text.chars) @ f.T("chars", ft.chars)).toarray()
        cols["n_need_concepts"] = n_fc[None, :]
        cols["n_product_concepts"] = n_uc[:, None]
        cols["aff_concept_group"] = h.aff_concept_group_.score(
            {0: u_groups}, {0: g_T}, transposed=True, firm_counts=n_fg
        )

        # KBLI
        u_codes = rows(U.stacked("codes"))
        cols["kbli_need_level"] = agreement_level(u_codes, f.stacked_T("needed"), f.has_needed)
        cols["kbli_own_level"] = agreement_level(u_codes, f.stacked_T("codes"), f.has_codes)
        cols["need_text_kbli_level"] = agreement_level(u_codes, f.stacked_T("implied"))
        # what the UMKM's products imply vs what the firm needs or does
        cols["product_text_kbli_level"] = agreement_level(
            rows(U.stacked("implied")), f.stacked_T("activity")
        )
        for name, aff in (("aff_division", h.aff_division_), ("aff_group", h.aff_group_)):
            lv = aff.level
            act_T = f.T(f"activity{lv}", f.activity[lv])
            cols[name] = aff.score(
                {lv: rows(U.codes[lv])},
                {lv: act_T},
                transposed=True,
                firm_counts=firm_sums(f"activity{lv}", f.activity[lv]),
            )

        # KBLI read from the words (perkiraan): stated-or-inferred codes on both sides, and
        # the two texts' mapped distributions at golongan and subgolongan level
        # (sparse UMKM rows) @ (dense firm columns, cached): the products are dense anyway
        def dense_T(key, m):
            return f.memo(
                ("dense_T", key), lambda: np.ascontiguousarray(m.T.toarray(), dtype=np.float32)
            )

        cols["inferred_need_match"] = rows(U.kbli3) @ dense_T("kbli3", f.kbli3)
        cols["mapped_match3"] = rows(U.mapped[3]) @ dense_T("mapped3", f.mapped[3])
        cols["mapped_match4"] = rows(U.mapped[4]) @ dense_T("mapped4", f.mapped[4])
        cols["need_inferred"] = f.inferred[None, :]
        cols["product_inferred"] = U.inferred[u_idx][:, None]

        # geography
        u_lat, u_lon = U.lat[u_idx], U.lon[u_idx]
        dist = haversine_km(u_lat, u_lon, f.lat, f.lon)
        log_dist = np.log1p(dist)
        cols["log_distance_km"] = log_dist
        cols["same_province"] = U.province[u_idx][:, None] == f.province[None, :]
        u_reg = U.regency[u_idx]
        cols["same_regency"] = (u_reg[:, None] == f.regency[None, :]) & (u_reg != "")[:, None]
        locality = np.fmax(
            U.text.locality[u_idx][:, None], ft.locality[None, :]
        )  # NaN only if both unknown
        cols["locality"] = locality
        cols["distance_x_locality"] = log_dist * np.nan_to_num(locality, nan=0.5)
        # how local the UMKM's trade is by its KBLI (data/locality.psv), against distance
        supply = U.num["supply_locality"][u_idx]
        cols["kbli_locality"] = supply[:, None]
        cols["local_far"] = log_dist * np.nan_to_num(supply, nan=0.5)[:, None]

        # certificates: required by the firm and not held by the UMKM
        held = U.certs[u_idx].astype(np.float32)
        req_T = f.memo("certs_T", lambda: np.ascontiguousarray(f.certs.T, dtype=np.float32))
        food_T = f.memo("food_T", lambda: np.ascontiguousarray(req_T[FOOD_CERTS]))
        n_req = f.memo("n_req", lambda: req_T.sum(axis=0))
        cols["n_required_certs"] = n_req[None, :]
        cols["n_missing_certs"] = n_req[None, :] - held @ req_T
        n_food = f.memo("n_food", lambda: food_T.sum(axis=0))
        cols["missing_food_cert"] = (n_food[None, :] - held[:, FOOD_CERTS] @ food_T) > 0
        # only what applies to the UMKM's products counts (halal for a caterer, not a laundry)
        cols["n_missing_relevant_certs"] = (U.cert_applies[u_idx] * (1.0 - held)) @ req_T

        # scale and capacity
        u_num = {k: v[u_idx] for k, v in U.num.items()}
        us, fs = u_num["scale"], f.num["preferred_scale"]
        cols["umkm_scale"] = us[:, None]
        cols["preferred_scale"] = fs[None, :]
        cols["scale_gap"] = us[:, None] - fs[None, :]
        cols["log_capacity_to_budget"] = (
            u_num["log_capacity_year"][:, None] - f.num["log_budget_per_partner"][None, :]
        )
        cols["umkm_log_revenue"] = u_num["log_revenue"][:, None]
        cols["umkm_log_employees"] = u_num["log_employees"][:, None]
        cols["umkm_age"] = u_num["age"][:, None]

        # firm type vs export experience
        pma = f.num["is_pma"]
        exp = u_num["export"]
        cols["is_pma"] = pma[None, :]
        cols["export_experience"] = exp[:, None]
        cols["pma_x_export"] = pma[None, :] * exp[:, None]

        # firm track record (learned out-of-fold during training)
        def track_record():
            pos = h.firm_stats_.index.get_indexer(f.ids)
            known = pos >= 0
            mean = np.where(known, h.firm_stats_["mean_grade"].to_numpy()[pos], h.history_mean_)
            logn = np.where(known, h.firm_stats_["log_outcomes"].to_numpy()[pos], 0.0)
            return mean, logn

        # cached with the statistics it came from: another fit_history gives new ones
        hit = f.cache.get("history")
        if hit is None or hit[0] is not h.firm_stats_:
            hit = f.cache["history"] = (h.firm_stats_, *track_record())
        _, mean, logn = hit
        cols["firm_mean_grade"] = mean[None, :]
        cols["firm_log_outcomes"] = logn[None, :]

        cols["prior_fit"] = prior_fit(cols)

        # one contiguous row per feature, returned transposed: (n_pairs, n_features) with
        # each feature's column contiguous, filled without strided writes
        out = np.empty((len(FEATURE_NAMES), nb, nf), dtype=np.float32)
        for j, name in enumerate(FEATURE_NAMES):
            out[j] = cols[name]
        return out.reshape(len(FEATURE_NAMES), nb * nf).T

    def pairs(self, U, F, u_idx, f_idx, history=None, chunk=512) -> np.ndarray:
        """Features of aligned pairs (u_idx[i], f_idx[i]); grouped by UMKM, no per-pair loop."""
        u_idx = np.asarray(u_idx, dtype=np.int64)
        f_idx = np.asarray(f_idx, dtype=np.int64)
        out = np.empty((len(u_idx), len(FEATURE_NAMES)), dtype=np.float32)
        uniq, inv = np.unique(u_idx, return_inverse=True)
        fu, finv = np.unique(f_idx, return_inverse=True)
        Fu = _take(F, fu)  # once: its cached transposes serve every chunk
        for s in range(0, len(uniq), chunk):
            sel = np.flatnonzero((inv >= s) & (inv < s + chunk))
            blk = self.block(U, Fu, uniq[s : s + chunk], history=history)
            out[sel] = blk[(inv[sel] - s) * len(fu) + finv[sel]]
        return out


_KBLI_LEVEL_MATCH = np.array(
    [0.0, 0.0, 0.0, 0.15, 0.35, 0.6, 1.0], dtype=np.float32
)  # level -1..5 at index+1


def prior_fit(cols: dict) -> np.ndarray:
    """A domain prior for how well a pair fits, from the other features, in [0, 1].

    The partnership only works if every condition holds, so the factors multiply:
    the product meets the need (text, then KBLI), the distance is bearable *for this
    product* (local goods lose value with distance, crafts hardly), required certificates
    that apply to the product are held, the scale is the one asked for and the UMKM can deliver what one partner
    slot is worth. Constants are round domain guesses, not fitted; the trees learn how
    much to trust this prior next to the raw features.
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
    match = 0.75 * np.clip(text, 0, 1) + 0.25 * _KBLI_LEVEL_MATCH[np.clip(level, -1, 5) + 1]
    # how local the trade is: by the UMKM's KBLI (data/locality.psv) where known, else by
    # the glossary concepts of either text
    s = np.where(
        np.isnan(cols["kbli_locality"]),
        np.nan_to_num(cols["locality"], nan=0.5),
        cols["kbli_locality"],
    )
    dist = np.expm1(cols["log_distance_km"])
    geo = 1.0 - s + s * np.exp(-dist / 300.0)
    # a missing certificate that applies to the UMKM's products (data/cert_scope.psv) nearly
    # rules the pair out; one that does not apply to them is a smaller doubt
    cert = np.where(
        cols["n_missing_relevant_certs"] > 0.5, 0.1, np.where(cols["n_missing_certs"] > 0, 0.3, 1.0)
    )
    scale = 1.0 - 0.25 * np.nan_to_num(np.abs(cols["scale_gap"]), nan=0.0)
    cap = np.clip(np.exp(np.nan_to_num(cols["log_capacity_to_budget"], nan=0.0)), 0.1, 1.0) ** 0.5
    return (match * geo * cert * scale * cap).astype(np.float32)


def _rows(m: sp.csr_matrix, idx: np.ndarray) -> sp.csr_matrix:
    """Rows ``idx`` of a CSR matrix by index arithmetic (scipy's fancy indexing validates
    so much that it dominates small requests against large firm sets)."""
    starts, ends = m.indptr[idx], m.indptr[idx + 1]
    lens = ends - starts
    indptr = np.zeros(len(idx) + 1, dtype=m.indptr.dtype)
    np.cumsum(lens, out=indptr[1:])
    sel = np.repeat(starts - indptr[:-1], lens) + np.arange(indptr[-1], dtype=m.indptr.dtype)
    return sp.csr_matrix((m.data[sel], m.indices[sel], indptr), shape=(len(idx), m.shape[1]))


def _take(side: EncodedSide, idx: np.ndarray) -> EncodedSide:
    """Rows ``idx`` of an encoded side."""

    def rows(d):
        return None if d is None else {k: _rows(m, idx) for k, m in d.items()}

    t = side.text
    text = TextSide(
        concepts=_rows(t.concepts, idx),
        primary=_rows(t.primary, idx),
        groups=_rows(t.groups, idx),
        words=_rows(t.words, idx),
        chars=_rows(t.chars, idx),
        locality=t.locality[idx],
        concept_lists=[],
    )
    return EncodedSide(
        n=len(idx),
        ids=side.ids[idx],
        text=text,
        codes=rows(side.codes),
        implied=rows(side.implied),
        has_codes=side.has_codes[idx],
        lat=side.lat[idx],
        lon=side.lon[idx],
        province=side.province[idx],
        regency=side.regency[idx],
        certs=side.certs[idx],
        cert_applies=None if side.cert_applies is None else side.cert_applies[idx],
        num={k: v[idx] for k, v in side.num.items()},
        needed=rows(side.needed),
        has_needed=None if side.has_needed is None else side.has_needed[idx],
        activity=rows(side.activity),
        kbli_lists=side.kbli_lists[idx],
        mapped=rows(side.mapped),
        kbli3=None if side.kbli3 is None else _rows(side.kbli3, idx),
        inferred=None if side.inferred is None else side.inferred[idx],
        kbli3_classes=side.kbli3_classes,
        texts=None if side.texts is None else side.texts[idx],
        needed_lists=None if side.needed_lists is None else side.needed_lists[idx],
    )


def _outcome_positions(umkm, firms, outcomes):
    """Positions and grades of outcome pairs whose two sides are in the profiles."""
    if outcomes is None or len(outcomes) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    u_pos = pd.Index(umkm["umkm_id"]).get_indexer(outcomes["umkm_id"])
    f_pos = pd.Index(firms["firm_id"]).get_indexer(outcomes["firm_id"])
    keep = (u_pos >= 0) & (f_pos >= 0)
    return u_pos[keep], f_pos[keep], outcomes["grade"].to_numpy(dtype=np.float32)[keep]
