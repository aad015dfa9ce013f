"""From words to KBLI: a fitted mapper from free text (Indonesian and English) to KBLI 2020.

Real firms rarely fill ``needed_kbli`` and many UMKM register a generic trade code, so the
engine must read the codes a text implies. :class:`KbliTextMapper` is a nearest-centroid
classifier over TF-IDF, one per KBLI level (golongan pokok, golongan, subgolongan), whose
class centroids are built from three sources of labelled text:

* the complete KBLI 2020 titles (``reference.kbli_table()``: every kelompok's title with its
  subgolongan's, e.g. "Industri Kerupuk, Keripik, Peyek dan Sejenisnya"),
* the glossary (``data/glossary.psv``): every Indonesian and English term of a concept,
  labelled with the concept's KBLI prefixes,
* the profiles at hand (optional ``codes`` in :meth:`~KbliTextMapper.fit`): each UMKM's
  products text with its registered codes and each firm's needs with its ``needed_kbli``;
  wholesale and retail trade codes (divisions 45–47) say how a business sells, not what, and
  are not learned from.

Texts are read through the glossary first (``analyse``: "krupuk" and "prawn crackers" both
become the concept ``snack``), then as words and character 3–5-grams, so English needs meet
Indonesian titles and spelling variants still land. A text's confidence at a level is the
cosine of its best centroid (0 when nothing is recognised).

Nothing is built at import; fitting takes well under a second for the full KBLI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from matcher.features.text import analyse, glossary, normalise_text

MAPPER_LEVELS = (2, 3, 4)
TRADE_DIVISIONS = ("45", "46", "47")


def _doc(text: object) -> str:
    """A text as the mapper reads it: glossary concepts (English labels) then its words."""
    concepts, rewritten = analyse(text)
    return f"{rewritten} {normalise_text(text)}".strip()


def _reference_docs() -> tuple[list[str], list[tuple[str, ...]]]:
    """KBLI 2020 kelompok titles (with the subgolongan's) and glossary terms, labelled."""
    from matcher.data import reference

    table = reference.kbli_table()
    titles = dict(zip(table["code"], table["title"]))
    kelompok = table[table["level"] == "kelompok"]
    docs = [f"{t} {titles.get(c[:4], '')}" for c, t in zip(kelompok["code"], kelompok["title"])]
    labels = [(c,) for c in kelompok["code"]]
    g = glossary().concepts
    raw = g["label_id"]
    by_concept: dict[int, list[str]] = {}
    for phrase, pos in glossary().phrases.items():
        by_concept.setdefault(pos, []).append(" ".join(phrase))
    for pos, codes in enumerate(g["kbli"]):
        if not codes:
            continue
        for term in by_concept.get(pos, [raw.iat[pos]]):
            docs.append(term)
            labels.append(tuple(codes))
    return docs, labels


class KbliTextMapper(BaseEstimator):
    """Free text -> KBLI codes at several levels, with a confidence.

    Parameters
    ----------
    levels : tuple of int
        Prefix lengths to predict (2 golongan pokok, 3 golongan, 4 subgolongan).
    data_weight : float
        Weight of one profile (text with stated codes) relative to a title or glossary term.
    char_ngram_range : tuple
        Character n-gram sizes (spelling tolerance).
    top_k : int
        Codes kept per text and level by :meth:`predict_proba` (the rest are 0).
    """

    def __init__(self, levels=MAPPER_LEVELS, data_weight=1.0, char_ngram_range=(3, 5), top_k=5):
        self.levels = levels
        self.data_weight = data_weight
        self.char_ngram_range = char_ngram_range
        self.top_k = top_k

    def fit(self, texts=(), codes=None):
        """Fit on the reference titles and glossary, plus ``texts`` labelled with ``codes``
        (one tuple of KBLI codes per text; empty tuples and trade codes are skipped)."""
        docs, labels = _reference_docs()
        weights = [1.0] * len(docs)
        if codes is not None:
            for text, cs in zip(texts, codes):
                cs = tuple(str(c) for c in (cs or ()) if str(c)[:2] not in TRADE_DIVISIONS)
                if cs and isinstance(text, str) and text.strip():
                    docs.append(text)
                    labels.append(cs)
                    weights.append(self.data_weight)
        n_ref = len(weights)
        read = [_doc(d) for d in docs]
        self.words_ = TfidfVectorizer(
            analyzer="word", token_pattern=r"[^ ]+", sublinear_tf=True, dtype=np.float32
        ).fit(read)
        self.chars_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.char_ngram_range,
            sublinear_tf=True,
            dtype=np.float32,
            min_df=2,
            max_features=100_000,
        ).fit(read)
        X = self._vectors(read)
        w = np.asarray(weights, dtype=np.float32)
        self.classes_, self.centroids_ = {}, {}
        for lv in self.levels:
            rows, cols, names = [], [], {}
            for i, cs in enumerate(labels):
                for c in {c[:lv] for c in cs if len(c) >= lv}:
                    rows.append(i)
                    cols.append(names.setdefault(c, len(names)))
            Y = sp.csr_matrix((w[rows], (rows, cols)), shape=(len(labels), len(names)))
            self.classes_[lv] = np.array(sorted(names, key=names.get))
            self.centroids_[lv] = normalize((Y.T @ X).tocsr()).astype(np.float32)
        self.n_reference_docs_ = n_ref
        return self

    def _vectors(self, read: list[str]) -> sp.csr_matrix:
        return normalize(
            sp.hstack([self.words_.transform(read), self.chars_.transform(read)], format="csr")
        ).astype(np.float32)

    def transform(self, texts) -> sp.csr_matrix:
        """The texts' TF-IDF vectors (each distinct text read once)."""
        check_is_fitted(self, "centroids_")
        unique = pd.Series(list(texts), dtype=object).fillna("").astype(str)
        codes, uniques = pd.factorize(unique)
        X = (
            self._vectors([_doc(t) for t in uniques])
            if len(uniques)
            else sp.csr_matrix(
                (0, len(self.words_.vocabulary_) + len(self.chars_.vocabulary_)), dtype=np.float32
            )
        )
        return X[codes] if len(codes) else X

    def predict_proba(self, texts, level: int = 3, X=None) -> sp.csr_matrix:
        """(n_texts, n_classes) sparse: cosine to each class centroid, top ``top_k`` kept,
        rows scaled to sum to 1 (all zero when nothing matched). Columns: ``classes_[level]``."""
        sims = self._sims(texts, level, X)
        return normalize(sims, norm="l1").astype(np.float32)

    def _sims(self, texts, level, X=None) -> sp.csr_matrix:
        X = self.transform(texts) if X is None else X
        dense = (X @ self.centroids_[level].T).toarray()
        k = min(self.top_k, dense.shape[1])
        if dense.shape[1] > k:
            cut = np.partition(dense, -k, axis=1)[:, -k][:, None]
            dense = np.where(dense >= cut, dense, 0.0)
        return sp.csr_matrix(dense.astype(np.float32))

    def predict_top(self, texts, level: int = 4, k: int = 3, X=None):
        """(codes, confidence): ``codes`` (n, k) object array of the k best codes at
        ``level``; ``confidence`` (n, k) their cosines (0 and "" when nothing matched)."""
        X = self.transform(texts) if X is None else X
        dense = (X @ self.centroids_[level].T).toarray()
        order = np.argsort(-dense, axis=1)[:, :k]
        conf = np.take_along_axis(dense, order, axis=1)
        codes = np.where(conf > 0, self.classes_[level][order], "")
        return codes.astype(object), conf.astype(np.float32)


def top_k_accuracy(mapper: KbliTextMapper, texts, codes, level: int = 4, k: int = 3) -> float:
    """Share of texts with stated codes whose stated code (at ``level``) is among the
    mapper's ``k`` best; texts without codes, or with trade codes only, are skipped."""
    keep, truth = [], []
    for i, cs in enumerate(codes):
        cs = {
            str(c)[:level]
            for c in (cs or ())
            if str(c)[:2] not in TRADE_DIVISIONS and len(str(c)) >= level
        }
        if cs:
            keep.append(i)
            truth.append(cs)
    if not keep:
        return float("nan")
    top, _ = mapper.predict_top([texts[i] for i in keep], level=level, k=k)
    return float(np.mean([bool(t & set(row)) for t, row in zip(truth, top.tolist())]))
