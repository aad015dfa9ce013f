"""The data contract (``docs/data.md``) as code, and the canonical frames.

Loaders (:mod:`matcher.data.loaders`) turn a raw file into a *canonical frame*: a pandas
DataFrame with exactly the columns below (extra input columns are dropped after
validation), typed as stated, one row per entity, in file order. Everything downstream
(features, ranking, planning, the store) consumes canonical frames and nothing else.

Canonical UMKM frame (``UMKM_COLUMNS``)
    umkm_id str, name str, nib str|None, kbli tuple[str, ...] (KBLI 2020 codes of 3-5
    digits, leading zeros kept; 2025 codes arrive translated), products str, province str (official name, e.g. "Jawa Timur"),
    province_code str (2-digit Kemendagri), regency str|None (canonical name when known),
    regency_code str|None (4-digit), lat float, lon float (always filled: exact, else the
    regency's then the province's centroid), location_precision str ("exact", "regency",
    "province"), scale str|None ("mikro", "kecil", "menengah"; derived from
    annual_revenue_idr when absent), annual_revenue_idr float (NaN = unknown),
    employees float (NaN = unknown), monthly_capacity_idr float, certifications
    tuple[str, ...], year_founded float, export_experience float (1.0, 0.0, NaN = unknown),
    modal_usaha_idr float (business capital without land and buildings, NaN = unknown),
    nib_scale str|None (the scale printed on the NIB: mikro, kecil, menengah, besar),
    legal_form str|None (perorangan, cv, pt, koperasi, kub; read from the name's "PT"/"CV"/
    "UD"/"Koperasi"/"KUB" when the column is empty).

Canonical firm frame (``FIRM_COLUMNS``)
    firm_id str, name str, investment_type str ("PMA"|"PMDN"), country str|None,
    kbli tuple[str, ...], needs str, needed_kbli tuple[str, ...], province, province_code,
    regency, regency_code, lat, lon, location_precision as for UMKM,
    required_certifications tuple[str, ...], preferred_scale str|None, budget_idr float,
    max_partners int (default 3).

Canonical outcomes frame (``OUTCOME_COLUMNS``)
    umkm_id str, firm_id str, stage str, grade int (declined 0, meeting 1, mou_signed 2,
    contract_signed 3, realised 4; see :mod:`matcher.data.lifecycle`), contract_value_idr
    float, date datetime64[ns], event_id str|None, declined_by str|None, scheme str|None
    (a PP 7/2021 form), realised_value_idr float. For training, the same pair seen twice:
    the latest date wins (one row per pair); the store and the programme report keep every row.

Canonical follow-up frame (``FOLLOWUP_COLUMNS``)
    umkm_id str, firm_id str, status str ("on_track"|"stalled"|"ended"), office str|None
    (the responsible OPD), person str|None, next_step str|None, next_date datetime64[ns]
    (NaT = none), note str|None, date datetime64[ns] (when the follow-up was written).

Canonical event frame (``EVENT_COLUMNS``)
    party str ("umkm"|"firm"), id str, capacity int (default: the firm's max_partners,
    1 for a UMKM).
"""

from __future__ import annotations

# the outcome vocabularies have one owner (lifecycle); re-exported here with the contract
from matcher.data.lifecycle import (  # noqa: F401
    FOLLOWUP_STATUSES,
    SCHEMES,
    STAGE_GRADE,
    STAGES,
)

# Base certificate tokens, in feature order (the first eight are the original contract's).
# Cells may hold sub-typed tokens ("halal:self_declare", "bpom:md", "sni:3556"), any
# "iso<number>", and unknown items kept as written: see matcher.data.certificates and
# matcher/data/vocab/certificates.psv (aliases and sources).
CERTIFICATIONS = (
    "halal",
    "pirt",
    "bpom",
    "sni",
    "iso9001",
    "haccp",
    "svlk",
    "organik",
    "nkv",
    "cppob",
    "cpotb",
    "cpkb",
    "iso22000",
    "fssc22000",
    "iso14001",
    "slhs",
)
SCALES = ("mikro", "kecil", "menengah")
NIB_SCALES = ("mikro", "kecil", "menengah", "besar")  # the NIB may say "usaha besar"
LEGAL_FORMS = ("perorangan", "cv", "pt", "koperasi", "kub")
INVESTMENT_TYPES = ("PMA", "PMDN")

DECLINED_BY = ("umkm", "firm")
PARTIES = ("umkm", "firm")
DEFAULT_MAX_PARTNERS = 3
# An event participant's capacity (meetings) when the event does not say: a firm's
# max_partners, one meeting for a UMKM; at least MIN_CAPACITY when it does.
UMKM_CAPACITY = 1
MIN_CAPACITY = 1


def default_capacity(party: str, max_partners: int | None = None) -> int:
    """A participant's capacity when the event gives none (``max_partners``: the firm's,
    None when unknown; ignored for a UMKM). :func:`matcher.data.loaders.parse_event` applies
    the same rule to a whole event file."""
    if party == "umkm":
        return UMKM_CAPACITY
    return DEFAULT_MAX_PARTNERS if max_partners is None else int(max_partners)


# PP 7/2021 annual sales thresholds (rupiah): mikro <= 2 M, kecil <= 15 M, menengah <= 50 M.
SCALE_REVENUE_LIMITS = (("mikro", 2e9), ("kecil", 15e9), ("menengah", 50e9))
# PP 7/2021 business capital (modal usaha, without land and buildings): mikro <= 1 M,
# kecil <= 5 M, menengah <= 10 M.
SCALE_CAPITAL_LIMITS = (("mikro", 1e9), ("kecil", 5e9), ("menengah", 10e9))

# Words offices write for each vocabulary (folded: case, punctuation and spacing ignored).
_SCALE_WORDS = {
    "micro": "mikro",
    "usaha mikro": "mikro",
    "umi": "mikro",
    "small": "kecil",
    "usaha kecil": "kecil",
    "medium": "menengah",
    "usaha menengah": "menengah",
}
VOCABULARY_ALIASES: dict[tuple[str, ...], dict[str, str]] = {
    SCALES: _SCALE_WORDS,
    NIB_SCALES: {**_SCALE_WORDS, "large": "besar", "usaha besar": "besar"},
    INVESTMENT_TYPES: {
        "asing": "PMA",
        "modal asing": "PMA",
        "penanaman modal asing": "PMA",
        "foreign": "PMA",
        "fdi": "PMA",
        "dalam negeri": "PMDN",
        "modal dalam negeri": "PMDN",
        "penanaman modal dalam negeri": "PMDN",
        "domestik": "PMDN",
        "domestic": "PMDN",
    },
    PARTIES: {
        "perusahaan": "firm",
        "company": "firm",
        "investor": "firm",
        "pma": "firm",
        "pmdn": "firm",
        "pt": "firm",
        "industri besar": "firm",
        "ukm": "umkm",
        "umk": "umkm",
        "ikm": "umkm",
        "msme": "umkm",
        "sme": "umkm",
        "usaha": "umkm",
        "pelaku usaha": "umkm",
    },
    LEGAL_FORMS: {
        "perseorangan": "perorangan",
        "usaha perorangan": "perorangan",
        "pribadi": "perorangan",
        "individu": "perorangan",
        "individual": "perorangan",
        "ud": "perorangan",
        "usaha dagang": "perorangan",
        "pd": "perorangan",
        "perusahaan dagang": "perorangan",
        "sole proprietorship": "perorangan",
        "persekutuan komanditer": "cv",
        "commanditaire vennootschap": "cv",
        "perseroan terbatas": "pt",
        "pt perorangan": "pt",
        "pt perseorangan": "pt",
        "perseroan perorangan": "pt",
        "kop": "koperasi",
        "ksu": "koperasi",
        "ksp": "koperasi",
        "kud": "koperasi",
        "kopwan": "koperasi",
        "cooperative": "koperasi",
        "kelompok usaha bersama": "kub",
    },
}

UMKM_COLUMNS = (
    "umkm_id",
    "name",
    "nib",
    "kbli",
    "products",
    "province",
    "province_code",
    "regency",
    "regency_code",
    "lat",
    "lon",
    "location_precision",
    "scale",
    "annual_revenue_idr",
    "employees",
    "monthly_capacity_idr",
    "certifications",
    "year_founded",
    "export_experience",
    "modal_usaha_idr",
    "nib_scale",
    "legal_form",
)
FIRM_COLUMNS = (
    "firm_id",
    "name",
    "investment_type",
    "country",
    "kbli",
    "needs",
    "needed_kbli",
    "province",
    "province_code",
    "regency",
    "regency_code",
    "lat",
    "lon",
    "location_precision",
    "required_certifications",
    "preferred_scale",
    "budget_idr",
    "max_partners",
)
OUTCOME_COLUMNS = (
    "umkm_id",
    "firm_id",
    "stage",
    "grade",
    "contract_value_idr",
    "date",
    "event_id",
    "declined_by",
    "scheme",
    "realised_value_idr",
)
FOLLOWUP_COLUMNS = (
    "umkm_id",
    "firm_id",
    "status",
    "office",
    "person",
    "next_step",
    "next_date",
    "note",
    "date",
)
EVENT_COLUMNS = ("party", "id", "capacity")

KINDS = ("umkm", "firms", "outcomes", "event", "followups")
