"""Shipped Indonesian reference data (provinces, kabupaten/kota, KBLI 2020) and normalisers.

The tables live as CSVs in ``matcher/data/reference/`` (sources in its README.md). Each
accessor reads its table once (``functools.lru_cache``) and hands out a copy, so a caller
that edits the frame cannot corrupt the cache.

Normalisation is key-based: a value is lower-cased, punctuation becomes space, and
administrative prefixes ("Provinsi", "Kab.", "Kota", "Regency"...) are recognised, so
"Kab. Pamekasan", "KABUPATEN  pamekasan" and "pamekasan" meet the same key. Column-wide
helpers (:func:`province_codes`, :func:`regency_codes`) normalise each *distinct* value
once and map back, which keeps a 100,000-row column fast.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from matcher.data.errors import MatcherError

_PUNCT = re.compile(r"[^\w]+")
_PROVINCE_PREFIX = re.compile(r"^(provinsi|propinsi|prov|province of|province)\s+|\s+province$")
# Regency kind words, longest first so "kabupaten" wins over "kab".
_KAB_WORDS = ("kabupaten", "kab", "regency")
_KOTA_WORDS = ("kota administrasi", "kotamadya", "kodya", "kota", "city of", "city")


class UnknownReferenceError(MatcherError, ValueError):
    """A value that is not in a shipped reference table; carries the closest valid names."""

    def __init__(self, what: str, value: object, suggestions: list[str]):
        self.what = what
        self.value = value
        self.suggestions = suggestions
        hint = f"; closest: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"unknown {what} {value!r}{hint}")


def _key(value: object) -> str:
    """Lower-case, punctuation to space, single spaces: the matching key for names."""
    return " ".join(_PUNCT.sub(" ", str(value).lower()).replace("_", " ").split())


def _read_csv(name: str, **kwargs) -> pd.DataFrame:
    path = resources.files("matcher.data") / "reference" / name
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, keep_default_na=False, **kwargs)


# --------------------------------------------------------------------------- tables

@lru_cache(maxsize=None)
def _provinces() -> pd.DataFrame:
    df = _read_csv("provinces.csv", dtype={"code": str, "name": str, "aliases": str})
    return df[["code", "name", "aliases", "lat", "lon"]].astype({"lat": float, "lon": float})


@lru_cache(maxsize=None)
def _regencies() -> pd.DataFrame:
    df = _read_csv("regencies.csv", dtype={"code": str, "province_code": str, "name": str})
    for col in ("lat", "lon"):
        df[col] = pd.to_numeric(df[col].replace("", np.nan), errors="raise").astype(float)
    return df


@lru_cache(maxsize=None)
def _kbli_categories() -> pd.DataFrame:
    return _read_csv("kbli_categories.csv", dtype=str)


@lru_cache(maxsize=None)
def _kbli_divisions() -> pd.DataFrame:
    return _read_csv("kbli_divisions.csv", dtype=str)


@lru_cache(maxsize=None)
def _kbli_codes() -> pd.DataFrame:
    df = _read_csv("kbli_codes.csv", dtype=str)
    df["division"] = df["code"].str[:2]
    return df


def provinces() -> pd.DataFrame:
    """The 38 provinces: ``code`` (2-digit Kemendagri), ``name``, ``aliases`` (``;``-separated
    short and English forms), ``lat``, ``lon`` (the provincial capital, see README)."""
    return _provinces().copy()


def regencies() -> pd.DataFrame:
    """The 514 kabupaten/kota: ``code`` (4-digit Kemendagri), ``province_code``, ``name``
    ("Kabupaten X" / "Kota X"), ``lat``, ``lon`` (the seat; NaN where not shipped — callers
    fall back to the province centroid)."""
    return _regencies().copy()


def kbli_categories() -> pd.DataFrame:
    """KBLI 2020 categories: ``letter`` (A–U), ``title``."""
    return _kbli_categories().copy()


def kbli_divisions() -> pd.DataFrame:
    """The 88 KBLI 2020 divisions (golongan pokok): ``code`` (2-digit), ``title``, ``category``."""
    return _kbli_divisions().copy()


def kbli_codes() -> pd.DataFrame:
    """A PARTIAL list of 5-digit KBLI 2020 codes common among UMKM: ``code``, ``title``,
    ``division``. A code absent here may still be valid (loaders only warn)."""
    return _kbli_codes().copy()


# --------------------------------------------------------------------------- provinces

@lru_cache(maxsize=None)
def _province_lookup() -> dict[str, str]:
    """Every accepted spelling's key -> 2-digit code."""
    lookup: dict[str, str] = {}
    for row in _provinces().itertuples(index=False):
        keys = [row.code, row.name, *(a for a in row.aliases.split(";") if a)]
        for k in keys:
            lookup[_key(k)] = row.code
            lookup[_key(k).replace(" ", "")] = row.code
    return lookup


def _province_code_or_none(value: object) -> str | None:
    key = _key(value)
    if re.fullmatch(r"\d{1,2}( 0+)?", key):  # "35", "35.0" from Excel, "5" never valid but harmless
        key = key.split(" ")[0].zfill(2)
    lookup = _province_lookup()
    for candidate in (key, _PROVINCE_PREFIX.sub("", key).strip()):
        code = lookup.get(candidate) or lookup.get(candidate.replace(" ", ""))
        if code:
            return code
    return None


def closest_provinces(value: object, n: int = 3) -> list[str]:
    """Official names of the provinces whose names or aliases look most like ``value``."""
    lookup = _province_lookup()
    names = dict(zip(_provinces()["code"], _provinces()["name"]))
    hits = difflib.get_close_matches(_key(value), list(lookup), n=3 * n, cutoff=0.5)
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


def province_name(code: str) -> str:
    return _province_names()[code]


@lru_cache(maxsize=None)
def _province_names() -> dict[str, str]:
    return dict(zip(_provinces()["code"], _provinces()["name"]))


def province_codes(values: pd.Series) -> pd.Series:
    """Column-wide :func:`normalise_province`: codes, or NaN where unknown (the caller reports)."""
    uniques = pd.unique(values.astype(str))
    mapping = {u: _province_code_or_none(u) for u in uniques}
    return values.astype(str).map(mapping)


# --------------------------------------------------------------------------- regencies

@dataclass(frozen=True)
class _RegencyKey:
    bare: str          # "pamekasan"
    kind: str | None   # "kab", "kota" or None when the value did not say


def _split_regency(value: object) -> _RegencyKey:
    key = _key(value)
    for kind, words in (("kota", _KOTA_WORDS), ("kab", _KAB_WORDS)):
        for w in words:
            if key.startswith(w + " "):
                return _RegencyKey(key[len(w) + 1:], kind)
            if key.endswith(" " + w):
                return _RegencyKey(key[: -len(w) - 1], kind)
    return _RegencyKey(key, None)


@lru_cache(maxsize=None)
def _regency_lookup() -> dict[str, list[tuple[str, str]]]:
    """Bare-name key (with and without spaces) -> [(code, kind)], all provinces."""
    lookup: dict[str, list[tuple[str, str]]] = {}
    for code, name in zip(_regencies()["code"], _regencies()["name"]):
        k = _split_regency(name)
        for bare in {k.bare, k.bare.replace(" ", "")}:
            lookup.setdefault(bare, []).append((code, k.kind))
    return lookup


@lru_cache(maxsize=None)
def _regency_names() -> dict[str, str]:
    return dict(zip(_regencies()["code"], _regencies()["name"]))


def _regency_code_or_none(value: object, province_code: str | None) -> str | None:
    key = _key(value)
    if not key:
        return None
    names = _regency_names()
    digits = key.replace(" ", "")
    if re.fullmatch(r"\d{4}(0+)?", digits) or re.fullmatch(r"\d{2} \d{2}", key):
        code = digits[:4]  # "3528", "35.28", "3528.0"
        ok = code in names and (province_code is None or code[:2] == province_code)
        return code if ok else None
    k = _split_regency(value)
    lookup = _regency_lookup()
    cands = lookup.get(k.bare) or lookup.get(k.bare.replace(" ", "")) or []
    if province_code is not None:
        cands = [c for c in cands if c[0][:2] == province_code]
    if k.kind is not None:
        cands = [c for c in cands if c[1] == k.kind]
    if not cands:
        return None
    # A bare name shared by a kabupaten and a kota ("Malang") means the city.
    kota = [c for c in cands if c[1] == "kota"]
    chosen = kota if kota and len(cands) > 1 else cands
    codes = {c[0] for c in chosen}
    return codes.pop() if len(codes) == 1 else None  # still ambiguous across provinces


def normalise_regency(value: object, province_code: str | None = None) -> tuple[str, str] | None:
    """Name or 4-digit code -> ``(code, canonical name)``, or None when not recognised
    (or not in ``province_code``). "Kab. Pamekasan", "pamekasan", "3528" -> ("3528",
    "Kabupaten Pamekasan"); a bare name shared by a kabupaten and a kota means the kota."""
    code = _regency_code_or_none(value, province_code)
    return None if code is None else (code, _regency_names()[code])


def closest_regencies(value: object, province_code: str | None = None, n: int = 3) -> list[str]:
    """Canonical names of the regencies (in ``province_code`` when given) most like ``value``."""
    reg = _regencies()
    if province_code is not None:
        reg = reg[reg["province_code"] == province_code]
    by_bare = {_split_regency(name).bare: name for name in reg["name"]}
    hits = difflib.get_close_matches(_split_regency(value).bare, list(by_bare), n=n, cutoff=0.6)
    return [by_bare[h] for h in hits]


def regency_codes(values: pd.Series, province_codes_: pd.Series) -> pd.Series:
    """Column-wide :func:`normalise_regency`: codes, or None where blank/unknown.

    Each distinct (value, province) pair is resolved once, then mapped back.
    """
    provinces_ = province_codes_.astype(object).where(province_codes_.notna(), "")
    pair = values.astype(str) + "\x00" + provinces_.astype(str)
    mapping = {}
    for key in pd.unique(pair):
        value, province = key.split("\x00")
        mapping[key] = _regency_code_or_none(value, province or None)
    codes = pair.map(mapping).astype(object)
    return codes.where(codes.notna(), None)


def regency_name(code: str) -> str:
    return _regency_names()[code]


@lru_cache(maxsize=None)
def _indexed(table: str) -> pd.DataFrame:
    return (_provinces() if table == "provinces" else _regencies()).set_index("code")


def lookup_column(codes: pd.Series, table: str, column: str) -> pd.Series:
    """Vectorised ``codes -> column`` of ``table`` ("provinces" or "regencies"); NaN where
    the code is missing or unknown. E.g. ``lookup_column(codes, "regencies", "lat")``."""
    return codes.map(_indexed(table)[column])


# --------------------------------------------------------------------------- KBLI

@lru_cache(maxsize=None)
def _division_info() -> dict[str, tuple[str, str]]:
    d = _kbli_divisions()
    return {c: (t, cat) for c, t, cat in zip(d["code"], d["title"], d["category"])}


@lru_cache(maxsize=None)
def _code_titles() -> dict[str, str]:
    return dict(zip(_kbli_codes()["code"], _kbli_codes()["title"]))


def kbli_division_exists(division: str) -> bool:
    return division in _division_info()


def kbli_code_known(code: str) -> bool:
    """True when the 5-digit code is in the shipped (partial) list."""
    return code in _code_titles()


def kbli_title(code: str) -> str | None:
    """Title of a 5-digit code from the partial list, else of its 2-digit division; None if unknown."""
    code = str(code).strip()
    if code in _code_titles():
        return _code_titles()[code]
    info = _division_info().get(code[:2]) if len(code) in (2, 5) else None
    return info[0] if info else None


def kbli_category(code: str) -> str | None:
    """Category letter (A–U) of a KBLI code (any length >= 2), via its division; None if unknown."""
    info = _division_info().get(str(code).strip()[:2])
    return info[1] if info else None


def kbli_codes_for_title(text: str) -> tuple[str, ...]:
    """KBLI codes whose title contains every word of ``text`` (case-insensitive): 2-digit
    divisions and 5-digit codes of the shipped list, as prefixes to search profiles by."""
    words = _key(text).split()
    if not words:
        return ()
    found = [code for code, (title, _) in _division_info().items()
             if all(w in _key(title) for w in words)]
    found += [code for code, title in _code_titles().items()
              if all(w in _key(title) for w in words) and code[:2] not in found]
    return tuple(sorted(found))
