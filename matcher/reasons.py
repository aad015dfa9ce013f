"""Reasons a facilitator can read out to both sides, in Bahasa Indonesia.

Built from a pair's actual feature values, ordered by how much each feature group moved
the score (see :meth:`matcher.ranking.MatchModel.contributions`): what fits first, then
what is missing (``kurang: ...``). Only the top-k rows of a recommendation are explained,
so the per-row string assembly here is not on the scoring path.
"""
from __future__ import annotations

from math import isnan

import numpy as np

from matcher.data import certificates
from matcher.data.schema import CERTIFICATIONS, SCALES
from matcher.features.pairs import FEATURE_GROUPS, FEATURE_NAMES
from matcher.features.text import glossary

_F = {n: i for i, n in enumerate(FEATURE_NAMES)}
_GROUPS = list(FEATURE_GROUPS)
CERT_LABEL = {c: certificates.label(c) for c in CERTIFICATIONS}
LEVEL_PHRASE = {5: "sama persis dengan", 4: "satu subgolongan dengan", 3: "satu golongan dengan",
                2: "satu golongan pokok dengan"}
MAX_ITEMS = 6
# thresholds as the float32 values the features and contributions are compared in
_F32_0_05, _F32_0_2 = float(np.float32(0.05)), float(np.float32(0.2))
GROUP_LABEL = {
    "salt": "garam", "tobacco": "tembakau", "textile": "tekstil", "garment": "pakaian",
    "leather": "produk kulit", "wood": "produk kayu", "craft": "kerajinan", "beverage": "minuman",
    "herbal": "herbal", "spice": "rempah", "food_processed": "makanan olahan",
    "food_snack": "makanan ringan", "fresh_produce": "hasil segar", "bakery": "roti dan kue",
    "crops": "hasil pertanian", "seafood": "hasil laut", "meat": "daging",
    "dairy_egg": "susu dan telur", "catering": "jasa boga", "agri_input": "sarana pertanian",
    "agriculture": "hasil pertanian", "livestock": "peternakan", "packaging": "kemasan",
    "paper": "kertas", "printing": "percetakan", "plastic": "plastik dan karet", "metal": "logam",
    "services_tech": "jasa teknik", "manufacturing": "manufaktur", "construction": "konstruksi",
    "services_local": "jasa setempat", "logistics": "logistik", "recycling": "daur ulang",
    "chemical": "kimia dan kosmetik", "energy": "energi", "digital": "jasa digital",
    "tourism": "pariwisata", "trade": "perdagangan", "health": "kesehatan",
}


def _rupiah(x: float) -> str:
    if x >= 1e9:
        return f"Rp {x / 1e9:.1f} miliar".replace(".", ",")
    return f"Rp {x / 1e6:.0f} juta"


def _matching_code(u_codes, f_codes, level: int) -> str | None:
    for a in u_codes:
        for b in f_codes:
            if a[:level] == b[:level]:
                return a
    return None


def explain_rows(X, contrib, U, F, u_idx, f_idx) -> list[str]:
    """One ``;``-separated reason string per row of ``X`` (pairs u_idx[i], f_idx[i]).

    Everything numeric is computed for all rows at once and handed to the per-row
    assembly as Python lists (indexing NumPy scalars one by one costs more than the
    strings themselves); the loop only chooses and formats phrases.
    """
    table = glossary()
    labels = table.concepts["label_id"].to_numpy()
    group_labels = [GROUP_LABEL.get(g, g) for g in table.groups]
    shared = U.text.concepts[u_idx].multiply(F.text.concepts[f_idx]).tocsr()
    shared_groups = U.text.groups[u_idx].multiply(F.text.groups[f_idx]).tocsr()
    held = U.certs[u_idx].tolist()
    req = F.certs[f_idx].tolist()
    rows = X.tolist()
    contribs = contrib.tolist()
    kms = np.expm1(X[:, _F["log_distance_km"]]).tolist()
    caps = (np.expm1(U.num["log_capacity_year"][u_idx]) / 12).tolist()
    u_kbli, f_kbli, f_needed = U.kbli_lists[u_idx], F.kbli_lists[f_idx], F.needed_lists[f_idx]
    f_word, f_char, f_need, f_lvl, f_own, f_aff = (
        _F[n] for n in ("word_cos", "char_cos", "n_need_concepts", "kbli_need_level",
                        "kbli_own_level", "aff_division"))
    f_reg, f_prov, f_pref, f_gap, f_ratio, f_pma = (
        _F[n] for n in ("same_regency", "same_province", "preferred_scale", "scale_gap",
                        "log_capacity_to_budget", "pma_x_export"))
    out = []
    for i, x in enumerate(rows):
        items: list[tuple[float, str]] = []  # (weight for ordering, text)
        missing: list[str] = []
        c = dict(zip(_GROUPS, contribs[i]))

        # products vs needs
        names = [labels[j] for j in shared.indices[shared.indptr[i] : shared.indptr[i + 1]]]
        groups = [group_labels[j] for j in shared_groups.indices[shared_groups.indptr[i] : shared_groups.indptr[i + 1]]]
        similar = max(x[f_word], x[f_char])
        if names:
            items.append((c["text"], "produk sesuai kebutuhan: " + ", ".join(names[:3])))
        elif groups:
            items.append((c["text"], "produk sejenis kebutuhan: " + ", ".join(groups[:2])))
        elif similar >= _F32_0_2:
            items.append((c["text"], f"deskripsi produk mirip kebutuhan ({similar:.2f})"))
        elif x[f_need] > 0:
            missing.append("produk belum jelas sesuai kebutuhan")

        # KBLI
        lvl = int(x[f_lvl])
        own = int(x[f_own])
        if lvl >= 2:
            code = _matching_code(u_kbli[i], f_needed[i], lvl) or ""
            items.append((c["kbli"], f"KBLI {code} {LEVEL_PHRASE[lvl]} kebutuhan"))
        elif own >= 3:
            code = _matching_code(u_kbli[i], f_kbli[i], own) or ""
            items.append((c["kbli"], f"KBLI {code} sebidang dengan usaha perusahaan"))
        elif x[f_aff] > _F32_0_05:
            items.append((c["kbli"], "bidang usaha sering bermitra dengan perusahaan sejenis"))
        elif lvl == 0:
            missing.append("KBLI tidak sesuai kebutuhan")

        # geography
        km = kms[i]
        where = "satu kabupaten/kota, " if x[f_reg] else ("satu provinsi, " if x[f_prov] else "")
        if c["geo"] < -_F32_0_05 and km > 300:
            missing.append(f"jarak jauh ({km:,.0f} km)".replace(",", "."))
        else:
            items.append((c["geo"], f"{where}jarak {km:,.0f} km".replace(",", ".")))

        # certificates
        if any(req[i]):
            for j, cert in enumerate(CERTIFICATIONS):
                if req[i][j]:
                    if held[i][j]:
                        items.append((c["cert"], f"sertifikat {CERT_LABEL[cert]} dimiliki"))
                    else:
                        missing.append(f"sertifikat {CERT_LABEL[cert]}")

        # scale and capacity
        pref = x[f_pref]
        if not isnan(pref):
            want = SCALES[int(pref) - 1]
            if x[f_gap] == 0:
                items.append((c["scale"], f"skala {want} sesuai preferensi"))
            elif not isnan(x[f_gap]):
                missing.append(f"perusahaan mencari skala {want}")
        ratio = x[f_ratio]
        if not isnan(ratio):
            if ratio < -1.0:
                missing.append(f"kapasitas {_rupiah(caps[i])}/bulan di bawah kebutuhan")
            elif c["capacity"] > 0:
                items.append((c["capacity"], f"kapasitas {_rupiah(caps[i])}/bulan memadai"))

        # type and history
        if x[f_pma] > 0:
            items.append((c["type"], "berpengalaman ekspor, cocok dengan mitra PMA"))
        if c["history"] > _F32_0_05:
            items.append((c["history"], "perusahaan aktif bermitra di acara sebelumnya"))

        items.sort(key=lambda t: -t[0])
        parts = [t for _, t in items[: MAX_ITEMS - min(len(missing), 2)]]
        if missing:
            parts.append("kurang: " + ", ".join(missing[:3]))
        out.append("; ".join(parts))
    return out
