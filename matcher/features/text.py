"""Text features: UMKM products vs firm needs, in Bahasa Indonesia and English.

Two complementary views of a text:

* **Concepts** from a curated bilingual glossary (``data/glossary.psv``): phrases such as
  ``garam rakyat``, ``sea salt`` and ``salt`` all map to the concept ``salt``; each concept
  belongs to a broader group (``seafood``, ``craft`` ...), carries how local its supply must
  be (fresh food and on-site services are local, crafts ship anywhere) and the KBLI
  prefixes it usually falls under. Concepts make the same product match across languages.
* **TF-IDF** over the text with every glossary phrase replaced by its concept's English
  name, at word level and at character 3–5-gram level (catches spelling variants, typos and
  words outside the glossary).

Per-entity encodings are computed once (a loop per entity, never per pair); pair
similarities are sparse matrix products.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Words that say nothing about *what* is traded: request boilerplate in both languages.
STOPWORDS = frozenset(
    """
    dan atau untuk dengan yang di ke dari serta juga dll dsb per pada oleh akan ini itu kami
    kita sebagai secara berbagai aneka macam jenis olahan hasil produksi memproduksi
    produsen pengrajin perajin usaha industri rumahan rumah tangga umkm ukm home made
    homemade kualitas berkualitas premium terbaik asli khas lokal daerah desa kabupaten
    kota pemasok penyedia supplier suppliers supply supplies vendor vendors mitra partner
    partners partnership kebutuhan butuh membutuhkan dibutuhkan mencari cari diperlukan
    kerjasama kerja sama kontrak reguler rutin skala besar kecil menengah bulan per tahun
    pengadaan procurement sourcing source sources need needs needed require required
    requires looking seeking seek for of the a an and or to in with from by on at as
    our we us is are be will local quality high premium products product produk goods
    barang items item jasa service services layanan company perusahaan pt cv tbk plant
    pabrik site factory regular stable consistent reliable qualified certified capable
    small medium micro enterprise enterprises smes sme umkms msme msmes other others
    various including such etc new bulk wholesale volume volumes large
    sejak shop pesanan partai harga ibu eceran merek jual lain stock ready bisa kirim luar
    melayani sudah dikerjakan producer sekitar dipasarkan rasa sentra tanpa seluruh
    indonesia higienis kemitraan csr po harus dicari must membuka peluang wajib long term
    possible memiliki sertifikat jangka panjang also operations bagian program sampel
    sebelum basis monthly orders order pembayaran tempo hari around konsisten mui part
    programme hold certification certificate samples sample before first payment within
    days gerai outlet syarat penyedia penjual toko online menerima melayani siap tersedia
    """.split()
)


def normalise_text(text: object) -> str:
    """Lower-case ASCII words separated by single spaces (accents folded, punctuation gone)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub(" ", s.lower()).strip()


@dataclass(frozen=True)
class GlossaryTables:
    concepts: pd.DataFrame  # concept, group, locality, kbli (tuple), label_id, label_en
    phrases: dict[tuple[str, ...], int]  # normalised token tuple -> concept position
    max_len: int
    groups: pd.Index


@lru_cache(maxsize=1)
def glossary() -> GlossaryTables:
    """The shipped bilingual glossary, parsed once per process."""
    raw = resources.files("matcher.features").joinpath("data/glossary.psv").read_text("utf-8")
    rows = [line.split("|") for line in raw.strip().splitlines()]
    df = pd.DataFrame(rows[1:], columns=rows[0])
    phrases: dict[tuple[str, ...], int] = {}
    clashes: list[str] = []
    for pos, row in enumerate(df.itertuples(index=False)):
        for term in (row.terms_id + ";" + row.terms_en).split(";"):
            key = tuple(normalise_text(term).split())
            if key in phrases and phrases[key] != pos:
                clashes.append(
                    f"{' '.join(key)!r}: {df['concept'].iat[phrases[key]]} and {row.concept}"
                )
            elif key:
                phrases[key] = pos
    if clashes:  # a phrase with two meanings would silently take the first one's
        raise ValueError("glossary phrases claimed by two concepts: " + "; ".join(clashes))
    concepts = pd.DataFrame(
        {
            "concept": df["concept"],
            "group": df["group"],
            "locality": df["locality"].astype(float),
            "kbli": df["kbli"].map(lambda s: tuple(c for c in s.split(";") if c)),
            "label_id": df["terms_id"].str.split(";").str[0],
            "label_en": df["terms_en"].str.split(";").str[0],
        }
    )
    return GlossaryTables(
        concepts=concepts,
        phrases=phrases,
        max_len=max(len(k) for k in phrases),
        groups=pd.Index(sorted(concepts["group"].unique())),
    )


@lru_cache(maxsize=1)
def group_relations() -> sp.csr_matrix:
    """Symmetric (group x group) matrix of related product families (``data/groups.psv``),
    e.g. snacks ~ processed food, crops ~ farm inputs; the diagonal is 0."""
    groups = glossary().groups
    raw = resources.files("matcher.features").joinpath("data/groups.psv").read_text("utf-8")
    rel = np.zeros((len(groups), len(groups)), dtype=np.float32)
    for line in raw.strip().splitlines()[1:]:
        g, related = line.split("|")
        i = groups.get_loc(g)
        for h in filter(None, related.split(";")):
            j = groups.get_loc(h)
            rel[i, j] = rel[j, i] = 1.0
    np.fill_diagonal(rel, 0.0)
    return sp.csr_matrix(rel)


def _lookup(tokens: list[str], start: int, table: GlossaryTables) -> tuple[int, int] | None:
    """Longest glossary phrase starting at ``start``: (concept position, length)."""
    for n in range(min(table.max_len, len(tokens) - start), 0, -1):
        window = tokens[start : start + n]
        hit = table.phrases.get(tuple(window))
        if hit is None and len(window[-1]) > 4 and window[-1].endswith("s"):
            hit = table.phrases.get(tuple(window[:-1]) + (window[-1][:-1],))  # plural
        if hit is not None:
            return hit, n
    return None


@lru_cache(
    maxsize=16_384
)  # repeated texts within a batch; bounded, so a national run's memory is too
def analyse(text: object) -> tuple[list[int], str]:
    """Concepts found in ``text`` and the text rewritten with concepts in English.

    >>> analyse("Garam rakyat dari Pamekasan")[1]
    'salt pamekasan'
    """
    table = glossary()
    tokens = normalise_text(text).split()
    found: list[int] = []
    out: list[str] = []
    i = 0
    while i < len(tokens):
        hit = _lookup(tokens, i, table)
        if hit is None:
            if tokens[i] not in STOPWORDS and not tokens[i].isdigit():
                out.append(tokens[i])
            i += 1
            continue
        concept, n = hit
        found.append(concept)
        out.append(table.concepts.at[concept, "label_en"].replace(" ", "_"))
        i += n
    return found, " ".join(out)


# filler kept inside a need's context ("krupuk untuk kantin"); other filler is dropped
_CONNECTORS = frozenset("untuk bagi dari di ke dengan for from to with".split())
_CLAUSE = re.compile(r"[,;:.()\n/]+|\s-\s")


@lru_cache(maxsize=16_384)
def surface_terms(text: object, context: int = 0) -> dict[int, str]:
    """Concept position -> the words ``text`` used for it, first mention wins:
    "Kerupuk puli dan rengginang" -> {snack: "kerupuk puli"}. ``context`` more words of the
    same clause follow the phrase (request filler such as "supplier" or "our" dropped,
    connectors kept), so a need reads "krupuk untuk kantin karyawan". For reasons: only explained rows
    call it, and each distinct text is read once."""
    table = glossary()
    out: dict[int, str] = {}
    for clause in _CLAUSE.split(str(text or "")):
        tokens = normalise_text(clause).split()
        i = 0
        while i < len(tokens):
            hit = _lookup(tokens, i, table)
            if hit is None:
                i += 1
                continue
            concept, n = hit
            words = tokens[i : i + n]
            j = i + n
            while j < len(tokens) and len(words) < n + context:
                if tokens[j] not in STOPWORDS or tokens[j] in _CONNECTORS:
                    words.append(tokens[j])
                j += 1
            while len(words) > n and words[-1] in STOPWORDS:
                words.pop()
            out.setdefault(concept, " ".join(words))
            i += n
    return out


def concept_matrix(concept_lists: list[list[int]], n_concepts: int) -> sp.csr_matrix:
    """Binary (entity x concept) matrix."""
    indptr = np.cumsum([0] + [len(set(c)) for c in concept_lists])
    indices = np.fromiter(
        (j for c in concept_lists for j in sorted(set(c))), dtype=np.int64, count=int(indptr[-1])
    )
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(concept_lists), n_concepts))


@dataclass
class TextSide:
    """Per-entity text encodings for one side (UMKM products or firm needs)."""

    concepts: sp.csr_matrix  # binary entity x concept
    primary: sp.csr_matrix  # binary entity x concept: the first concept mentioned (the main one)
    groups: sp.csr_matrix  # binary entity x concept group
    words: sp.csr_matrix  # L2-normalised word TF-IDF
    chars: sp.csr_matrix  # L2-normalised char n-gram TF-IDF
    locality: np.ndarray  # max locality of its concepts, NaN when none found
    concept_lists: list[list[int]]


class TextEncoder(TransformerMixin, BaseEstimator):
    """Fit TF-IDF vocabularies on both sides' texts; encode either side.

    Parameters
    ----------
    char_ngram_range : tuple
        Character n-gram sizes for the spelling-tolerant view.
    min_df : int
        Minimum document frequency of a term in the fitted corpus.
    """

    def __init__(self, char_ngram_range=(3, 5), min_df=2):
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df

    def fit(self, texts, y=None):
        analysed = [analyse(t)[1] for t in texts]
        min_df = self.min_df if len(analysed) >= 4 * self.min_df else 1
        self.words_ = TfidfVectorizer(
            analyzer="word",
            token_pattern=r"[^ ]+",
            sublinear_tf=True,
            min_df=min_df,
            dtype=np.float32,
        ).fit(analysed)
        self.chars_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.char_ngram_range,
            sublinear_tf=True,
            min_df=min_df,
            dtype=np.float32,
            max_features=200_000,
        ).fit(analysed)
        return self

    def transform(self, texts) -> TextSide:
        check_is_fitted(self, "words_")
        table = glossary()
        unique = pd.Series(list(texts), dtype=object).fillna("").astype(str)
        codes, uniques = pd.factorize(unique)
        parsed = [analyse(t) for t in uniques]  # each distinct text analysed once
        concept_lists = [parsed[c][0] for c in codes]
        rewritten = [parsed[c][1] for c in codes]
        concepts = concept_matrix(concept_lists, len(table.concepts))
        primary = concept_matrix([c[:1] for c in concept_lists], len(table.concepts))
        group_of = table.groups.get_indexer(table.concepts["group"])
        to_group = sp.csr_matrix(
            (np.ones(len(group_of), dtype=np.float32), (np.arange(len(group_of)), group_of)),
            shape=(len(group_of), len(table.groups)),
        )
        groups = (concepts @ to_group).sign().tocsr()
        loc = table.concepts["locality"].to_numpy(dtype=np.float32)
        locality = np.full(concepts.shape[0], np.nan, dtype=np.float32)
        has = np.diff(concepts.indptr) > 0
        if has.any():
            weighted = concepts.multiply(loc[None, :]).tocsr()
            locality[has] = weighted.max(axis=1).toarray().ravel()[has]
        return TextSide(
            concepts=concepts.astype(np.float32),
            primary=primary.astype(np.float32),
            groups=groups.astype(np.float32),
            words=normalize(self.words_.transform(rewritten)).astype(np.float32),
            chars=normalize(self.chars_.transform(rewritten)).astype(np.float32),
            locality=locality,
            concept_lists=concept_lists,
        )


def search_terms(text: object) -> tuple[str, ...]:
    """What a product search for ``text`` should look for: the text itself and every
    glossary term, Indonesian and English, of the concepts it names
    (``"chips"`` -> ``keripik``, ``chips``, ``kripik`` ...), so either language finds both."""
    query = normalise_text(text)
    if not query:
        return ()
    found = set(analyse(query)[0])
    terms = {query} | {" ".join(p) for p, pos in glossary().phrases.items() if pos in found}
    return tuple(sorted(terms))
