"""Free text of the demo world: product descriptions, firm needs and business names.

Phrasing is deliberately varied (synonyms, word order, filler such as "produksi" or "home
industry", brand-ish words, spelling variants and typos, Indonesian, English and mixed) so
that exact string matching between a UMKM's products and a firm's needs is not enough and
a ranker has to understand the words.

Text is assembled one entity at a time (that is all string work; every number was drawn
vectorised before), with a ``random.Random`` seeded from the world's generator, which keeps
100,000 profiles at well under a second.
"""

from __future__ import annotations

import random

from matcher.demo.catalogue import (
    COUNTRY_NAME_WORDS,
    FAMILY_TERMS,
    PMDN_NAME_WORDS,
    UMKM_NAME_WORDS,
    UMKM_PREFIXES,
    Archetype,
    Concept,
)
from matcher.demo.variants import ABBREVIATIONS, EXTRA_TERMS, Variant

# Common spelling variants (Indonesian writers use them interchangeably).
SPELLING_VARIANTS = {
    "keripik": "kripik",
    "kerupuk": "krupuk",
    "katering": "ketering",
    "tembakau": "tembako",
    "sambal": "sambel",
    "mebel": "meubel",
    "souvenir": "suvenir",
    "furnitur": "furniture",
    "batik": "bathik",
    "kue": "kueh",
    "sayuran": "sayur mayur",
    "rotan": "rottan",
    "jamu": "jamoe",
    "garam": "uyah",
    "konveksi": "konfeksi",
}
CERT_LABELS = {
    "halal": ("halal", "Halal MUI"),
    "pirt": ("PIRT", "P-IRT"),
    "bpom": ("BPOM", "BPOM MD"),
    "sni": ("SNI",),
    "iso9001": ("ISO 9001", "ISO 9001:2015"),
    "haccp": ("HACCP",),
    "svlk": ("SVLK", "V-Legal"),
    "organik": ("organik", "organic"),
}
MODIFIERS_ID = (
    "kualitas ekspor",
    "premium",
    "grosir dan eceran",
    "harga pabrik",
    "asli {place}",
    "khas {place}",
    "pesanan partai besar",
    'merek "{brand}"',
)
FOOD_MODIFIERS_ID = ("tanpa pengawet", "rumahan", "higienis", "aneka rasa")
MADURA_MODIFIERS_ID = ("khas Madura", "asli Madura")
MODIFIERS_EN = (
    "export quality",
    "premium grade",
    "wholesale",
    "handmade",
    "from {place}",
    "custom orders welcome",
)
JOINERS_ID = (" dan ", ", ", "; ", ", juga ")
JOINERS_EN = (" and ", ", ", " & ", "; also ")
PRODUCT_TEMPLATES_EN = (
    "We produce {t1}{t2}, {mod_en}",
    "{t1} {maker} from {place}{t2}",
    "Supplier of {t1}{t2}",
    "{t1}{t2}",
)
PRODUCT_TEMPLATES_MIXED = (
    "Produksi {t1} / {t1en}{t2}, {mod_en}",
    "{t1} {mod}, ready stock{t2}",
    "Home industry {t1}{t2}, bisa kirim luar kota",
)
PRODUCT_TEMPLATES_SHORT = ("{t1}{t2}", "{t1}, {t1b}{t2}", "{t1} {mod}{t2}")
PRODUCT_TEMPLATE_LONG = "Kami memproduksi {t1} {mod} sejak {year}.{t2long}"
PRODUCT_CLOSINGS = (
    " Melayani pesanan partai besar dan reseller.",
    " Pengiriman ke seluruh Indonesia.",
    " Bahan baku dari petani dan nelayan sekitar.",
    " Dikerjakan oleh ibu-ibu di desa kami.",
    " Sudah dipasarkan ke toko oleh-oleh dan minimarket.",
)
SERVICE_LEADS = ("Jasa", "Layanan", "Penyedia")
CRAFT_LEADS = ("Pengrajin", "Produksi", "Sentra")
FOOD_LEADS = ("Produksi", "Usaha", "Home industry", "Jual", "Olahan")
GOODS_LEADS = ("Produksi", "Usaha", "Jual", "Supplier")
SERVICE_FAMILIES = {"food_service", "service", "logistics", "creative"}
CRAFT_FAMILIES = {"craft", "textile", "furniture", "leather"}
FOOD_FAMILIES = {
    "snack",
    "seasoning",
    "fish",
    "meat",
    "beverage",
    "plantation",
    "coconut",
    "spice",
    "salt",
    "staple",
    "fresh",
}


class TextMaker:
    """Draws names and descriptions; one instance per world keeps output reproducible."""

    def __init__(self, seed: int, variant: Variant | None = None):
        self.r = random.Random(seed)
        self.v = variant or Variant()

    # ------------------------------------------------------------------ helpers
    def _pick(self, options):
        return options[int(self.r.random() * len(options))]

    def _term(self, concept: Concept, lang: str) -> str:
        # extra draws only in a variant that has extra words: the demo's stream is unchanged
        if (
            self.v.extra_term_p
            and concept.key in EXTRA_TERMS
            and self.r.random() < self.v.extra_term_p
        ):
            return self._pick(EXTRA_TERMS[concept.key][1 if lang == "en" else 0])
        return self._pick(concept.en_terms if lang == "en" else concept.id_terms)

    def _noisy(self, text: str) -> str:
        """Spelling variants (15%) and a random typo in one word (8%)."""
        r, v = self.r, self.v
        words = text.split(" ")
        if r.random() < v.spelling_p:
            words = [SPELLING_VARIANTS.get(w, w) for w in words]
        if v.abbreviate_p and r.random() < v.abbreviate_p:
            words = [ABBREVIATIONS.get(w, w) for w in words]
        if r.random() < v.typo_p:
            i = r.randrange(len(words))
            w = words[i]
            if len(w) > 4 and w.isalpha():
                j = r.randrange(1, len(w) - 1)
                op = r.randrange(3)
                if op == 0:
                    w = w[:j] + w[j + 1 :]  # dropped letter
                elif op == 1:
                    w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]  # swapped letters
                else:
                    w = w[:j] + w[j] + w[j:]  # doubled letter
                words[i] = w
        return " ".join(words)

    def _case(self, text: str) -> str:
        roll = self.r.random()
        if roll < 0.08:
            return text.upper()
        if roll < 0.2:
            return text.lower()
        if roll < 0.35:
            return text.title()
        return text[:1].upper() + text[1:]

    # ------------------------------------------------------------------ UMKM
    def product_text(
        self, primary: Concept, secondary: Concept | None, place: str, madura: bool, year: int
    ) -> str:
        """What a UMKM writes in its `products` cell."""
        pick, roll = self._pick, self.r.random()
        en, mixed = self.v.umkm_en_p, self.v.umkm_en_p + self.v.umkm_mixed_p
        lang = "en" if roll < en else ("mixed" if roll < mixed else "id")
        family = primary.family
        food = family in FOOD_FAMILIES
        mod = pick(
            MODIFIERS_ID
            + (FOOD_MODIFIERS_ID if food else ())
            + (MADURA_MODIFIERS_ID if madura else ())
        )
        values = {
            "t1": self._term(primary, "en" if lang == "en" else "id"),
            "place": place,
            "year": year,
            "mod": mod.format(place=place, brand=pick(UMKM_NAME_WORDS)),
            "t2": "",
            "t2long": "",
            "maker": "provider" if family in SERVICE_FAMILIES else "producer",
        }
        if secondary is not None:
            t2 = self._term(secondary, "en" if lang == "en" else "id")
            values["t2"] = pick(JOINERS_EN if lang == "en" else JOINERS_ID) + t2
            values["t2long"] = f" Produk lain: {t2}."
        if lang == "en":
            template = pick(PRODUCT_TEMPLATES_EN)
        elif lang == "mixed":
            template = pick(PRODUCT_TEMPLATES_MIXED)
        else:
            length = self.r.random()
            if length < 0.35:
                template = pick(PRODUCT_TEMPLATES_SHORT)
            elif length < 0.8:
                leads = (
                    SERVICE_LEADS
                    if family in SERVICE_FAMILIES
                    else CRAFT_LEADS
                    if family in CRAFT_FAMILIES
                    else FOOD_LEADS
                    if food
                    else GOODS_LEADS
                )
                lead = pick(leads)
                # "Jasa jasa kebersihan": skip a lead the term already starts with.
                skip = values["t1"].lower().startswith(lead.lower())
                template = ("" if skip else lead + " ") + "{t1} {mod}{t2}"
            else:
                template = PRODUCT_TEMPLATE_LONG + pick(PRODUCT_CLOSINGS)
        if "{t1b}" in template:
            values["t1b"] = self._term(primary, "id")
            if values["t1b"] == values["t1"]:  # no "garam tambak, garam tambak"
                template = template.replace(", {t1b}", "")
        if "{t1en}" in template:
            values["t1en"] = self._term(primary, "en")
        if "{mod_en}" in template:
            values["mod_en"] = pick(MODIFIERS_EN).format(place=place)
        return self._case(self._noisy(template.format(**values)))

    def umkm_name(self, concept: Concept, place: str) -> str:
        r = self.r
        prefix = self._pick(UMKM_PREFIXES)
        word = self._pick(UMKM_NAME_WORDS)
        roll = r.random()
        if roll < 0.35:
            core = f"{self._pick(concept.id_terms).title()} {word}"
        elif roll < 0.5:
            core = f"{word} {place}"
        else:
            core = word
        return f"{prefix} {core}".strip()

    # ------------------------------------------------------------------ firms
    def firm_name(self, archetype: Archetype, country: str | None) -> str:
        sector = self._pick(archetype.name_words)
        if country:
            stem = self._pick(COUNTRY_NAME_WORDS.get(country, ("Global",)))
            return f"PT {stem} {sector} Indonesia"
        a, b = self.r.sample(PMDN_NAME_WORDS, 2)
        tbk = " Tbk" if self.r.random() < 0.1 else ""
        return f"PT {a} {b} {sector}{tbk}"

    def _need_phrase(self, concept: Concept, lang: str) -> str:
        """The firm's words for one need: the concept's own term, or 25% its family's."""
        if self.r.random() < self.v.family_term_p:
            ids, ens = FAMILY_TERMS[concept.family]
            return self._pick(ens if lang == "en" else ids)
        return self._term(concept, lang)

    def needs_text(
        self, needs: list[Concept], lang: str, archetype: Archetype, place: str, required: list[str]
    ) -> str:
        """What a firm writes in its `needs` cell; ``lang`` is "en", "id" or "mixed"."""
        term_lang = "en" if lang in ("en", "mixed") else "id"
        sentence_lang = "en" if lang == "en" else "id"
        phrases = [self._need_phrase(c, term_lang) for c in needs]
        joiner = " and " if sentence_lang == "en" else " dan "
        p = joiner.join(phrases) if self.r.random() < 0.6 else phrases[0]
        rest = phrases[1:] if p == phrases[0] else []
        if sentence_lang == "en":
            parts = [
                self._pick(
                    [
                        f"Looking for suppliers of {p} for our {archetype.site_en} in {place}.",
                        f"We are seeking UMKM partners to supply {p} on a regular basis.",
                        f"Supplier of {p} needed for {archetype.site_en} operations.",
                        f"Subcontractor for {p}; long-term partnership possible.",
                        f"Sourcing {p} from local SMEs around {place}.",
                        f"{p[:1].upper() + p[1:]} - regular monthly orders.",
                    ]
                )
            ]
            parts += [f"Also need {q}." for q in rest]
            if required:
                certs = ", ".join(self._pick(CERT_LABELS[c]) for c in required)
                parts.append(
                    self._pick(
                        [
                            f"Partners must hold {certs} certification.",
                            f"{certs} required.",
                            f"Must have {certs}.",
                        ]
                    )
                )
            extras = [
                "Payment within 30 days.",
                "Part of our CSR programme for local SMEs.",
                "Samples required before the first PO.",
                "Consistent quality is a must.",
            ]
        else:
            parts = [
                self._pick(
                    [
                        f"Mencari pemasok {p} untuk {archetype.site_id} kami di {place}.",
                        f"Butuh mitra UMKM penyedia {p} secara rutin.",
                        f"Dicari supplier {p} untuk kebutuhan {archetype.site_id}.",
                        f"Kemitraan pengadaan {p}, kontrak jangka panjang.",
                        f"Membuka peluang kerja sama dengan UMKM: {p}.",
                        f"Kebutuhan {p} untuk {archetype.site_id} di {place}.",
                    ]
                )
            ]
            parts += [f"Juga membutuhkan {q}." for q in rest]
            if required:
                certs = ", ".join(self._pick(CERT_LABELS[c]) for c in required)
                parts.append(
                    self._pick(
                        [
                            f"Wajib memiliki sertifikat {certs}.",
                            f"Syarat: {certs}.",
                            f"Harus sudah {certs}.",
                        ]
                    )
                )
            extras = [
                "Pembayaran tempo 30 hari.",
                "Bagian dari program kemitraan/CSR.",
                "Sampel produk diperlukan sebelum PO.",
                "Kualitas harus konsisten.",
            ]
        if self.r.random() < 0.4:
            parts.append(self._pick(extras))
        return self._noisy(" ".join(parts))
