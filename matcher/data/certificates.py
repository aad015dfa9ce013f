"""Certificates as facilitators write them -> canonical tokens.

A certificate cell ("Halal MUI, SPP-IRT", "BPOM RI MD 224510001234", "SNI 01-3556-2000",
"ISO 9001:2015; V-Legal", "halal self declare (proses)") is read as *meaning*, not matched
against a list of spellings:

* the cell is cut into items at ``;`` ``,`` ``/`` ``|`` ``+`` ``&``, line breaks and the
  words "dan", "and", "serta";
* each item is folded to lower-case word and number tokens ("SPP-IRT" -> ``spp irt``,
  "ISO9001:2015" -> ``iso 9001 2015``) and scanned for the aliases of
  ``vocab/certificates.psv`` (longest first), so surrounding words ("sertifikat", "No.",
  the issuer, a registration number) do not matter;
* a sub-type is read where it matters (``vocab/subtypes.psv``): halal regular or
  self-declare, the BPOM registration kind (MD, ML, TR ...); SNI keeps its standard number
  (``sni:3556``) and ISO its standard (``iso9001``, ``iso22000``, any ``iso<number>``);
* an item that says the certificate is being applied for or has lapsed ("proses",
  "belum", "kedaluwarsa") does not count as held;
* an item naming nothing known is kept as written and reported, never refused.

Canonical tokens are ``base`` or ``base:subtype`` (``halal:self_declare``, ``bpom:md``,
``sni:3556``); features work on the base (:func:`base`) and on what a certificate implies
(FSSC 22000 includes ISO 22000, which includes HACCP). A canonical token read back is
itself (``halal:self_declare`` -> ``halal:self_declare``), so normalised files round-trip.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_ITEM_SPLIT = re.compile(r"[;,/|+&\n]|\b(?:dan|and|serta)\b", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z]+|\d+")
# an item saying the certificate is not (yet, or no longer) held
NOT_HELD_WORDS = frozenset(
    """proses diproses pengajuan diajukan mengajukan pengurusan diurus mengurus
    sedang belum blm rencana direncanakan expired kadaluarsa kedaluwarsa kadaluwarsa habis berakhir
    tidak tdk tanpa pending""".split()
)
# an item made only of these says "no certificate": nothing to keep, nothing to warn about
EMPTY_WORDS = frozenset(
    """tidak tdk ada belum blm punya memiliki none nihil kosong tanpa n a na
    nol no nil ga gak nggak""".split()
)


@dataclass(frozen=True)
class Certificate:
    token: str
    food: bool
    implies: tuple[str, ...]
    label_id: str
    label_en: str


@dataclass(frozen=True)
class CellReading:
    tokens: tuple[str, ...]  # canonical tokens, then unknown items as written
    unknown: tuple[str, ...]  # items naming no known certificate (also kept in tokens)
    not_held: tuple[str, ...]  # items applied for or lapsed: not counted
    guessed: tuple[
        str, ...
    ] = ()  # items read through a one-letter slip ("halall"): "item -> token"


def _fold(text: str) -> list[str]:
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _TOKEN.findall(s)


def _read_psv(name: str) -> list[dict[str, str]]:
    raw = resources.files("matcher.data").joinpath("vocab", name).read_text("utf-8")
    lines = [line for line in raw.strip().splitlines() if line.strip()]
    header = lines[0].split("|")
    return [dict(zip(header, line.split("|"))) for line in lines[1:]]


@lru_cache(maxsize=1)
def table() -> dict[str, Certificate]:
    """Known certificates by base token, in file order."""
    return {
        r["token"]: Certificate(
            r["token"],
            r["food"] == "1",
            tuple(x for x in r["implies"].split(";") if x),
            r["label_id"],
            r["label_en"],
        )
        for r in _read_psv("certificates.psv")
    }


@lru_cache(maxsize=1)
def _aliases() -> tuple[dict[tuple[str, ...], str], int]:
    phrases: dict[tuple[str, ...], str] = {}
    for r in _read_psv("certificates.psv"):
        for alias in [r["token"], *r["aliases"].split(";")]:
            key = tuple(_fold(alias))
            if key in phrases and phrases[key] != r["token"]:
                raise ValueError(
                    f"certificate alias {alias!r} claimed by {phrases[key]} and {r['token']}"
                )
            if key:
                phrases[key] = r["token"]
    return phrases, max(map(len, phrases))


@lru_cache(maxsize=1)
def _subtypes() -> dict[str, dict[tuple[str, ...], str]]:
    out: dict[str, dict[tuple[str, ...], str]] = {}
    for r in _read_psv("subtypes.psv"):
        for w in r["words"].split(";"):
            out.setdefault(r["token"], {})[tuple(_fold(w))] = r["subtype"]
    return out


def base(token: str) -> str:
    """``halal:self_declare`` -> ``halal``; ``sni:3556`` -> ``sni``."""
    return token.split(":", 1)[0]


def held_bases(tokens) -> set[str]:
    """Base tokens a list of canonical tokens holds, with what they imply."""
    known = table()
    out: set[str] = set()
    todo = [base(t) for t in tokens or ()]
    while todo:
        b = todo.pop()
        if b in known and b not in out:
            out.add(b)
            todo.extend(known[b].implies)
    return out


def label(token: str, lang: str = "id") -> str:
    """How a reader names a token: ``bpom:md`` -> "BPOM MD", ``halal:self_declare`` ->
    "halal (self declare)", ``sni:3556`` -> "SNI 3556"; an unknown item is itself."""
    b, _, sub = token.partition(":")
    cert = table().get(b)
    if cert is None:
        m = re.fullmatch(r"iso(\d+)", b)
        return f"ISO {m.group(1)}" if m else token
    name = cert.label_id if lang == "id" else cert.label_en
    if not sub:
        return name
    if b == "halal":
        return f"{name} ({sub.replace('_', ' ')})"
    return f"{name} {sub.upper()}"


def _subtype(token: str, words: list[str]) -> str | None:
    table_ = _subtypes().get(token, {})
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            hit = table_.get(tuple(words[i : i + n]))
            if hit:
                return hit
    return None


def _read_item(words: list[str]) -> list[str]:
    """Canonical tokens named in one item's folded words."""
    phrases, longest = _aliases()
    found: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w == "sni" and i + 1 < len(words) and words[i + 1] == "iso":
            i += 1  # "SNI ISO 9001": the ISO standard adopted as SNI
            continue
        if w == "iso" and i + 1 < len(words) and words[i + 1].isdigit():
            found.append(f"iso{int(words[i + 1])}")
            i += 2
            continue
        hit = None
        for n in range(min(longest, len(words) - i), 0, -1):
            token = phrases.get(tuple(words[i : i + n]))
            if token:
                hit = (token, n)
                break
        if hit is None:
            i += 1
            continue
        token, n = hit
        i += n
        if token == "sni":
            nums = []
            while i < len(words) and words[i].isdigit():
                nums.append(words[i])
                i += 1
            # "01-3556-2000" (sector, number, year) or "3556:2016" (number, year)
            if len(nums) >= 2 and len(nums[0]) == 2 and len(nums[1]) >= 3:
                nums = nums[1:]
            found.append(f"sni:{int(nums[0])}" if nums else "sni")
            continue
        sub = _subtype(token, words)
        found.append(f"{token}:{sub}" if sub else token)
    return found


@lru_cache(maxsize=8192)
def read_cell(cell: str) -> CellReading:
    """One certificate cell -> :class:`CellReading` (cached per distinct cell)."""
    tokens: list[str] = []
    unknown: list[str] = []
    not_held: list[str] = []
    guessed: list[str] = []
    if not cell or not cell.strip():
        return CellReading((), (), ())
    for item in _ITEM_SPLIT.split(cell):
        item = (item or "").strip()
        words = _fold(item)
        if not words:
            continue
        found = _read_item(words)
        if found and NOT_HELD_WORDS.intersection(words):
            not_held.append(item)
        elif found:
            tokens.extend(found)
        elif any(not w.isdigit() and w not in EMPTY_WORDS for w in words):
            close = _close_spelling(words)
            if close:
                tokens.append(close)
                guessed.append(f"{item} -> {label(close)}")
            else:
                unknown.append(item)
    canonical = list(dict.fromkeys(tokens))
    specific = {base(t) for t in canonical if ":" in t}
    canonical = [t for t in canonical if ":" in t or t not in specific]
    return CellReading(
        tuple(canonical) + tuple(dict.fromkeys(unknown)),
        tuple(dict.fromkeys(unknown)),
        tuple(not_held),
        tuple(guessed),
    )


@lru_cache(maxsize=1)
def _single_words() -> dict[str, str]:
    """One-word aliases long enough for a slip to be recognisable ("halal", "bpom", "haccp")."""
    return {k[0]: t for k, t in _aliases()[0].items() if len(k) == 1 and len(k[0]) >= 4}


def _close_spelling(words: list[str]) -> str | None:
    """The certificate an item of one misspelt word means ("halall", "hacpp"), if exactly one is close."""
    alpha = [w for w in words if not w.isdigit()]
    if len(alpha) != 1:
        return None
    hits = difflib.get_close_matches(alpha[0], list(_single_words()), n=2, cutoff=0.8)
    tokens = {_single_words()[h] for h in hits}
    return tokens.pop() if len(tokens) == 1 else None


def known_summary() -> str:
    """The known certificates, for a warning's "expected" text."""
    return (
        "halal (regular/self declare), PIRT/SPP-IRT, BPOM MD/ML/TR, SNI <number>, "
        "ISO <number>, HACCP, FSSC 22000, SVLK/V-Legal, organik, NKV, CPPOB, CPOTB, CPKB, SLHS"
    )
