"""Provinces and kabupaten/kota (Kemendagri codes) and the normalisers for how people write them.

Normalisation is key-based: a value is lower-cased, punctuation becomes space, and the
administrative words ("Provinsi", "Kab.", "Kabupaten Administrasi", "Kota Adm.", "Regency"...)
are recognised, so "Kab. Pamekasan", "KABUPATEN  pamekasan" and "pamekasan" meet one key.
Each regency is also reachable by the aliases in ``regencies.csv`` (short forms such as
Jaksel, Tangsel, Sby, Pangkep, Sitaro, Lotim; former names such as Mamuju Utara; other
spellings such as Baubau/Bau Bau), and a compound cell ("Pamekasan, Madura") is read part by
part. A bare name shared by a kabupaten and a kota ("Malang", "Bima") is *ambiguous*: it is
decided by the point (lat/lon) when one is given and clearly nearer one of them, otherwise
it stays unresolved and the candidates are returned so the caller can warn naming both.

Column-wide helpers resolve each *distinct* value once and map back, which keeps a
100,000-row column fast.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from matcher.data.reference._tables import UnknownReferenceError, key, read_csv

_PROVINCE_PREFIX = re.compile(r"^(provinsi|propinsi|prov|province of|province)\s+|\s+province$")
# Kind words, longest first so "kabupaten administrasi" wins over "kabupaten" and "kab".
_KIND_WORDS = (
    (
        "kab",
        (
            "kabupaten administrasi",
            "kab administrasi",
            "kab adm",
            "kabupaten",
            "kab",
            "regency",
            "pemkab",
        ),
    ),
    (
        "kota",
        (
            "kota administrasi",
            "kota adm",
            "kotamadya",
            "kotamadia",
            "kodya",
            "kota",
            "city of",
            "city",
            "pemkot",
        ),
    ),
)
# Abbreviated words inside names: "Kep. Seribu", "Tj. Pinang".
_WORD_FIX = {"kep": "kepulauan", "kepl": "kepulauan", "tj": "tanjung", "tg": "tanjung"}
_COMPOUND = re.compile(r"\s*(?:[,;/|()\[\]]|\s-\s)\s*")
# A point decides between twin regencies when it is this much nearer one of them.
_DECISIVE_RATIO = 0.6
# Provinces formed by splitting another (Kemendagri codes: new -> the province it left, and
# the year of the law). Older files still name the former province: "Papua, Merauke" is now
# Papua Selatan (UU 14/2022), "Kalimantan Timur, Tarakan" Kalimantan Utara (UU 20/2012).
FORMER_PROVINCE = {
    "19": ("16", 2000),
    "21": ("14", 2002),
    "36": ("32", 2000),
    "65": ("64", 2012),
    "75": ("71", 2000),
    "76": ("73", 2004),
    "82": ("81", 1999),
    "92": ("91", 2003),
    "93": ("91", 2022),
    "94": ("91", 2022),
    "95": ("91", 2022),
    "96": ("92", 2022),
}

# --------------------------------------------------------------------------- tables


@cache
def _provinces() -> pd.DataFrame:
    df = read_csv("provinces.csv", dtype={"code": str, "name": str, "aliases": str})
    return df[["code", "name", "aliases", "lat", "lon"]].astype({"lat": float, "lon": float})


@cache
def _regencies() -> pd.DataFrame:
    df = read_csv(
        "regencies.csv", dtype={"code": str, "province_code": str, "name": str, "aliases": str}
    )
    df["lat"] = pd.to_numeric(df["lat"], errors="raise").astype(float)
    df["lon"] = pd.to_numeric(df["lon"], errors="raise").astype(float)
    return df[["code", "province_code", "name", "lat", "lon", "aliases"]]


def provinces() -> pd.DataFrame:
    """The 38 provinces: ``code`` (2-digit Kemendagri), ``name``, ``aliases`` (``;``-separated
    short, English and former forms), ``lat``, ``lon`` (the provincial capital, see README)."""
    return _provinces().copy()


def regencies() -> pd.DataFrame:
    """The 514 kabupaten/kota: ``code`` (4-digit Kemendagri), ``province_code``, ``name`` (as
    in the Kepmendagri, e.g. "Kabupaten Pamekasan", "Kota Administrasi Jakarta Selatan"),
    ``lat``, ``lon`` (centroid of the regency's boundary, every regency), ``aliases``."""
    return _regencies().copy()


# --------------------------------------------------------------------------- provinces


@cache
def _province_lookup() -> dict[str, str]:
    """Every accepted spelling's key -> 2-digit code."""
    lookup: dict[str, str] = {}
    for row in _provinces().itertuples(index=False):
        for k in (row.code, row.name, *(a for a in row.aliases.split(";") if a)):
            lookup[key(k)] = row.code
            lookup[key(k).replace(" ", "")] = row.code
    return lookup


def _province_code_or_none(value: object) -> str | None:
    k = key(value)
    if re.fullmatch(r"\d{1,2}( 0+)?", k):  # "35", "35.0" from Excel
        k = k.split(" ")[0].zfill(2)
    lookup = _province_lookup()
    for candidate in (k, _PROVINCE_PREFIX.sub("", k).strip()):
        code = lookup.get(candidate) or lookup.get(candidate.replace(" ", ""))
        if code:
            return code
    return None


def closest_provinces(value: object, n: int = 3) -> list[str]:
    """Official names of the provinces whose names or aliases look most like ``value``."""
    lookup = _province_lookup()
    names = _province_names()
    hits = difflib.get_close_matches(key(value), list(lookup), n=3 * n, cutoff=0.5)
    out: list[str] = []
    for h in hits:
        name = names[lookup[h]]
        if name not in out:
            out.append(name)
    return out[:n]


def normalise_province(value: object) -> tuple[str, str]:
    """Any accepted spelling -> ``(code, official name)``, e.g. "jatim" -> ("35", "Jawa Timur").

    Raises :class:`UnknownReferenceError` (a ValueError) naming the closest provinces.
    """
    code = _province_code_or_none(value)
    if code is None:
        raise UnknownReferenceError("province", value, closest_provinces(value))
    return code, province_name(code)


def unknown_regency(value: object, province_code: str | None = None):
    """The one way to say "no such regency" (in the province, when one is known): a
    Message naming the closest regencies, rendered in the reader's language wherever it is
    shown (CLI, API, web). An unknown province is said by :class:`UnknownReferenceError`."""
    from matcher.i18n import Message

    close = closest_regencies(value, province_code)
    hint = Message("data.rule.closest", names=", ".join(close)) if close else ""
    if province_code is None:
        return Message("reference.unknown.regency", value=repr(value), hint=hint)
    return Message(
        "reference.unknown.regency_in",
        value=repr(value),
        province=province_name(province_code),
        hint=hint,
    )


@cache
def _province_names() -> dict[str, str]:
    return dict(zip(_provinces()["code"], _provinces()["name"]))


def province_name(code: str) -> str:
    return _province_names()[code]


def province_codes(values: pd.Series) -> pd.Series:
    """Column-wide :func:`normalise_province`: codes, or NaN where unknown (the caller reports)."""
    uniques = pd.unique(values.astype(str))
    mapping = {u: _province_code_or_none(u) for u in uniques}
    return values.astype(str).map(mapping)


# --------------------------------------------------------------------------- regencies


def _split_regency(value: object) -> tuple[str, str | None]:
    """``(bare key, kind)``: "Kab. Adm. Kep. Seribu" -> ("kepulauan seribu", "kab")."""
    k = key(value)
    kind = None
    for kind_, words in _KIND_WORDS:
        for w in words:
            if k.startswith(w + " "):
                k, kind = k[len(w) + 1 :], kind_
                break
            if k.endswith(" " + w):
                k, kind = k[: -len(w) - 1], kind_
                break
        if kind:
            break
    return " ".join(_WORD_FIX.get(t, t) for t in k.split()), kind


@cache
def _regency_kinds() -> dict[str, str]:
    return {
        c: _split_regency(n)[1] or "kab" for c, n in zip(_regencies()["code"], _regencies()["name"])
    }


@cache
def _regency_lookup() -> dict[str, tuple[str, ...]]:
    """Bare key (with and without spaces) of every name and alias -> regency codes."""
    lookup: dict[str, list[str]] = {}
    reg = _regencies()
    for code, name, aliases in zip(reg["code"], reg["name"], reg["aliases"]):
        for spelling in (name, *(a for a in aliases.split(";") if a)):
            bare, _ = _split_regency(spelling)
            # the whole key too: an alias may end in a kind word ("50 Kota")
            for k in {bare, bare.replace(" ", ""), key(spelling)}:
                if code not in lookup.setdefault(k, []):
                    lookup[k].append(code)
    return {k: tuple(v) for k, v in lookup.items()}


@cache
def _regency_names() -> dict[str, str]:
    return dict(zip(_regencies()["code"], _regencies()["name"]))


@cache
def _regency_points() -> dict[str, tuple[float, float]]:
    reg = _regencies()
    return {c: (la, lo) for c, la, lo in zip(reg["code"], reg["lat"], reg["lon"])}


def _candidates_of_one(value: str, province_code: str | None) -> tuple[str, ...]:
    k = key(value)
    if not k:
        return ()
    digits = k.replace(" ", "")
    if re.fullmatch(r"\d{4}(0+)?", digits) or re.fullmatch(r"\d{2} \d{2}", k):
        code = digits[:4]  # "3528", "35.28", "3528.0"
        ok = code in _regency_names() and (province_code is None or code[:2] == province_code)
        return (code,) if ok else ()
    bare, kind = _split_regency(value)
    lookup = _regency_lookup()
    whole = lookup.get(k)
    if whole:
        kind = None  # the spelling as shipped, kind words included
    cands = whole or lookup.get(bare) or lookup.get(bare.replace(" ", "")) or ()
    if province_code is not None:
        cands = tuple(c for c in cands if c[:2] == province_code)
    if kind is not None:
        kinds = _regency_kinds()
        cands = tuple(c for c in cands if kinds[c] == kind)
    return cands


@lru_cache(maxsize=65536)
def regency_candidates(value: object, province_code: str | None = None) -> tuple[str, ...]:
    """Codes of every regency ``value`` may mean (in ``province_code`` when given): one for a
    clear name, two for a bare name shared by a kabupaten and a kota, none when unknown.

    A compound cell ("Pamekasan, Madura", "Kab. Sumenep (Madura)") is read part by part when
    the whole is not a name; parts that are no regency (an island, the province) are ignored.
    """
    value = "" if value is None else str(value)
    cands = _candidates_of_one(value, province_code)
    if cands or not _COMPOUND.search(value):
        return cands
    found: list[str] = []
    for part in filter(None, _COMPOUND.split(value)):
        for c in _candidates_of_one(part, province_code):
            if c not in found:
                found.append(c)
    return tuple(found)


def _decide(cands: tuple[str, ...], lat: float | None, lon: float | None) -> str | None:
    """The one code, or the candidate clearly nearest the point, else None."""
    if len(cands) == 1:
        return cands[0]
    if not cands or lat is None or lon is None or np.isnan(lat) or np.isnan(lon):
        return None
    pts = np.array([_regency_points()[c] for c in cands])
    d = np.hypot(pts[:, 0] - lat, (pts[:, 1] - lon) * np.cos(np.radians(lat)))
    order = np.argsort(d)
    return cands[order[0]] if d[order[0]] < _DECISIVE_RATIO * d[order[1]] else None


@dataclass(frozen=True)
class RegencyMatch:
    """What a regency cell means: ``code``/``name`` when decided; ``candidates`` lists every
    regency it may mean (two or more and ``code`` None when ambiguous, empty when unknown)."""

    code: str | None
    name: str | None
    candidates: tuple[str, ...]

    @property
    def ambiguous(self) -> bool:
        return self.code is None and len(self.candidates) > 1


def resolve_regency(
    value: object,
    province_code: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> RegencyMatch:
    """Name, alias or 4-digit code -> :class:`RegencyMatch`; the point (lat/lon) decides
    between a kabupaten and a kota of the same name when it is clearly nearer one."""
    cands = regency_candidates(value, province_code)
    code = _decide(cands, lat, lon)
    return RegencyMatch(code, None if code is None else _regency_names()[code], cands)


def normalise_regency(
    value: object,
    province_code: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> tuple[str, str] | None:
    """Name, alias or 4-digit code -> ``(code, canonical name)``, or None when unknown, not
    in ``province_code``, or ambiguous ("Malang" without a point: Kabupaten or Kota Malang)."""
    m = resolve_regency(value, province_code, lat, lon)
    return None if m.code is None else (m.code, m.name)


def _successors(province_code: str) -> tuple[str, ...]:
    """Every province split off ``province_code``, directly or in turn (Papua -> Papua Barat
    -> Papua Barat Daya)."""
    out: list[str] = []
    frontier = [province_code]
    while frontier:
        parent = frontier.pop()
        kids = [c for c, (p, _) in FORMER_PROVINCE.items() if p == parent]
        out.extend(kids)
        frontier.extend(kids)
    return tuple(out)


def moved_regency(value: object, province_code: str | None) -> tuple[str, int] | None:
    """A regency named under the province it belonged to before a split: ``(its code, the
    year it moved)``, or None when ``value`` is no unique regency of a successor province."""
    if province_code is None:
        return None
    found = {c for s in _successors(province_code) for c in regency_candidates(value, s)}
    if len(found) != 1:
        return None
    code = found.pop()
    return code, FORMER_PROVINCE[code[:2]][1]


def closest_regencies(value: object, province_code: str | None = None, n: int = 3) -> list[str]:
    """Canonical names of the regencies (in ``province_code`` when given) most like ``value``;
    both twins first when ``value`` is a bare name shared by a kabupaten and a kota."""
    twins = [_regency_names()[c] for c in regency_candidates(value, province_code)]
    reg = _regencies()
    if province_code is not None:
        reg = reg[reg["province_code"] == province_code]
    by_bare = {_split_regency(name)[0]: name for name in reg["name"]}
    hits = difflib.get_close_matches(_split_regency(value)[0], list(by_bare), n=n, cutoff=0.6)
    return list(dict.fromkeys(twins + [by_bare[h] for h in hits]))[: max(n, len(twins))]


def resolve_regencies(
    values: pd.Series,
    province_codes_: pd.Series,
    lat: pd.Series | None = None,
    lon: pd.Series | None = None,
) -> pd.DataFrame:
    """Column-wide :func:`resolve_regency`: a frame on ``values.index`` with ``code`` (None
    where blank, unknown or ambiguous) and ``candidates`` (tuple of codes, as in
    :class:`RegencyMatch`). Each distinct (value, province) is resolved once; a point is
    only consulted for the ambiguous rows."""
    provinces_ = province_codes_.astype(object).where(province_codes_.notna(), "")
    pair = values.astype(str) + "\x00" + provinces_.astype(str)
    cands_of = {}
    for p in pd.unique(pair):
        value, province = p.split("\x00")
        cands_of[p] = regency_candidates(value, province or None)
    cands = pair.map(cands_of)
    code = cands.map(lambda c: c[0] if len(c) == 1 else None).astype(object)
    twin = cands.map(len).to_numpy() > 1
    if twin.any() and lat is not None and lon is not None:
        la = pd.to_numeric(lat, errors="coerce").to_numpy(float)
        lo = pd.to_numeric(lon, errors="coerce").to_numpy(float)
        for i in np.flatnonzero(twin & ~np.isnan(la) & ~np.isnan(lo)):
            code.iat[i] = _decide(cands.iat[i], la[i], lo[i])
    return pd.DataFrame(
        {"code": code.where(code.notna(), None), "candidates": cands}, index=values.index
    )


def regency_codes(
    values: pd.Series,
    province_codes_: pd.Series,
    lat: pd.Series | None = None,
    lon: pd.Series | None = None,
) -> pd.Series:
    """Column-wide :func:`normalise_regency`: codes, or None where blank, unknown or ambiguous."""
    return resolve_regencies(values, province_codes_, lat, lon)["code"]


def regency_name(code: str) -> str:
    return _regency_names()[code]


def regency_short_name(code: str) -> str:
    """The name without its kind words, as people write it: "Pamekasan", "Jakarta Selatan"."""
    name = _regency_names()[code]
    return re.sub(r"^(Kabupaten Administrasi|Kota Administrasi|Kabupaten|Kota)\s+", "", name)


@dataclass(frozen=True)
class Region:
    """A location as the loaders store it (see :func:`normalise_region`)."""

    province_code: str
    province: str
    regency_code: str | None
    regency: str | None
    candidates: tuple[str, ...]  # regencies the cell may mean when ambiguous or decided


def normalise_region(
    province: object, regency: object = None, lat: float | None = None, lon: float | None = None
) -> Region:
    """One location cell pair -> codes and canonical names, the way the loaders read them.

    Raises :class:`UnknownReferenceError` for an unknown province. An unknown or ambiguous
    regency leaves ``regency_code`` None (``candidates`` tells which).
    """
    p_code, p_name = normalise_province(province)
    m = resolve_regency("" if regency is None else regency, p_code, lat, lon)
    if not m.candidates and regency is not None:
        moved = moved_regency(regency, p_code)
        if moved is not None:  # named under its former province: the current one
            code = moved[0]
            return Region(code[:2], province_name(code[:2]), code, _regency_names()[code], (code,))
    return Region(p_code, p_name, m.code, m.name, m.candidates)


@cache
def _indexed(table: str) -> pd.DataFrame:
    return (_provinces() if table == "provinces" else _regencies()).set_index("code")


def lookup_column(codes: pd.Series, table: str, column: str) -> pd.Series:
    """Vectorised ``codes -> column`` of ``table`` ("provinces" or "regencies"); NaN where
    the code is missing or unknown. E.g. ``lookup_column(codes, "regencies", "lat")``."""
    return codes.map(_indexed(table)[column])


def candidates_point(candidates: pd.Series, axis: str) -> pd.Series:
    """Mean ``lat`` or ``lon`` of each row's candidate regencies (NaN where none)."""
    pts = _regency_points()
    i = 0 if axis == "lat" else 1
    # once per distinct tuple of candidates (a file has few), then mapped back by row
    arr = candidates.to_numpy(dtype=object)
    point = {
        c: (float(np.mean([pts[x][i] for x in c])) if c else np.nan) for c in dict.fromkeys(arr)
    }
    return pd.Series([point[c] for c in arr], index=candidates.index, dtype=float)
