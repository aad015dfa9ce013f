"""KBLI 2020 and KBLI 2025, complete, all five levels, and the derived 2020<->2025 links.

A code's level is its length: a letter is a *kategori*, 2 digits a *golongan pokok*, 3 a
*golongan*, 4 a *subgolongan*, 5 a *kelompok*. ``kbli_2020.csv`` and ``kbli_2025.csv`` hold
every code of each version with its title and parent; ``kbli_2020_2025.csv`` links 2020
kelompok to 2025 kelompok where the titles show the same activity (derived, partial: see
the reference README). Codes are compared within one version only: 2025 renumbered
categories and divisions (ISIC Rev.5), so "10772" is garam in 2025 and bumbu in 2020.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache

import pandas as pd

from matcher.data.reference._tables import key, read_csv

VERSIONS = (2020, 2025)
DEFAULT_VERSION = 2020
LEVEL_NAMES = {1: "kategori", 2: "golongan pokok", 3: "golongan", 4: "subgolongan", 5: "kelompok"}
REGULATION = {2020: "Peraturan BPS No. 2 Tahun 2020", 2025: "Peraturan BPS No. 7 Tahun 2025"}
# Counts per level stated by the published sources the tables were checked against (see
# the reference README); None where no published figure was found.
PUBLISHED_COUNTS = {
    2020: {
        "kategori": 21,
        "golongan pokok": 88,
        "golongan": 245,
        "subgolongan": 567,
        "kelompok": 1790,
    },
    2025: {
        "kategori": 22,
        "golongan pokok": 87,
        "golongan": 257,
        "subgolongan": 519,
        "kelompok": 1559,
    },
}
_CODE = re.compile(r"^(?:[A-Z]|\d{2,5})$")


def level_of(code: str) -> int | None:
    """1..5 for a well-formed code (letter or 2-5 digits), else None."""
    code = str(code).strip()
    if not _CODE.match(code):
        return None
    return 1 if code.isalpha() else len(code)


def _check_version(version: int) -> int:
    version = int(version)
    if version not in VERSIONS:
        raise ValueError(f"KBLI version {version} is not shipped; choose one of {VERSIONS}")
    return version


@cache
def _table(version: int) -> pd.DataFrame:
    df = read_csv(f"kbli_{_check_version(version)}.csv", dtype=str)
    parent = dict(zip(df["code"], df["parent"]))

    def category(code: str) -> str:
        while code and not code.isalpha():
            code = parent[code]
        return code

    df["category"] = [category(c) for c in df["code"]]
    return df


@cache
def _titles(version: int) -> dict[str, str]:
    t = _table(version)
    return dict(zip(t["code"], t["title"]))


@cache
def _parents(version: int) -> dict[str, str]:
    t = _table(version)
    return dict(zip(t["code"], t["parent"]))


def kbli_table(version: int = DEFAULT_VERSION) -> pd.DataFrame:
    """Every code of a version: ``code``, ``level`` (name), ``title``, ``parent``, ``category``."""
    return _table(version).copy()


@dataclass(frozen=True)
class KbliEntry:
    """One code of one KBLI version, with its path from the kategori down."""

    code: str
    version: int
    level: int
    title: str
    path: tuple[tuple[str, str], ...]  # ((code, title), ...) kategori first, this code last

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    @property
    def category(self) -> str:
        return self.path[0][0]


def kbli_exists(code: object, version: int = DEFAULT_VERSION) -> bool:
    return str(code).strip() in _titles(version)


def kbli_lookup(code: object, version: int = DEFAULT_VERSION) -> KbliEntry | None:
    """The entry of ``code`` (any level) in ``version``, or None when it is not a code there."""
    code = str(code).strip()
    titles, parents = _titles(version), _parents(version)
    if code not in titles:
        return None
    path, c = [], code
    while c:
        path.append((c, titles[c]))
        c = parents[c]
    return KbliEntry(code, int(version), level_of(code), titles[code], tuple(reversed(path)))


def kbli_title(code: object, version: int = DEFAULT_VERSION) -> str | None:
    """Title of a code of any level ("10774" -> "Industri Pengolahan Garam"); None if unknown."""
    return _titles(version).get(str(code).strip())


def kbli_category(code: object, version: int = DEFAULT_VERSION) -> str | None:
    """Kategori letter of a code of any level; for a well-formed code absent from the table,
    the letter of its golongan pokok (None when that does not exist either)."""
    code = str(code).strip()
    cats = _categories(version)
    return cats.get(code) or (cats.get(code[:2]) if len(code) > 2 else None)


@cache
def _categories(version: int) -> dict[str, str]:
    t = _table(version)
    return dict(zip(t["code"], t["category"]))


def kbli_versions_of(code: object) -> tuple[int, ...]:
    """The shipped versions in which ``code`` exists."""
    return tuple(v for v in VERSIONS if kbli_exists(code, v))


def kbli_stats(version: int = DEFAULT_VERSION) -> dict[str, int]:
    """Number of codes per level, kategori first."""
    counts = _table(version)["level"].value_counts()
    return {name: int(counts.get(name, 0)) for name in LEVEL_NAMES.values()}


@cache
def _search_index(version: int) -> tuple[tuple[str, str, str], ...]:
    t = _table(version)
    return tuple((c, title, key(title)) for c, title in zip(t["code"], t["title"]))


def kbli_search(words: str, version: int = DEFAULT_VERSION, limit: int = 20) -> list[KbliEntry]:
    """Codes whose title contains every word (prefix match, case and punctuation ignored),
    deepest level first, then by code: "garam" -> 10774 Industri Pengolahan Garam, ..."""
    terms = key(words).split()
    if not terms:
        return []
    hits = []
    for code, _, k in _search_index(version):
        tokens = k.split()
        if all(any(tok.startswith(term) for tok in tokens) for term in terms):
            hits.append(code)
    hits.sort(key=lambda c: (-level_of(c), c))
    return [kbli_lookup(c, version) for c in hits[:limit]]


def kbli_codes_for_title(text: str, version: int = DEFAULT_VERSION) -> tuple[str, ...]:
    """Codes (2 to 5 digits) whose title contains every word of ``text`` (case-insensitive),
    shortest first and none under an already-found prefix: prefixes to search profiles by
    ("tekstil" -> "13", ...)."""
    words = key(text).split()
    if not words:
        return ()
    found: list[str] = []
    for code, _, k in sorted(_search_index(version), key=lambda r: (len(r[0]), r[0])):
        if (
            code.isdigit()
            and all(w in k for w in words)
            and not any(code.startswith(f) for f in found)
        ):
            found.append(code)
    return tuple(sorted(found))


def kbli_suggest(code: object, version: int = DEFAULT_VERSION, n: int = 3) -> list[str]:
    """Real codes close to an unknown ``code``: a lost leading zero first ("1079x" typed for
    "01079"? only when that exists), then codes of the same level sharing the longest prefix,
    closest digits first. Never invents a code."""
    code = str(code).strip()
    titles = _titles(version)
    out: list[str] = []
    if code.isdigit() and len(code) == 4 and "0" + code in titles:
        out.append("0" + code)  # the leading zero lost in Excel
    if code.isdigit() and len(code) == 5 and code[0] == "0" and code[1:] in titles:
        out.append(code[1:])  # a subgolongan padded to five digits
    if code.isdigit() and 2 <= len(code) <= 5:
        same_level = [c for c in titles if len(c) == len(code) and c.isdigit()]
        for p in range(len(code) - 1, 0, -1):
            near = [c for c in same_level if c.startswith(code[:p]) and c not in out]
            if near:
                near.sort(
                    key=lambda c: (
                        -difflib.SequenceMatcher(None, c, code).ratio(),
                        abs(int(c) - int(code)),
                    )
                )
                out.extend(near[: n - len(out)])
                break
    return out[:n]


@cache
def _correspondence() -> pd.DataFrame:
    return read_csv("kbli_2020_2025.csv", dtype=str)


def kbli_correspondence() -> pd.DataFrame:
    """The derived 2020<->2025 kelompok links: ``code_2020``, ``code_2025``, ``basis``."""
    return _correspondence().copy()


def kbli_translate(code: object, source: int, target: int) -> tuple[str, ...]:
    """Kelompok of ``target`` linked to ``code`` of ``source`` (empty when no link is known)."""
    _check_version(source), _check_version(target)
    code = str(code).strip()
    if source == target:
        return (code,) if kbli_exists(code, source) else ()
    c = _correspondence()
    src, dst = f"code_{source}", f"code_{target}"
    return tuple(dict.fromkeys(c.loc[c[src] == code, dst]))


@cache
def _legacy() -> dict[str, tuple[str, tuple[str, ...], str]]:
    df = read_csv("kbli_2015_legacy.csv", dtype=str)
    return {
        c: (t, tuple(x.split(";")), b)
        for c, t, x, b in zip(df["code"], df["title"], df["codes_2020"], df["basis"])
    }


def kbli_legacy(code: object) -> tuple[str, tuple[str, ...]] | None:
    """A KBLI 2015 code that KBLI 2020 split or renumbered, still printed on older NIBs and
    listed by OSS: ``(its 2015 title, the KBLI 2020 codes it became)``; None for any other
    code. The 2020 codes are a golongan when the split has no single successor."""
    found = _legacy().get(str(code).strip())
    return None if found is None else (found[0], found[1])


def kbli_detect_version(codes, declared: int = DEFAULT_VERSION) -> int | None:
    """The other version when ``codes`` (distinct well-formed codes) only make sense there:
    some exist only in the other version and none only in ``declared``. None otherwise."""
    codes = {str(c).strip() for c in codes}
    other = next(v for v in VERSIONS if v != declared)
    only_declared = sum(1 for c in codes if kbli_exists(c, declared) and not kbli_exists(c, other))
    only_other = sum(1 for c in codes if kbli_exists(c, other) and not kbli_exists(c, declared))
    return other if only_other and not only_declared else None


# --------------------------------------------------------------------------- older accessors


def kbli_categories(version: int = DEFAULT_VERSION) -> pd.DataFrame:
    """KBLI categories: ``letter``, ``title``."""
    t = _table(version)
    t = t[t["level"] == "kategori"]
    return pd.DataFrame({"letter": t["code"].to_numpy(), "title": t["title"].to_numpy()})


def kbli_divisions(version: int = DEFAULT_VERSION) -> pd.DataFrame:
    """Golongan pokok: ``code`` (2-digit), ``title``, ``category``."""
    t = _table(version)
    t = t[t["level"] == "golongan pokok"]
    return t[["code", "title", "category"]].reset_index(drop=True)


def kbli_codes(version: int = DEFAULT_VERSION) -> pd.DataFrame:
    """Every kelompok (5-digit code): ``code``, ``title``, ``division``."""
    t = _table(version)
    t = t[t["level"] == "kelompok"][["code", "title"]].reset_index(drop=True)
    t["division"] = t["code"].str[:2]
    return t


def kbli_code_known(code: object, version: int = DEFAULT_VERSION) -> bool:
    """True when ``code`` (any level) exists in ``version``."""
    return kbli_exists(code, version)


def kbli_division_exists(division: object, version: int = DEFAULT_VERSION) -> bool:
    return len(str(division)) == 2 and kbli_exists(division, version)
