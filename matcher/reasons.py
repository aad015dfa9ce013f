"""Reasons a facilitator can read out to both sides: the one template module.

Every phrase comes from the ``reasons`` domain of the message catalogue
(``matcher/i18n/messages/reasons.toml``; Indonesian by default, English on request) and
every number from :mod:`matcher.i18n.fmt` (``Rp105 juta``, ``1.250 km``). A reason string
is items joined with ``"; "``:

* strengths first, ordered by how much each feature group moved the score (see
  :meth:`matcher.ranking.MatchModel.contributions`): the products in the UMKM's own words
  against the firm's need in its words ("produk cocok: kerupuk puli ↔ krupuk untuk
  kantin karyawan"), KBLI codes with their short titles ("KBLI 10774 (pengolahan garam)
  sama dengan yang dicari"), certificates held, scale, capacity;
* distance is a neutral fact ("satu provinsi, jarak 150 km"), except beyond
  :data:`LOCAL_KM` for a need that must be local (fresh food, on-site services: glossary
  locality, or the UMKM's KBLI locality from ``features/data/locality.psv``, >=
  :data:`LOCAL_NEED`), where it is a weaker point; the same distance is therefore never a
  strength in one row and a weakness in the next for the same need. Where locality
  matters it is said: "jasa setempat: jarak 12 km" (a local trade, near), "produk mudah
  dikirim: jarak 900 km" (a trade that ships, far);
* KBLI read from the words when a firm states no ``needed_kbli`` (or a UMKM's codes are
  generic or contradicted by its products) is marked "perkiraan";
* ``perlu dilengkapi:`` certificates the firm requires and the UMKM lacks *that apply to its
  products* (``features/data/cert_scope.psv``; one that does not apply is a note), and the halal
  certificate a food or drink UMKM must hold by law (UU 33/2014, PP 39/2021, PP 42/2024:
  medium and large firms since October 2024, micro and small since October 2026);
* ``catatan:`` weaker points.

No model number is ever shown. Only the top-k rows of a recommendation are explained;
everything numeric is computed for those rows at once and the per-row loop only chooses
and formats phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from math import isnan

import numpy as np

from matcher.data import certificates
from matcher.data import reference as ref
from matcher.data.schema import CERTIFICATIONS, SCALES
from matcher.features.pairs import FEATURE_GROUPS, feature_columns
from matcher.features.text import glossary, surface_terms
from matcher.i18n import catalogue, current_lang, format_idr, format_number

_GROUPS = list(FEATURE_GROUPS)
MAX_ITEMS = 6
LOCAL_KM = 300.0  # beyond this, a need that must be local is far
LOCAL_NEED = 0.6  # locality (glossary or KBLI table) from which a need must be local
SHIPS_ANYWHERE = 0.2  # KBLI locality up to which a product ships anywhere
NEED_CONTEXT_WORDS = 3  # words of the firm's need shown after its matched phrase
# similarity (concept cosine, or share of KBLI golongan) from which a firm's past partners
# made "similar products"
PARTNER_SIMILAR = 0.5
FOOD_KBLI_DIVISIONS = ("10", "11", "56")  # food, drink, food service: halal is mandatory
_HALAL = CERTIFICATIONS.index("halal")
# thresholds as the float32 values the features and contributions are compared in
_F32_0_05, _F32_0_2 = float(np.float32(0.05)), float(np.float32(0.2))


def _templates(lang: str) -> dict[str, str]:
    """Every ``reasons.*`` message in ``lang``, keyed without the prefix (looked up once per call)."""
    return {
        k[len("reasons.") :]: v[lang] for k, v in catalogue().items() if k.startswith("reasons.")
    }


@lru_cache(maxsize=4096)
def kbli_short_title(code: str) -> str | None:
    """A KBLI title as a reader says it: "Industri Pengolahan Garam" -> "pengolahan garam"
    (leading "Industri" dropped, capitalised words lower-cased, acronyms kept, long titles
    cut at a word)."""
    title = ref.kbli_title(code)
    if not title:
        return None
    title = re.sub(r"^(Industri|Kegiatan)\s+", "", title.strip())
    words = [w if (w.isupper() and len(w) > 1) else w.lower() for w in title.split()]
    out = ""
    for w in words:
        if len(out) + len(w) + 1 > 48:
            return out + " …"
        out = f"{out} {w}" if out else w
    return out


def _matching_code(u_codes, f_codes, level: int) -> str | None:
    for a in u_codes:
        for b in f_codes:
            if a[:level] == b[:level]:
                return a
    return None


def _class_code(u_row, f_row, classes) -> str | None:
    """The KBLI golongan both sides' stated-or-inferred codes weigh most, if any."""
    both = u_row.multiply(f_row)
    if both.nnz == 0:
        return None
    return str(classes[both.indices[np.argmax(both.data)]])


def _is_service(codes, inferred: bool, U, u: int, classes3) -> bool:
    """Whether a UMKM's line is a service (KBLI sections from repair and utilities on,
    divisions 33 and up, trade 45-47 aside): by its stated codes, else its words' reading."""

    def service(code: str) -> bool:
        return code[:2].isdigit() and int(code[:2]) >= 33 and code[:2] not in ("45", "46", "47")

    stated = [str(c) for c in codes if str(c)[:2] not in ("45", "46", "47")]
    if stated and not inferred:
        return any(service(c) for c in stated)
    row = U.kbli3[u] if U.kbli3 is not None else None
    if row is None or row.nnz == 0 or classes3 is None:
        return False
    return service(str(classes3[row.indices[np.argmax(row.data)]]))


def _kbli_text(tpl: dict, key: str, code: str, **extra) -> str:
    title = kbli_short_title(code) if code else None
    return tpl[key].format(code=code, title=f" ({title})" if title else "", **extra)


def _product_items(tpl, u_text, f_text, shared, shared_groups, concept_group, labels):
    """(pairs of shared concepts, pairs within a shared family) in the sides' own words."""
    u_terms = surface_terms(u_text) if u_text is not None else {}
    f_terms = surface_terms(f_text, NEED_CONTEXT_WORDS) if f_text is not None else {}
    pairs = [f"{u_terms.get(j, labels[j])} ↔ {f_terms.get(j, labels[j])}" for j in shared[:2]]
    family = []
    if not pairs and shared_groups:
        g = shared_groups[0]
        u_j = next((j for j in u_terms if concept_group[j] == g), None)
        f_j = next((j for j in f_terms if concept_group[j] == g), None)
        if u_j is not None and f_j is not None:
            family = [g, f"{u_terms[u_j]} ↔ {f_terms[f_j]}"]
    return pairs, family


# feature columns the phrases read, resolved (and checked) once at import
(
    _C_WORD,
    _C_CHAR,
    _C_NEED,
    _C_LEVEL,
    _C_OWN,
    _C_AFF,
    _C_INFERRED,
    _C_DISTANCE,
    _C_REGENCY,
    _C_PROVINCE,
    _C_PREFERRED,
    _C_GAP,
    _C_RATIO,
    _C_PMA_EXPORT,
    _C_PARTNER_CONCEPTS,
    _C_PARTNER_KBLI,
) = feature_columns(
    "word_cos",
    "char_cos",
    "n_need_concepts",
    "kbli_need_level",
    "kbli_own_level",
    "aff_division",
    "inferred_need_match",
    "log_distance_km",
    "same_regency",
    "same_province",
    "preferred_scale",
    "scale_gap",
    "log_capacity_to_budget",
    "pma_x_export",
    "partner_concept_cos",
    "partner_kbli",
)


@dataclass
class _Batch:
    """What the phrases of the explained rows read, computed for all rows at once."""

    tpl: dict
    lang: str
    U: object
    F: object
    u_idx: np.ndarray
    f_idx: np.ndarray
    labels: list
    concept_group: list
    group_words: list
    shared: object  # CSR: concepts both sides name, per row
    shared_groups: object  # CSR: concept groups both sides name, per row
    u_texts: object
    f_texts: object
    u_kbli: np.ndarray
    f_kbli: np.ndarray
    f_needed: np.ndarray
    u_inferred: list
    f_inferred: list
    classes3: np.ndarray | None
    kms: list
    need_locality: list
    supply: list
    held: list
    req: list
    applies: list
    cert_names: list
    u_scale: list
    caps: list


@dataclass
class _Row:
    """One row's phrases: strengths (weight for ordering, text), missing items, notes."""

    x: list  # the row's features
    c: dict  # contribution per feature group
    items: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _prepare(X, U, F, u_idx, f_idx, lang: str) -> _Batch:
    tpl = _templates(lang)
    table = glossary()
    n = len(X)
    supply = U.num.get("supply_locality")
    supply = np.full(n, np.nan) if supply is None else supply[u_idx]
    need_locality = np.nan_to_num(F.text.locality[f_idx], nan=0.0)
    need_locality = np.fmax(need_locality, np.nan_to_num(supply, nan=0.0))
    return _Batch(
        tpl=tpl,
        lang=lang,
        U=U,
        F=F,
        u_idx=u_idx,
        f_idx=f_idx,
        labels=table.concepts["label_id"].tolist(),
        concept_group=table.groups.get_indexer(table.concepts["group"]).tolist(),
        group_words=[tpl.get(f"group.{g}", g) for g in table.groups],
        shared=U.text.concepts[u_idx].multiply(F.text.concepts[f_idx]).tocsr(),
        shared_groups=U.text.groups[u_idx].multiply(F.text.groups[f_idx]).tocsr(),
        u_texts=U.texts[u_idx] if U.texts is not None else [None] * n,
        f_texts=F.texts[f_idx] if F.texts is not None else [None] * n,
        u_kbli=U.kbli_lists[u_idx],
        f_kbli=F.kbli_lists[f_idx],
        f_needed=F.needed_lists[f_idx],
        u_inferred=(np.zeros(n, bool) if U.inferred is None else U.inferred[u_idx]).tolist(),
        f_inferred=(np.zeros(n, bool) if F.inferred is None else F.inferred[f_idx]).tolist(),
        classes3=None if U.kbli3 is None else U.kbli3_classes,
        kms=np.expm1(X[:, _C_DISTANCE]).tolist(),
        need_locality=need_locality.tolist(),
        supply=supply.tolist(),
        held=U.certs[u_idx].tolist(),
        req=F.certs[f_idx].tolist(),
        applies=(
            np.ones((n, len(CERTIFICATIONS))) if U.cert_applies is None else U.cert_applies[u_idx]
        ).tolist(),
        cert_names=[certificates.label(c, lang) for c in CERTIFICATIONS],
        u_scale=U.num["scale"][u_idx].tolist(),
        caps=(np.expm1(U.num["log_capacity_year"][u_idx]) / 12).tolist(),
    )


def _text_reasons(b: _Batch, i: int, r: _Row) -> None:
    """Products against needs, in each side's own words."""
    tpl, x, c = b.tpl, r.x, r.c
    s_concepts = b.shared.indices[b.shared.indptr[i] : b.shared.indptr[i + 1]].tolist()
    sg = b.shared_groups
    s_groups = sg.indices[sg.indptr[i] : sg.indptr[i + 1]].tolist()
    pairs, family = _product_items(
        tpl, b.u_texts[i], b.f_texts[i], s_concepts, s_groups, b.concept_group, b.labels
    )
    if pairs:
        r.items.append((c["text"], tpl["product_match"].format(pairs=", ".join(pairs))))
    elif family:
        text = tpl["product_family"].format(family=b.group_words[family[0]], pairs=family[1])
        r.items.append((c["text"], text))
    elif max(x[_C_WORD], x[_C_CHAR]) >= _F32_0_2:
        r.items.append((c["text"], tpl["product_similar"]))
    elif x[_C_NEED] > 0:
        r.notes.append(tpl["product_unclear"])


def _kbli_reasons(b: _Batch, i: int, r: _Row) -> None:
    """KBLI codes with short titles; codes read from the words are said as perkiraan."""
    tpl, x, c = b.tpl, r.x, r.c
    lvl, own = int(x[_C_LEVEL]), int(x[_C_OWN])
    if lvl >= 2:
        code = _matching_code(b.u_kbli[i], b.f_needed[i], lvl) or ""
        r.items.append(
            (c["kbli"], _kbli_text(tpl, "kbli_need", code, level=tpl[f"kbli_level.{lvl}"]))
        )
    elif x[_C_INFERRED] >= 0.3 and (b.f_inferred[i] or b.u_inferred[i]) and b.classes3 is not None:
        # read from the words, not stated: said as an estimate (perkiraan)
        code = _class_code(b.U.kbli3[b.u_idx[i]], b.F.kbli3[b.f_idx[i]], b.classes3) or ""
        key = "kbli_inferred.need" if b.f_inferred[i] else "kbli_inferred.product"
        r.items.append((c["kbli"], _kbli_text(tpl, key, code)))
    elif own >= 3:
        code = _matching_code(b.u_kbli[i], b.f_kbli[i], own) or ""
        r.items.append((c["kbli"], _kbli_text(tpl, "kbli_own", code)))
    elif x[_C_AFF] > _F32_0_05:
        r.items.append((c["kbli"], tpl["kbli_affinity"]))
    elif lvl == 0:
        r.notes.append(tpl["kbli_mismatch"])


def _geo_reasons(b: _Batch, i: int, r: _Row) -> None:
    """Distance: a fact, a weaker point only when a local need is far; said with the
    trade's locality when that matters."""
    tpl, x, c, lang = b.tpl, r.x, r.c, b.lang
    km = format_number(b.kms[i], 0, lang)
    local = b.supply[i] if not isnan(b.supply[i]) else None
    if b.need_locality[i] >= LOCAL_NEED and b.kms[i] > LOCAL_KM:
        r.notes.append(tpl["far_for_local"].format(km=km, limit=format_number(LOCAL_KM, 0, lang)))
    elif local is not None and local >= LOCAL_NEED and b.kms[i] <= LOCAL_KM:
        service = _is_service(b.u_kbli[i], b.u_inferred[i], b.U, b.u_idx[i], b.classes3)
        kind = "service" if service else "goods"
        r.items.append((max(c["geo"], 0.0), tpl[f"local_near.{kind}"].format(km=km)))
    elif local is not None and local <= SHIPS_ANYWHERE and b.kms[i] > LOCAL_KM:
        r.items.append((c["geo"], tpl["ships_anywhere"].format(km=km)))
    elif x[_C_REGENCY]:
        r.items.append((c["geo"], tpl["same_regency"]))
    elif x[_C_PROVINCE]:
        r.items.append((c["geo"], tpl["same_province"].format(km=km)))
    else:
        r.items.append((c["geo"], tpl["distance"].format(km=km)))


def _cert_reasons(b: _Batch, i: int, r: _Row) -> None:
    """Certificates held, still needed (only those that apply to the products), and the
    halal certificate food and drink must hold by law."""
    tpl, c = b.tpl, r.c
    held, req, applies, names = b.held[i], b.req[i], b.applies[i], b.cert_names
    has = [names[j] for j in range(len(CERTIFICATIONS)) if req[j] and held[j]]
    if has:
        r.items.append((c["cert"], tpl["certs_held"].format(certs=", ".join(has))))
    food = any(code[:2] in FOOD_KBLI_DIVISIONS for code in b.u_kbli[i])
    if food and not held[_HALAL]:
        scale = b.u_scale[i]
        band = "any" if isnan(scale) else ("small" if scale <= 2 else "medium")
        r.missing.append(tpl[f"halal_required.{band}"])
    lacking = [
        j
        for j in range(len(CERTIFICATIONS))
        if req[j] and not held[j] and not (j == _HALAL and food)
    ]
    r.missing.extend(
        tpl["cert_missing"].format(cert=names[j]) for j in lacking if applies[j] >= 0.5
    )
    r.notes.extend(
        tpl["cert_not_applicable"].format(cert=names[j]) for j in lacking if applies[j] < 0.5
    )


def _scale_capacity_reasons(b: _Batch, i: int, r: _Row) -> None:
    """The scale asked for, and whether the UMKM can deliver what one partner slot is worth."""
    tpl, x, c = b.tpl, r.x, r.c
    pref = x[_C_PREFERRED]
    if not isnan(pref):
        want = SCALES[int(pref) - 1]
        if x[_C_GAP] == 0:
            r.items.append((c["scale"], tpl["scale_fit"].format(scale=want)))
        elif not isnan(x[_C_GAP]):
            r.notes.append(tpl["scale_other"].format(scale=want))
    ratio = x[_C_RATIO]
    if not isnan(ratio):
        money = format_idr(b.caps[i], b.lang)
        if ratio < -1.0:
            r.notes.append(tpl["capacity_low"].format(money=money))
        elif c["capacity"] > 0:
            r.items.append((c["capacity"], tpl["capacity_ok"].format(money=money)))


def _type_history_reasons(b: _Batch, i: int, r: _Row) -> None:
    """A foreign firm for an exporter; the firm's track record, and its past partners'
    products like this UMKM's, when they moved the score."""
    if r.x[_C_PMA_EXPORT] > 0:
        r.items.append((r.c["type"], b.tpl["export_pma"]))
    if r.c["history"] > _F32_0_05:
        r.items.append((r.c["history"], b.tpl["history"]))
    # said only when the firm's past partners really made what this UMKM makes (NaN: none yet)
    if r.c["partners"] > _F32_0_05 and (
        r.x[_C_PARTNER_CONCEPTS] >= PARTNER_SIMILAR or r.x[_C_PARTNER_KBLI] >= PARTNER_SIMILAR
    ):
        r.items.append((r.c["partners"], b.tpl["partners"]))


# in this order: strengths of equal weight keep it, and so do missing items and notes
_REASONS = (
    _text_reasons,
    _kbli_reasons,
    _geo_reasons,
    _cert_reasons,
    _scale_capacity_reasons,
    _type_history_reasons,
)


def explain_rows(X, contrib, U, F, u_idx, f_idx, lang: str | None = None) -> list[str]:
    """One ``"; "``-separated reason string per row of ``X`` (pairs u_idx[i], f_idx[i])."""
    lang = current_lang(lang)
    b = _prepare(X, U, F, u_idx, f_idx, lang)
    out = []
    for i, (x, ci) in enumerate(zip(X.tolist(), contrib.tolist())):
        r = _Row(x=x, c=dict(zip(_GROUPS, ci)))
        for phrases in _REASONS:
            phrases(b, i, r)
        items = sorted(r.items, key=lambda t: -t[0])
        parts = [t for _, t in items[: MAX_ITEMS - bool(r.missing) - bool(r.notes)]]
        if r.missing:
            parts.append(b.tpl["missing"].format(items=", ".join(r.missing[:3])))
        if r.notes:
            parts.append(b.tpl["note"].format(items=", ".join(r.notes[:3])))
        out.append("; ".join(parts))
    return out
