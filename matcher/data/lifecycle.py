"""The partnership lifecycle's vocabularies: stages, PP 7/2021 schemes, follow-up statuses.

This module is their one owner. The loaders, the store, the API schemas, training and the
programme report all import the canonical words from here, and every surface that reads
what an office typed maps it through :func:`canonical`, so ``"MoU"``, ``"komitmen"`` and
``"mou_signed"`` are the same stage everywhere.

Stage ladder and relevance grades (training and evaluation)::

    declined 0 < meeting 1 < mou_signed 2 (commitment) < contract_signed 3 < realised 4

``realised`` is the first delivery / purchase order or a signed BAST (berita acara serah
terima): the partnership produced business, the best outcome a recommendation can have.
Schemes are the partnership forms of PP 7/2021 (Pasal 106 ff.).
"""

from __future__ import annotations

import re

import pandas as pd

STAGES = ("declined", "meeting", "mou_signed", "contract_signed", "realised")
STAGE_GRADE = {stage: grade for grade, stage in enumerate(STAGES)}
#: stages at or above which a pair counts as committed / contracted in reports
COMMITTED_GRADE = STAGE_GRADE["mou_signed"]
CONTRACTED_GRADE = STAGE_GRADE["contract_signed"]

SCHEMES = (
    "inti_plasma",
    "subkontrak",
    "waralaba",
    "perdagangan_umum",
    "distribusi_keagenan",
    "rantai_pasok",
    "bagi_hasil",
    "kerja_sama_operasional",
    "usaha_patungan",
    "penyumberluaran",
)
FOLLOWUP_STATUSES = ("on_track", "stalled", "ended")

# What offices write, after :func:`_key` (lower case, words separated by one space).
_STAGE_ALIASES = {
    "declined": (
        "ditolak",
        "tolak",
        "menolak",
        "batal",
        "tidak lanjut",
        "tidak jadi",
        "decline",
        "rejected",
        "reject",
    ),
    "meeting": (
        "pertemuan",
        "bertemu",
        "temu",
        "rapat",
        "meet",
        "met",
        "business matching",
        "temu bisnis",
    ),
    "mou_signed": (
        "mou",
        "mou signed",
        "mou ditandatangani",
        "tanda tangan mou",
        "komitmen",
        "commitment",
        "nota kesepahaman",
        "loi",
        "letter of intent",
    ),
    "contract_signed": (
        "contract",
        "contracted",
        "kontrak",
        "kontrak ditandatangani",
        "tanda tangan kontrak",
        "perjanjian",
        "perjanjian kerja sama",
        "pks",
        "signed contract",
        "contract signed",
    ),
    "realised": (
        "realized",
        "realisasi",
        "terealisasi",
        "direalisasikan",
        "bast",
        "po",
        "purchase order",
        "first delivery",
        "pengiriman pertama",
        "delivered",
    ),
}
_SCHEME_ALIASES = {
    "inti_plasma": ("inti plasma", "plasma", "nucleus plasma"),
    "subkontrak": ("sub kontrak", "subcontract", "subcontracting", "sub contract"),
    "waralaba": ("franchise", "franchising"),
    "perdagangan_umum": ("perdagangan", "general trade", "trade", "perdagangan umum"),
    "distribusi_keagenan": (
        "distribusi dan keagenan",
        "distribusi keagenan",
        "distribusi",
        "keagenan",
        "agen",
        "distribution",
        "agency",
        "distribution and agency",
    ),
    "rantai_pasok": ("rantai pasok", "supply chain", "pemasok", "supplier"),
    "bagi_hasil": ("bagi hasil", "profit sharing", "revenue sharing"),
    "kerja_sama_operasional": (
        "kerja sama operasional",
        "kerjasama operasional",
        "kso",
        "joint operation",
        "operational cooperation",
    ),
    "usaha_patungan": ("usaha patungan", "patungan", "joint venture", "jv"),
    "penyumberluaran": ("penyumber luaran", "outsourcing", "alih daya", "outsource"),
}
_STATUS_ALIASES = {
    "on_track": (
        "on track",
        "lancar",
        "berjalan",
        "berjalan baik",
        "sesuai rencana",
        "ok",
        "baik",
        "aktif",
        "progres",
        "progress",
    ),
    "stalled": (
        "macet",
        "mandek",
        "tertunda",
        "terhambat",
        "terhenti",
        "stuck",
        "delayed",
        "stall",
        "perlu tindak lanjut",
    ),
    "ended": ("selesai", "berakhir", "ditutup", "dihentikan", "end", "closed", "finished", "tutup"),
}

VOCABULARIES = {"stage": STAGES, "scheme": SCHEMES, "status": FOLLOWUP_STATUSES}
_ALIASES = {"stage": _STAGE_ALIASES, "scheme": _SCHEME_ALIASES, "status": _STATUS_ALIASES}


def _key(value: str) -> str:
    """``"Inti-Plasma"`` → ``"inti plasma"``: lower case, punctuation and ``_`` as spaces."""
    return re.sub(r"[^0-9a-z]+", " ", str(value).lower()).strip()


def _lookup(kind: str) -> dict[str, str]:
    table = {_key(word): word for word in VOCABULARIES[kind]}
    for word, aliases in _ALIASES[kind].items():
        table.update({_key(a): word for a in aliases})
    return table


_LOOKUP = {kind: _lookup(kind) for kind in VOCABULARIES}


def canonical(kind: str, values: pd.Series) -> pd.Series:
    """Each value's canonical word of vocabulary ``kind`` (``stage``, ``scheme``, ``status``);
    None where it is empty or not recognised (the caller reports those)."""
    table = _LOOKUP[kind]
    return values.astype(str).map(_key).map(table).astype(object).where(lambda s: s.notna(), None)


def canonical_value(kind: str, value: str | None) -> str | None:
    """One value's canonical word, None when not recognised."""
    if value is None:
        return None
    return _LOOKUP[kind].get(_key(value))


def describe(kind: str) -> str:
    """The accepted words of ``kind``, for error messages."""
    return ", ".join(VOCABULARIES[kind])
