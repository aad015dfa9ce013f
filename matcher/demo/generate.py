"""Draw UMKM and firm profiles: latent truth first, then the contract-format files.

Every number is drawn vectorised; loops run over catalogue groups (concepts, provinces,
archetypes), never over pairs. Text is assembled per entity by :mod:`matcher.demo.text`.
Each part of the world uses its own child generator of ``SeedSequence(seed)``, so the same
seed always gives identical files and changing one part does not reshuffle the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from matcher.data import reference
from matcher.data.errors import MatcherError
from matcher.data.schema import SCALES
from matcher.demo.catalogue import (
    ARCHETYPES,
    CONCEPT_INDEX,
    CONCEPTS,
    MADURA_OTHER,
    PAMEKASAN,
    PMA_COUNTRIES,
    RELATED_FAMILIES,
)
from matcher.demo.history import simulate_history, upcoming_event
from matcher.demo.text import TextMaker
from matcher.demo.utility import TASTE_SD
from matcher.demo.variants import Variant
from matcher.demo.variants import variant as get_variant
from matcher.demo.world import CERT_BITS, PAD_CONCEPT, FirmLatent, UmkmLatent, World
from matcher.i18n import Message, format_number

# Share of UMKM in Pamekasan and in the rest of Madura (the programme's home ground);
# the remainder spreads over the provinces by PROVINCE_WEIGHTS (others: DEFAULT_WEIGHT).
PAMEKASAN_SHARE = 0.12
MADURA_OTHER_SHARES = {"3526": 0.04, "3527": 0.04, "3529": 0.05}
PROVINCE_WEIGHTS = {
    "35": 14,
    "32": 12,
    "33": 11,
    "34": 4,
    "31": 4,
    "36": 4,
    "51": 4,
    "52": 3,
    "53": 3,
    "73": 4,
    "12": 4,
    "16": 2,
    "18": 2,
    "13": 2,
    "11": 2,
    "71": 2,
    "61": 2,
    "63": 2,
    "64": 2,
}
DEFAULT_WEIGHT = 0.7

# PP 7/2021 revenue bands, drawn log-uniformly with a margin inside each limit so rounding
# never moves a business across a boundary.
REVENUE_BANDS = ((5e7, 1.98e9), (2.05e9, 14.8e9), (15.2e9, 49.5e9))
SCALE_MIX = {0: (0.82, 0.15, 0.03), 1: (0.6, 0.3, 0.1), 2: (0.35, 0.4, 0.25)}
CERT_SCALE_BOOST = np.array([0.8, 1.3, 1.7])
EXPORT_SCALE_BOOST = np.array([0.6, 1.5, 2.5])
SECOND_PRODUCT_P = 0.35
SECOND_NEED_P = 0.45
STATED_NEEDED_KBLI_P = 0.45
PREFERRED_SCALE_P = 0.35
# Generic KBLI 2020 trade codes people register when unsure what they do: wholesale of
# many goods, minimarket retail, retail not in shops n.e.c.
GENERIC_TRADE_KBLI = np.array([46900, 47111, 47999])
LAT_RANGE, LON_RANGE = (-11.5, 6.5), (94.5, 141.5)


# --------------------------------------------------------------------------- geography


@dataclass(frozen=True)
class _Geography:
    """Reference provinces/regencies with a usable point for every regency."""

    prov_code: np.ndarray
    prov_name: np.ndarray
    prov_aliases: tuple[tuple[str, ...], ...]
    reg_code: np.ndarray
    reg_prov: np.ndarray
    reg_name: np.ndarray
    reg_bare: np.ndarray  # the name as people write it: "Pamekasan", "Jakarta Selatan"
    reg_bare_ok: np.ndarray  # the bare name is unambiguous in its province
    reg_lat: np.ndarray
    reg_lon: np.ndarray

    def regencies_in(self, prov_code: str) -> np.ndarray:
        return np.flatnonzero(self.reg_prov == prov_code)

    def reg_pos(self, codes) -> np.ndarray:
        return pd.Index(self.reg_code).get_indexer(np.asarray(codes))


@lru_cache(maxsize=1)
def _geography() -> _Geography:
    prov = reference.provinces()
    reg = reference.regencies()
    # Regencies without a shipped point get a fixed pseudo-seat near the provincial
    # capital (own seed: the map must not change with the world's seed).
    centre = prov.set_index("code").loc[reg["province_code"], ["lat", "lon"]].to_numpy()
    offset = np.random.default_rng(20_21).normal(0.0, 0.35, size=centre.shape)
    point = reg[["lat", "lon"]].to_numpy()
    point = np.where(np.isnan(point), centre + offset, point)
    bare = reg["code"].map(reference.regency_short_name)
    bare_ok = ~pd.Series(list(zip(reg["province_code"], bare))).duplicated(keep=False)
    return _Geography(
        prov_code=prov["code"].to_numpy(str),
        prov_name=prov["name"].to_numpy(str),
        prov_aliases=tuple(tuple(a for a in s.split(";") if a) for s in prov["aliases"]),
        reg_code=reg["code"].to_numpy(str),
        reg_prov=reg["province_code"].to_numpy(str),
        reg_name=reg["name"].to_numpy(str),
        reg_bare=bare.to_numpy(str),
        reg_bare_ok=bare_ok.to_numpy(),
        reg_lat=np.clip(point[:, 0], *LAT_RANGE),
        reg_lon=np.clip(point[:, 1], *LON_RANGE),
    )


def _regency_in_province(
    geo: _Geography, prov_codes: np.ndarray, rng: np.random.Generator, exclude: tuple[str, ...] = ()
) -> np.ndarray:
    """A uniformly drawn regency position for each province code (one draw per entity)."""
    out = np.empty(len(prov_codes), dtype=np.int64)
    for code in np.unique(prov_codes):
        rows = np.flatnonzero(prov_codes == code)
        cands = geo.regencies_in(code)
        cands = cands[~np.isin(geo.reg_code[cands], exclude)] if exclude else cands
        out[rows] = rng.choice(cands, size=len(rows))
    return out


def _points(
    geo: _Geography, reg_pos: np.ndarray, rng: np.random.Generator, spread_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    lat = geo.reg_lat[reg_pos] + rng.normal(0.0, spread_deg, len(reg_pos))
    lon = geo.reg_lon[reg_pos] + rng.normal(0.0, spread_deg, len(reg_pos))
    return np.clip(lat, *LAT_RANGE).round(5), np.clip(lon, *LON_RANGE).round(5)


def _province_cells(
    geo: _Geography, prov: np.ndarray, rng: np.random.Generator, official_share: float
) -> list[str]:
    """How people write provinces: official names mostly, else aliases, codes, case variants."""
    pos = pd.Index(geo.prov_code).get_indexer(prov)
    style = rng.random(len(prov))
    pick = rng.random(len(prov))
    rest = 1.0 - official_share
    cut = official_share + rest * np.cumsum([0.35, 0.2, 0.15, 0.15, 0.15])
    out = []
    for p, s, k in zip(pos, style, pick):
        name, aliases = geo.prov_name[p], geo.prov_aliases[p]
        if s < official_share:
            out.append(name)
        elif s < cut[0] and aliases:
            out.append(aliases[int(k * len(aliases))])
        elif s < cut[1]:
            out.append(geo.prov_code[p])
        elif s < cut[2]:
            out.append(name.upper())
        elif s < cut[3]:
            out.append(name.lower())
        else:
            out.append(f"Provinsi {name}")
    return out


def _regency_cells(
    geo: _Geography, reg_pos: np.ndarray, written: np.ndarray, rng: np.random.Generator
) -> list[str | None]:
    """Regency as written: canonical name, "Kab."/"Kota" short form, bare name, code."""
    style = rng.random(len(reg_pos))
    out: list[str | None] = []
    for r, w, s in zip(reg_pos, written, style):
        if not w:
            out.append(None)
            continue
        name = geo.reg_name[r]
        if s < 0.45:
            out.append(name)
        elif s < 0.65:
            out.append(name.replace("Kabupaten ", "Kab. "))
        elif s < 0.85 and geo.reg_bare_ok[r]:
            out.append(geo.reg_bare[r])
        else:
            out.append(geo.reg_code[r])
    return out


# --------------------------------------------------------------------------- helpers


def _related_concepts() -> list[np.ndarray]:
    """For each concept, the other concepts of its family or a related family."""
    fam = [c.family for c in CONCEPTS]
    linked = {(a, b) for a, b in RELATED_FAMILIES} | {(b, a) for a, b in RELATED_FAMILIES}
    return [
        np.array(
            [
                j
                for j in range(len(CONCEPTS))
                if j != i and (fam[j] == fam[i] or (fam[i], fam[j]) in linked)
            ],
            dtype=np.int64,
        )
        for i in range(len(CONCEPTS))
    ]


def _kbli_int(codes) -> list[int]:
    return [int(c) for c in codes]


@cache
def _siblings(code: int) -> tuple[int, ...]:
    """The other KBLI 2020 kelompok of ``code``'s subgolongan (real codes only)."""
    text = f"{code:05d}"
    table = reference.kbli_codes()
    return tuple(int(c) for c in table["code"] if c[:4] == text[:4] and c != text)


def _real_siblings(codes: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Each code replaced by a sibling picked by ``draws`` (itself when it has none)."""
    out = codes.copy()
    for i, (code, d) in enumerate(zip(codes, draws)):
        sib = _siblings(int(code))
        if sib:
            out[i] = sib[int(d) % len(sib)]
    return out


def _join_codes(rows: np.ndarray) -> np.ndarray:
    """Integer code rows (-1 padding) -> "10794;10799" cells ("" when a row is empty)."""
    text = np.char.zfill(rows.astype(str), 5)
    out = np.where(rows[:, 0] >= 0, text[:, 0], "")
    for j in range(1, rows.shape[1]):
        sep = np.where((out != "") & (rows[:, j] >= 0), ";", "")
        out = np.char.add(np.char.add(out, sep), np.where(rows[:, j] >= 0, text[:, j], ""))
    return out.astype(object)


def _bool_cells(values: np.ndarray, known: np.ndarray, rng: np.random.Generator) -> list:
    """Booleans in the accepted spellings: ya/tidak, true/false, 1/0, any case."""
    spell = {
        True: ("ya", "Ya", "true", "TRUE", "1"),
        False: ("tidak", "Tidak", "false", "FALSE", "0"),
    }
    style = rng.integers(0, 5, len(values))
    return [spell[bool(v)][s] if k else None for v, k, s in zip(values, known, style)]


# How offices write each certificate (matcher.data.certificates reads every one back to
# the same base token); the spelling is chosen by row position, not drawn, so the world's
# random draws and truth do not depend on it.
CERT_SPELLINGS = {
    "halal": ("halal", "Halal MUI", "Halal BPJPH", "sertifikat halal"),
    "pirt": ("pirt", "P-IRT", "SPP-IRT"),
    "bpom": ("bpom", "BPOM MD", "BPOM"),
    "sni": ("sni", "SNI"),
    "iso9001": ("iso9001", "ISO 9001:2015"),
    "haccp": ("haccp", "HACCP"),
    "svlk": ("svlk", "V-Legal", "SVLK"),
    "organik": ("organik", "Organik"),
}


def _cert_cells(masks: np.ndarray) -> np.ndarray:
    """Certificate bitmasks -> cells as offices write them ("Halal MUI; P-IRT", "halal,
    BPOM MD"; None when none held), the spelling varying with the row."""
    out = np.empty(len(masks), dtype=object)
    for i, m in enumerate(masks.tolist()):
        names = [
            CERT_SPELLINGS.get(c, (c,))[(i + k) % len(CERT_SPELLINGS.get(c, (c,)))]
            for k, (c, bit) in enumerate(CERT_BITS.items())
            if m & bit
        ]
        out[i] = ("; " if i % 3 else ", ").join(names) or None
    return out


def _money_cells(values: np.ndarray) -> np.ndarray:
    """Rupiah amounts (multiples of Rp100.000) as offices write them, by row position:
    plain digits, "12.500.000", "Rp 12,5 juta" or "Rp1,25 M" (all exact); None when unknown."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values.tolist()):
        if not np.isfinite(v):
            out[i] = None
        elif i % 4 == 0:
            out[i] = f"{v:.0f}"
        elif i % 4 == 1:
            out[i] = format_number(v, 0, "id")
        elif i % 4 == 2 or v < 1e9:
            out[i] = f"Rp {format_number(v / 1e6, 1, 'id', trim=True)} juta"
        else:
            out[i] = f"Rp{format_number(v / 1e9, 4, 'id', trim=True)} M"
    return out


def _loguniform(rng: np.random.Generator, low, high, size=None) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), size))


def _region_keys(geo: _Geography, reg_pos: np.ndarray) -> np.ndarray:
    """Affinity key per entity: "pamekasan", "madura" or the 2-digit province code."""
    codes = geo.reg_code[reg_pos]
    return np.where(
        codes == PAMEKASAN,
        "pamekasan",
        np.where(np.isin(codes, MADURA_OTHER), "madura", geo.reg_prov[reg_pos]),
    )


def _concept_probs(key: str) -> np.ndarray:
    w = np.empty(len(CONCEPTS))
    for i, c in enumerate(CONCEPTS):
        a = c.affinity.get(key)
        if a is None and key == "pamekasan":
            a = c.affinity.get("madura")
        w[i] = c.weight * (1.0 if a is None else a)
    return w / w.sum()


# --------------------------------------------------------------------------- UMKM


def make_umkm(
    n: int, rng: np.random.Generator, text: TextMaker, v: Variant | None = None
) -> tuple[pd.DataFrame, UmkmLatent]:
    v = v or Variant()
    geo = _geography()
    # Where: Pamekasan, the rest of Madura, then the provinces.
    prov_w = np.array([PROVINCE_WEIGHTS.get(c, DEFAULT_WEIGHT) for c in geo.prov_code])
    madura = {PAMEKASAN: PAMEKASAN_SHARE, **MADURA_OTHER_SHARES}
    rest = 1.0 - sum(madura.values())
    zone = rng.choice(len(madura) + 1, size=n, p=[*madura.values(), rest])
    reg_pos = np.empty(n, dtype=np.int64)
    for z, code in enumerate(madura):
        reg_pos[zone == z] = geo.reg_pos([code])[0]
    elsewhere = np.flatnonzero(zone == len(madura))
    provs = rng.choice(geo.prov_code, size=len(elsewhere), p=prov_w / prov_w.sum())
    reg_pos[elsewhere] = _regency_in_province(geo, provs, rng, exclude=tuple(madura))
    lat, lon = _points(geo, reg_pos, rng, spread_deg=0.05)
    province = geo.reg_prov[reg_pos]
    is_madura = np.isin(geo.reg_code[reg_pos], tuple(madura))

    # What: a primary concept by regional affinity, sometimes a related second product.
    keys = _region_keys(geo, reg_pos)
    concepts = np.full((n, 2), PAD_CONCEPT, dtype=np.int64)
    for key in np.unique(keys):
        rows = np.flatnonzero(keys == key)
        concepts[rows, 0] = rng.choice(len(CONCEPTS), size=len(rows), p=_concept_probs(key))
    related = _related_concepts()
    second = np.flatnonzero(rng.random(n) < SECOND_PRODUCT_P)
    near = rng.random(len(second)) < 0.65
    any_other = (concepts[second, 0] + rng.integers(1, len(CONCEPTS), len(second))) % len(CONCEPTS)
    for c in np.unique(concepts[second, 0]):
        rows = np.flatnonzero((concepts[second, 0] == c) & near)
        if len(related[c]):
            any_other[rows] = rng.choice(related[c], size=len(rows))
    concepts[second, 1] = any_other

    # KBLI as registered: the main code, sometimes a second code of the same concept and
    # the second product's code; sometimes a neighbouring class's code by mistake.
    kbli = np.full((n, 3), -1, dtype=np.int64)
    first_codes = np.array([int(c.kbli[0]) for c in CONCEPTS] + [-1])
    alt_codes = np.array([int(c.kbli[1]) if len(c.kbli) > 1 else -1 for c in CONCEPTS] + [-1])
    kbli[:, 0] = first_codes[concepts[:, 0]]
    kbli[:, 1] = np.where(rng.random(n) < 0.4, alt_codes[concepts[:, 0]], -1)
    kbli[:, 2] = first_codes[concepts[:, 1]]
    slip = rng.random(n)
    neighbour = slip < 0.08  # a code from a related concept (neighbouring class/group)
    rel_pick = np.array(
        [rng.choice(related[c]) if len(related[c]) else c for c in range(len(CONCEPTS))]
    )
    kbli[neighbour, 0] = first_codes[rel_pick[concepts[neighbour, 0]]]
    sibling = (slip >= 0.08) & (slip < 0.13)  # a sibling kelompok in the same subgolongan
    kbli[sibling, 0] = _real_siblings(kbli[sibling, 0], rng.integers(1, 10, sibling.sum()))
    for j in (1, 2):  # drop duplicates of an earlier column
        dup = (kbli[:, j] == kbli[:, 0]) | ((j == 2) & (kbli[:, 2] == kbli[:, 1]))
        kbli[dup, j] = -1
    # What the file shows (a variant only): no code at all, or an unrelated product's code
    # registered by mistake; the registered truth (``kbli``) stays what the business does.
    shown_kbli = kbli
    if v.umkm_kbli_unrelated_p or v.umkm_kbli_missing_p:
        shown_kbli = kbli.copy()
        other = (concepts[:, 0] + rng.integers(1, len(CONCEPTS), n)) % len(CONCEPTS)
        wrong = rng.random(n) < v.umkm_kbli_unrelated_p
        shown_kbli[wrong, 0] = first_codes[other[wrong]]
        # the contract requires a code: a business that does not know its own registers a
        # generic trade code (retail/wholesale of many goods), not its products'
        generic = rng.choice(GENERIC_TRADE_KBLI, size=n)
        vague = rng.random(n) < v.umkm_kbli_missing_p
        shown_kbli[vague] = -1
        shown_kbli[vague, 0] = generic[vague]

    # Size: PP 7/2021 class, revenue inside its band, capacity, staff, age.
    size = np.array([c.size for c in CONCEPTS])[concepts[:, 0]]
    scale = np.empty(n, dtype=np.int64)
    for s, mix in SCALE_MIX.items():
        rows = np.flatnonzero(size == s)
        scale[rows] = rng.choice(3, size=len(rows), p=mix)
    bands = np.array(REVENUE_BANDS)
    revenue = (_loguniform(rng, bands[scale, 0], bands[scale, 1]) / 1e5).round() * 1e5
    monthly_capacity = (revenue / 12 * rng.uniform(1.0, 1.8, n) / 1e5).round() * 1e5
    emp_median = np.array([3.0, 15.0, 60.0])[scale]
    employees = np.clip(
        np.round(emp_median * rng.lognormal(0.0, 0.5, n)),
        np.array([1, 5, 20])[scale],
        np.array([9, 49, 199])[scale],
    )
    age = np.clip(np.round(rng.lognormal(np.log(8.0), 0.7, n)) + 3 * scale, 1, 60)
    year_founded = 2025 - age
    profile = np.column_stack(
        [
            (age - age.mean()) / (age.std() + 1e-9),
            (np.log(employees) - np.log(employees).mean()) / (np.log(employees).std() + 1e-9),
        ]
    )

    # Certificates by product and size; export experience by product and size.
    certs = np.zeros(n, dtype=np.int64)
    for ci, c in enumerate(CONCEPTS):
        rows = np.flatnonzero(concepts[:, 0] == ci)
        for cert, p in c.held.items():
            holds = rng.random(len(rows)) < np.clip(p * CERT_SCALE_BOOST[scale[rows]], 0, 0.95)
            certs[rows[holds]] |= CERT_BITS[cert]
    export_p = np.array([c.export for c in CONCEPTS])[concepts[:, 0]] * EXPORT_SCALE_BOOST[scale]
    export = rng.random(n) < np.clip(export_p, 0.0, 0.9)

    latent = UmkmLatent(
        concepts=concepts,
        kbli=kbli,
        lat=lat,
        lon=lon,
        province=province,
        regency=geo.reg_code[reg_pos],
        scale=scale,
        monthly_capacity_idr=monthly_capacity,
        export=export,
        certs=certs,
        profile=profile,
    )

    # The files show only part of it.
    scale_known = rng.random(n) < 0.75
    revenue_known = rng.random(n) < 0.8
    has_nib = rng.random(n) < np.array([0.55, 0.8, 0.95])[scale]
    nib = rng.integers(10**11, 10**12, n)  # 12 random digits after a leading 9 or 1
    nib_lead = np.where(rng.random(n) < 0.8, 9, 1)
    regency_written = rng.random(n) < np.where(is_madura, 0.92, 0.72)
    coords_written = rng.random(n) < 0.4
    place = [name.split(" ", 1)[1] for name in geo.reg_name[reg_pos].tolist()]
    width = max(5, len(str(n)))
    second_concepts = [CONCEPTS[c] if c != PAD_CONCEPT else None for c in concepts[:, 1].tolist()]
    frame = pd.DataFrame(
        {
            "umkm_id": [f"UMKM-{i + 1:0{width}d}" for i in range(n)],
            "name": [
                text.umkm_name(CONCEPTS[c], p) for c, p in zip(concepts[:, 0].tolist(), place)
            ],
            "nib": [f"{lead}{x}" if h else None for lead, x, h in zip(nib_lead, nib, has_nib)],
            "kbli": _join_codes(shown_kbli),
            "products": [
                text.product_text(CONCEPTS[c1], c2, p, m, y)
                for c1, c2, p, m, y in zip(
                    concepts[:, 0].tolist(),
                    second_concepts,
                    place,
                    is_madura.tolist(),
                    year_founded.astype(int).tolist(),
                )
            ],
            "province": _province_cells(geo, province, rng, official_share=0.45),
            "regency": _regency_cells(geo, reg_pos, regency_written, rng),
            "lat": np.where(coords_written, lat, np.nan),
            "lon": np.where(coords_written, lon, np.nan),
            "scale": [SCALES[s] if k else None for s, k in zip(scale, scale_known)],
            "annual_revenue_idr": np.where(revenue_known, revenue, np.nan),
            "employees": pd.array(np.where(rng.random(n) < 0.85, employees, np.nan), dtype="Int64"),
            "monthly_capacity_idr": _money_cells(
                np.where(rng.random(n) < 0.8, monthly_capacity, np.nan)
            ),
            "certifications": _cert_cells(certs),
            "year_founded": pd.array(
                np.where(rng.random(n) < 0.85, year_founded, np.nan), dtype="Int64"
            ),
            "export_experience": _bool_cells(export, rng.random(n) < 0.75, rng),
        }
    )
    return frame, latent


# --------------------------------------------------------------------------- firms


def make_firms(
    m: int, rng: np.random.Generator, text: TextMaker, v: Variant | None = None
) -> tuple[pd.DataFrame, FirmLatent]:
    v = v or Variant()
    geo = _geography()
    arche_w = np.array([a.weight for a in ARCHETYPES])
    arche = rng.choice(len(ARCHETYPES), size=m, p=arche_w / arche_w.sum())
    is_pma = rng.random(m) < np.array([a.pma_share for a in ARCHETYPES])[arche]
    countries = np.array(list(PMA_COUNTRIES))
    cw = np.array(list(PMA_COUNTRIES.values()))
    country = np.where(is_pma, rng.choice(countries, size=m, p=cw / cw.sum()), "")

    needs = np.full((m, 2), PAD_CONCEPT, dtype=np.int64)
    site_key = np.empty(m, dtype=object)
    budget = np.empty(m)
    pref = np.full(m, -1, dtype=np.int64)
    required = np.zeros(m, dtype=np.int64)
    own_kbli = np.full((m, 2), -1, dtype=np.int64)
    for ai, a in enumerate(ARCHETYPES):
        rows = np.flatnonzero(arche == ai)
        if not len(rows):
            continue
        keys = list(a.needs)
        w = np.array(list(a.needs.values()))
        first = rng.choice(len(keys), size=len(rows), p=w / w.sum())
        # Second need: another of the archetype's needs (weights without the first).
        w2 = np.tile(w, (len(rows), 1))
        w2[np.arange(len(rows)), first] = 0.0
        cum = np.cumsum(w2, axis=1)
        second = (cum < rng.random(len(rows))[:, None] * cum[:, -1:]).sum(axis=1)
        has_second = (rng.random(len(rows)) < SECOND_NEED_P) & (len(keys) > 1)
        key_idx = np.array([CONCEPT_INDEX[k] for k in keys])
        needs[rows, 0] = key_idx[first]
        needs[rows[has_second], 1] = key_idx[second[has_second]]
        sites = list(a.sites)
        sw = np.array(list(a.sites.values()), dtype=float)
        site_key[rows] = rng.choice(np.array(sites, dtype=object), size=len(rows), p=sw / sw.sum())
        budget[rows] = _loguniform(rng, *a.budget_idr, size=len(rows))
        states = rng.random(len(rows)) < PREFERRED_SCALE_P
        pref[rows[states]] = rng.choice(3, size=states.sum(), p=a.scale_pref)
        codes = _kbli_int(a.kbli)
        own_kbli[rows, 0] = codes[0]
        if len(codes) > 1:
            pick = rng.choice(codes[1:], size=len(rows))
            own_kbli[rows, 1] = np.where(rng.random(len(rows)) < 0.5, pick, -1)
        # Required certificates: what buyers of the primary need demand, plus the archetype's.
        for ci in np.unique(needs[rows, 0]):
            sub = rows[needs[rows, 0] == ci]
            for cert, p in {**CONCEPTS[ci].buyer_requires, **a.extra_required}.items():
                required[sub[rng.random(len(sub)) < p]] |= CERT_BITS[cert]
    # Firm-wide requirements (a variant only): asked of every partner, whatever it supplies.
    for ai, a in enumerate(ARCHETYPES):
        rows = np.flatnonzero(arche == ai)
        for cert, p in v.firm_wide_required.get(a.key, {}).items():
            required[rows[rng.random(len(rows)) < p]] |= CERT_BITS[cert]
    budget = (budget * np.where(is_pma, 1.4, 1.0) / 1e6).round() * 1e6
    max_partners = rng.choice(np.arange(2, 9), size=m, p=[0.1, 0.2, 0.22, 0.18, 0.14, 0.1, 0.06])

    # Site: a named regency, or a random regency of the named province.
    site_key = site_key.astype(str)
    by_regency = np.char.str_len(site_key) == 4
    reg_pos = np.empty(m, dtype=np.int64)
    reg_pos[by_regency] = geo.reg_pos(site_key[by_regency])
    reg_pos[~by_regency] = _regency_in_province(geo, site_key[~by_regency], rng)
    lat, lon = _points(geo, reg_pos, rng, spread_deg=0.03)
    province = geo.reg_prov[reg_pos]

    need_codes = [_kbli_int(c.kbli) for c in CONCEPTS] + [[]]  # last: padding concept
    width = max(len(need_codes[a]) + len(need_codes[b]) for a, b in needs)
    need_kbli = np.full((m, width), -1, dtype=np.int64)
    for i, (a, b) in enumerate(needs):
        codes = list(dict.fromkeys(need_codes[a] + need_codes[b]))
        need_kbli[i, : len(codes)] = codes
    # Stated needed_kbli: the main code of each need (30%: every code of the needs).
    main_codes = np.array([int(c.kbli[0]) for c in CONCEPTS] + [-1])
    main = np.full_like(need_kbli, -1)
    main[:, 0] = main_codes[needs[:, 0]]
    if width > 1:
        main[:, 1] = np.where(main_codes[needs[:, 1]] != main[:, 0], main_codes[needs[:, 1]], -1)
    stated = np.where((rng.random(m) < 0.3)[:, None], need_kbli, main)
    stated[rng.random(m) >= v.stated_needed_kbli_p] = -1
    # The facilitators' rule reads the stated codes, else the firm's own activities.
    own = np.full_like(need_kbli, -1)
    k = min(2, width)
    own[:, :k] = own_kbli[:, :k]
    shown = np.where((stated >= 0).any(axis=1)[:, None], stated, own)

    latent = FirmLatent(
        archetype=arche,
        needs=needs,
        need_kbli=need_kbli,
        stated_kbli=shown,
        lat=lat,
        lon=lon,
        province=province,
        regency=geo.reg_code[reg_pos],
        required=required,
        preferred_scale=pref,
        budget_idr=budget,
        max_partners=max_partners,
        is_pma=is_pma,
        taste=rng.normal(0.0, TASTE_SD, size=(m, 2)),
    )

    lang_roll = rng.random(m)
    # PMA: 70 % English, 15 % mixed, 15 % Indonesian; PMDN: 75 % Indonesian, 15 % mixed.
    pma_lang = np.where(
        lang_roll < v.pma_lang[0], "en", np.where(lang_roll < v.pma_lang[1], "mixed", "id")
    )
    pmdn_lang = np.where(
        lang_roll < v.pmdn_lang[0], "id", np.where(lang_roll < v.pmdn_lang[1], "mixed", "en")
    )
    lang = np.where(is_pma, pma_lang, pmdn_lang)
    place = [geo.reg_name[r].split(" ", 1)[1] for r in reg_pos]
    required_names = [[c for c, bit in CERT_BITS.items() if r & bit] for r in required]
    # Most firms say in words what they require; the column is the formal statement.
    say_required = rng.random(m) < 0.7
    coords_written = rng.random(m) < 0.6
    width_id = max(4, len(str(m)))
    frame = pd.DataFrame(
        {
            "firm_id": [f"FIRM-{i + 1:0{width_id}d}" for i in range(m)],
            "name": [text.firm_name(ARCHETYPES[a], c or None) for a, c in zip(arche, country)],
            "investment_type": np.where(is_pma, "PMA", "PMDN"),
            "country": [c or None for c in country],
            "kbli": _join_codes(own_kbli),
            "needs": [
                text.needs_text(
                    [CONCEPTS[c] for c in row if c != PAD_CONCEPT],
                    lg,
                    ARCHETYPES[a],
                    p,
                    req if s else [],
                )
                for row, lg, a, p, req, s in zip(
                    needs, lang, arche, place, required_names, say_required
                )
            ],
            "needed_kbli": np.where(_join_codes(stated) == "", None, _join_codes(stated)),
            "province": _province_cells(geo, province, rng, official_share=0.7),
            "regency": _regency_cells(geo, reg_pos, rng.random(m) < 0.8, rng),
            "lat": np.where(coords_written, lat, np.nan),
            "lon": np.where(coords_written, lon, np.nan),
            "required_certifications": _cert_cells(required),
            "preferred_scale": [SCALES[p] if p >= 0 else None for p in pref],
            "budget_idr": np.where(rng.random(m) < 0.85, budget, np.nan),
            "max_partners": pd.array(max_partners, dtype="Int64"),
        }
    )
    return frame, latent


def check_sizes(n_umkm: int, n_firms: int) -> None:
    """User-facing size check (the CLI passes numbers straight through)."""
    if int(n_umkm) < 1 or int(n_firms) < 1:
        raise MatcherError(Message("cli.demo.too_small", umkm=n_umkm, firms=n_firms))


def _mess_text(texts: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Texts as badly kept spreadsheets hold them: cut after a few words (20 %), shouted
    (15 %), a letter dropped from a word (30 %)."""
    out = texts.astype(object).copy()
    cut, shout, typo = (rng.random(len(out)) for _ in range(3))
    pos = rng.random(len(out))
    for i, t in enumerate(out.tolist()):
        if not isinstance(t, str) or not t:
            continue
        words = t.split(" ")
        if cut[i] < 0.2:
            words = words[:3]
        if typo[i] < 0.3:
            k = int(pos[i] * len(words))
            w = words[k]
            if len(w) > 4:
                j = 1 + int(pos[i] * 997) % (len(w) - 2)
                words[k] = w[:j] + w[j + 1 :]
        t = " ".join(words)
        out.iat[i] = t.upper() if shout[i] < 0.15 else t
    return out


def _mess(world: World, rng: np.random.Generator) -> None:
    """Degrade the files (not the truth): texts, a third of the KBLI cells, coordinates and
    a quarter of the regencies."""
    for frame, text_col, code_cols in (
        (world.umkm, "products", ("kbli",)),
        (world.firms, "needs", ("kbli", "needed_kbli")),
    ):
        n = len(frame)
        frame[text_col] = _mess_text(frame[text_col], rng)
        for col in code_cols:  # UMKM must give a code: theirs becomes a generic trade code
            blank = rng.random(n) < 1 / 3
            fill = "46900" if col == "kbli" and frame is world.umkm else None
            frame[col] = frame[col].where(~blank, fill)
        keep = rng.random(n) >= 0.5
        frame["lat"] = frame["lat"].where(keep)
        frame["lon"] = frame["lon"].where(keep)
        frame["regency"] = frame["regency"].where(rng.random(n) >= 0.25, None)


def generate_world(
    n_umkm: int = 3000, n_firms: int = 300, seed: int = 0, world: str = "demo"
) -> World:
    """A reproducible world: same arguments, identical frames and truth.

    ``world`` picks the variant (:data:`matcher.demo.variants.WORLDS`): ``"demo"`` is the
    team's development world; ``"pasar"`` a second, differently built one; ``-messy`` the
    same world with degraded files.
    """
    check_sizes(n_umkm, n_firms)
    v = get_variant(world)
    r_umkm, r_firms, r_history, r_event, r_text = (
        np.random.default_rng(s)
        for s in np.random.SeedSequence([seed, 7] if v.name.startswith("pasar") else seed).spawn(5)
    )
    text_seeds = r_text.integers(2**63, size=2)
    umkm, latent_umkm = make_umkm(int(n_umkm), r_umkm, TextMaker(int(text_seeds[0]), v), v)
    firms, latent_firms = make_firms(int(n_firms), r_firms, TextMaker(int(text_seeds[1]), v), v)
    out = World(
        umkm=umkm,
        firms=firms,
        outcomes=pd.DataFrame(),
        event=pd.DataFrame(),
        seed=seed,
        latent_umkm=latent_umkm,
        latent_firms=latent_firms,
        variant=v.name,
    )
    out.outcomes = simulate_history(out, r_history)
    out.event = upcoming_event(out, r_event)
    if v.messy:
        _mess(out, np.random.default_rng([seed, 99]))
    return out
