"""The pair-feature builder: per-entity encodings once, pair features per block.

:class:`PairFeatureBuilder` is fitted on the profiles and past outcomes (TF-IDF
vocabularies, learned KBLI affinities, firms' track record). It encodes each side once
(:meth:`encode_umkm`, :meth:`encode_firms`) and then computes, for a block of UMKM against
a set of firms, a dense ``(n_pairs, n_features)`` matrix with only array operations —
no Python loop per pair.

The pair features themselves are computed group by group (text, kbli, geo, cert, scale,
capacity, type, history, prior) in :mod:`matcher.features.groups`, where each group's
names are declared beside the function computing them; ``FEATURE_GROUPS`` and
``FEATURE_NAMES`` are re-exported here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from matcher.data import certificates
from matcher.data.schema import CERTIFICATIONS, SCALES
from matcher.features.groups import (
    FEATURE_GROUPS,
    FEATURE_NAMES,
    MAX_PAIRS_PER_BLOCK,
    MONOTONE,
    UNKNOWN_LOCALITY,
    PairBlock,
    assemble,
    check_ablations,
    csr_rows,
    feature_columns,
    prior_fit,
)
from matcher.features.kbli import KbliAffinity, level_matrices, stacked
from matcher.features.kbli_text import KbliTextMapper
from matcher.features.partners import PartnerProfiles
from matcher.features.text import TextEncoder, TextSide, glossary
from matcher.i18n import t
from matcher.index import pair_positions

__all__ = [
    "FEATURE_GROUPS",
    "FEATURE_NAMES",
    "MAX_PAIRS_PER_BLOCK",
    "MONOTONE",
    "EncodedSide",
    "PairFeatureBuilder",
    "feature_columns",
    "prior_fit",
]

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
        np.array([kbli_locality(c) for c in classes4], dtype=np.float32), nan=UNKNOWN_LOCALITY
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

    def learned(self, key, fitted, compute):
        """``compute()`` for this side from a learned part ``fitted`` (firm statistics,
        partner profiles), cached until another fit replaces ``fitted`` (training learns
        them per fold, a retrain anew)."""
        hit = self.cache.get(key)
        if hit is None or hit[0] is not fitted:
            hit = self.cache[key] = (fitted, compute())
        return hit[1]

    def concepts_l2(self) -> sp.csr_matrix:
        """The glossary-concept rows L2-normalised, cached (cosines with partner profiles)."""
        return self.memo("concepts_l2", lambda: normalize(self.text.concepts).tocsr())

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
        Text encoder (cloned at fit, the one passed in stays unfitted); a default one when None.
    kbli_mapper : KbliTextMapper or None
        Text-to-KBLI mapper (cloned at fit); a default one when None.
    reference_date : date-like or None
        The date features are counted from (a UMKM's age). None: the latest outcome date
        of the training history, else the day of fitting. Fixed at fit time
        (``reference_date_``) and saved with the model, so the same pair scores the same
        next January.
    ablate : tuple of str
        Modelling choices switched off (keys of ``groups.ABLATIONS``: a feature group's
        name, or a choice such as ``"kbli_from_words"``), to measure what each gains.
    """

    def __init__(
        self, affinity_smoothing=5.0, text=None, kbli_mapper=None, reference_date=None, ablate=()
    ):
        self.affinity_smoothing = affinity_smoothing
        self.text = text
        self.kbli_mapper = kbli_mapper
        self.reference_date = reference_date
        self.ablate = ablate

    def __setstate__(self, state):
        # an artifact saved before the reference date was a parameter: it has neither the
        # parameter nor the fitted date (see reference_year)
        state.setdefault("reference_date", None)
        state.setdefault("ablate", ())
        super().__setstate__(state)

    # ------------------------------------------------------------------ fitting
    def fit(self, umkm: pd.DataFrame, firms: pd.DataFrame, outcomes: pd.DataFrame | None = None):
        """Fit text vocabularies on both sides' texts and history statistics on outcomes."""
        check_ablations(self.ablate)
        self.reference_date_ = _reference_date(self.reference_date, outcomes)
        texts = list(umkm["products"].fillna("")) + list(firms["needs"].fillna(""))
        self.text_ = clone(self.text if self.text is not None else TextEncoder()).fit(texts)
        # the mapper learns from the titles, the glossary and the codes these profiles state
        labelled = list(umkm["kbli"]) + list(firms["needed_kbli"])
        mapper = self.kbli_mapper if self.kbli_mapper is not None else KbliTextMapper()
        self.kbli_mapper_ = clone(mapper).fit(texts, labelled)
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
        self.partners_ = PartnerProfiles().fit(U, F, u_idx, f_idx, grades)
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

    def reference_year(self) -> int:
        """The year ages are counted from: that of ``reference_date_`` (fixed at fit).

        An artifact saved before the date was recorded has none; it falls back to the year
        it was trained when the loader knows it (:meth:`assume_reference_date`, from the
        registry's manifest), else to the current year (what such a model always did),
        with a warning either way."""
        check_is_fitted(self, "text_")
        ref = getattr(self, "reference_date_", None)
        if ref is not None:
            return int(pd.Timestamp(ref).year)
        # fixed from here on, so one loaded model counts from one year however long it serves
        self.reference_date_ = pd.Timestamp.now().normalize()
        # a warning is printed as it is raised: in $MATCHER_LANG (Indonesian by default)
        warnings.warn(
            t("artifact.reference_date.loaded", year=self.reference_date_.year), stacklevel=2
        )
        return int(self.reference_date_.year)

    def assume_reference_date(self, when) -> bool:
        """For an artifact saved before the reference date was recorded: count from
        ``when`` (e.g. the date it was trained, from its manifest), with a warning.
        Returns whether it applied (False when the artifact has its own date)."""
        if getattr(self, "reference_date_", None) is not None:
            return False
        when = pd.Timestamp(when)
        self.reference_date_ = (when.tz_convert(None) if when.tzinfo else when).normalize()
        warnings.warn(
            t("artifact.reference_date.trained", year=self.reference_date_.year), stacklevel=2
        )
        return True

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
        year = self.reference_year()
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
        if f_idx is None:
            f = F  # the whole side: its cached transposes apply
        else:
            f = _take(F, np.asarray(f_idx, dtype=np.int64))
        h = history if history is not None else self
        block = PairBlock(U=U, f=f, u_idx=np.asarray(u_idx, dtype=np.int64), h=h)
        return assemble(block, ablate=getattr(self, "ablate", ()))

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


def _take(side: EncodedSide, idx: np.ndarray) -> EncodedSide:
    """Rows ``idx`` of an encoded side."""

    def rows(d):
        return None if d is None else {k: csr_rows(m, idx) for k, m in d.items()}

    t = side.text
    text = TextSide(
        concepts=csr_rows(t.concepts, idx),
        primary=csr_rows(t.primary, idx),
        groups=csr_rows(t.groups, idx),
        words=csr_rows(t.words, idx),
        chars=csr_rows(t.chars, idx),
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
        kbli3=None if side.kbli3 is None else csr_rows(side.kbli3, idx),
        inferred=None if side.inferred is None else side.inferred[idx],
        kbli3_classes=side.kbli3_classes,
        texts=None if side.texts is None else side.texts[idx],
        needed_lists=None if side.needed_lists is None else side.needed_lists[idx],
    )


def _reference_date(given, outcomes) -> pd.Timestamp:
    """The date features count from: ``given``, else the latest outcome date, else today
    (a history without dates); a calendar day, fixed at fit."""
    if given is not None:
        return pd.Timestamp(given).normalize()
    if outcomes is not None and "date" in outcomes and outcomes["date"].notna().any():
        return pd.Timestamp(outcomes["date"].max()).normalize()
    return pd.Timestamp.now().normalize()


def _outcome_positions(umkm, firms, outcomes):
    """Positions and grades of outcome pairs whose two sides are in the profiles."""
    if outcomes is None or len(outcomes) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    u_pos, f_pos, keep = pair_positions(umkm["umkm_id"], firms["firm_id"], outcomes)
    return u_pos[keep], f_pos[keep], outcomes["grade"].to_numpy(dtype=np.float32)[keep]
