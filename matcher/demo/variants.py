"""World variants: the default demo world and a second, differently built one.

Quality must not be judged only on the world our features were tuned against. The second
world (``"pasar"``) keeps the demo's economy (the same product concepts with their real
KBLI 2020 codes, the same firm archetypes and regions) but changes every knob that features
and training might have fitted to:

* **words** — an extra vocabulary per concept that the demo never writes (regional and
  trade words: "londri", "onderdil", "gula batok", "plantain chips"), more English needs
  (PMA 85 %, PMDN 30 %), more English product texts, heavier spelling noise (typos in a
  third of texts, chat abbreviations "utk", "dgn", "yg", "&") and buyers naming a whole
  family ("bahan makanan segar") half the time;
* **codes** — only 12 % of firms fill ``needed_kbli`` (the demo: 45 %), 20 % of UMKM give
  no KBLI, and 12 % give a code of an unrelated product;
* **locality** — its own table by product family (services and building materials are
  bought within tens of km, processed food travels further than in the demo, fresh produce
  a little further, crafts anywhere);
* **certificates** — a firm's requirement is firm-wide (hotels, mines and plants demand
  halal or ISO 9001 of everyone they list), but it matters only for the products it applies
  to (halal for food, drink, catering and cosmetics; SVLK for wood ...), with a milder
  penalty (0.3, demo 0.08) where it does apply;
* **history** — facilitators proposed mostly within the firm's province (60 %; demo 35 %)
  and less by KBLI code (20 %; demo 50 %).

``messy`` (either world, ``"demo-messy"``/``"pasar-messy"``) is the same world and truth
with the files degraded the way office spreadsheets are: texts cut short or upper-cased,
extra typos, a third of the KBLI cells emptied and some coordinates and provinces dropped.

The variant tables are private to the generator, like the catalogue: feature code must not
import them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WORLDS = ("demo", "demo-messy", "pasar", "pasar-messy")


@dataclass(frozen=True)
class Variant:
    """Knobs of one world; the defaults are the demo world's (its output is unchanged)."""

    name: str = "demo"
    # text
    umkm_en_p: float = 0.1
    umkm_mixed_p: float = 0.1
    spelling_p: float = 0.15
    typo_p: float = 0.08
    family_term_p: float = 0.25
    extra_term_p: float = 0.0
    abbreviate_p: float = 0.0
    pma_lang: tuple[float, float] = (0.7, 0.85)  # cumulative: en, mixed (rest id)
    pmdn_lang: tuple[float, float] = (0.75, 0.9)  # cumulative: id, mixed (rest en)
    # codes
    stated_needed_kbli_p: float = 0.45
    umkm_kbli_missing_p: float = 0.0
    umkm_kbli_unrelated_p: float = 0.0
    # locality by family: (strength, km) overriding the concept's own; {} keeps them
    locality: dict = field(default_factory=dict)
    # certificates
    cert_applies: dict | None = None  # cert -> families it applies to; None: every pair
    missing_cert_factor: float = 0.08
    firm_wide_required: dict = field(default_factory=dict)  # archetype -> {cert: p}
    # history
    rule_modes: tuple[float, float, float] = (0.5, 0.35, 0.15)
    messy: bool = False


FOOD = (
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
    "food_service",
)

PASAR = Variant(
    name="pasar",
    umkm_en_p=0.2,
    umkm_mixed_p=0.15,
    spelling_p=0.35,
    typo_p=0.3,
    family_term_p=0.45,
    extra_term_p=0.5,
    abbreviate_p=0.5,
    pma_lang=(0.85, 0.95),
    pmdn_lang=(0.5, 0.7),
    stated_needed_kbli_p=0.12,
    umkm_kbli_missing_p=0.2,
    umkm_kbli_unrelated_p=0.12,
    locality={
        "fresh": (0.9, 150.0),
        "meat": (0.85, 150.0),
        "fish": (0.7, 250.0),
        "food_service": (1.0, 25.0),
        "service": (1.0, 25.0),
        "logistics": (0.9, 60.0),
        "construction": (0.95, 60.0),
        "printing": (0.8, 80.0),
        "packaging": (0.7, 200.0),
        "snack": (0.2, 900.0),
        "seasoning": (0.2, 900.0),
        "beverage": (0.3, 700.0),
        "staple": (0.5, 400.0),
        "agri_input": (0.7, 200.0),
        "metal": (0.5, 300.0),
        "plantation": (0.2, 1500.0),
        "coconut": (0.25, 1200.0),
        "spice": (0.15, 1500.0),
        "salt": (0.5, 500.0),
        "tobacco": (0.3, 800.0),
        "garment": (0.25, 1000.0),
        "textile": (0.05, 3000.0),
        "craft": (0.05, 3000.0),
        "furniture": (0.2, 2000.0),
        "leather": (0.1, 2500.0),
        "herbal": (0.2, 1200.0),
        "creative": (0.05, 3000.0),
    },
    cert_applies={
        "halal": FOOD + ("herbal",),
        "pirt": FOOD[:-1],
        "bpom": ("snack", "seasoning", "fish", "meat", "beverage", "herbal"),
        "haccp": ("fish", "meat", "food_service", "snack", "seasoning", "beverage"),
        "svlk": ("furniture", "craft", "construction"),
        "sni": ("salt", "construction", "metal", "packaging"),
        "iso9001": ("metal", "packaging", "garment", "printing", "logistics", "service"),
        "organik": ("plantation", "fresh", "staple", "coconut", "spice"),
    },
    missing_cert_factor=0.3,
    firm_wide_required={
        "hotel_resort": {"halal": 0.6},
        "mining_energy": {"halal": 0.5, "iso9001": 0.3},
        "manufacturing_plant": {"iso9001": 0.5, "halal": 0.3},
        "corporate_csr": {"halal": 0.3},
        "retail_chain": {"halal": 0.7, "bpom": 0.4},
        "cafe_chain": {"halal": 0.6},
        "food_manufacturer": {"halal": 0.7, "haccp": 0.3},
        "construction_property": {"iso9001": 0.3},
    },
    rule_modes=(0.2, 0.6, 0.2),
)

# Words the demo never writes (regional, trade and everyday terms), by concept key.
EXTRA_TERMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "kerupuk": (("kerupuk bawang", "krupuk kulit", "kerupuk rambak"), ("shrimp chips",)),
    "keripik": (
        ("keripik kentang", "sale pisang", "keripik usus"),
        ("potato chips", "plantain chips"),
    ),
    "kue": (("kue bangkit", "roti manis", "kue pia", "lapis legit"), ("baked goods", "layer cake")),
    "sambal": (("sambal pecel", "bumbu rujak", "saus cabai"), ("chilli paste", "hot sauce")),
    "olahan_ikan": (
        ("ikan pindang", "teri nasi", "ikan teri kering"),
        ("anchovies", "preserved fish"),
    ),
    "frozen_food": (
        ("pempek beku", "otak-otak", "makanan beku"),
        ("frozen dumplings", "frozen snacks"),
    ),
    "minuman": (
        ("sirup markisa", "minuman rempah", "susu kedelai"),
        ("bottled drinks", "soft drinks"),
    ),
    "kopi": (("kopi luwak", "kopi tubruk", "bubuk kopi"), ("coffee grounds", "specialty coffee")),
    "gula_kelapa": (("gula batok", "gula siwalan"), ("jaggery", "palm sugar blocks")),
    "olahan_kelapa": (("santan", "cocopeat", "minyak klentik"), ("coconut milk", "coir")),
    "madu": (("madu lebah", "madu kelulut"), ("bee honey",)),
    "rempah": (("kapulaga", "vanili", "serai"), ("cardamom", "vanilla", "lemongrass")),
    "garam": (("garam dapur", "garam meja"), ("cooking salt",)),
    "tembakau": (("tembakau rajang", "tembakau virginia"), ("leaf tobacco",)),
    "beras": (("beras pulen", "beras premium", "jagung"), ("milled rice", "corn")),
    "sayur_buah": (
        ("bawang putih", "kentang", "sayur organik", "buah-buahan"),
        ("vegetables", "potatoes", "garlic"),
    ),
    "ikan_segar": (("ikan tongkol", "lobster", "kerang"), ("tuna", "shellfish")),
    "rumput_laut": (("rumput laut cottonii", "gracilaria"), ("cottonii seaweed",)),
    "daging_telur": (
        ("ayam kampung", "daging kambing", "telur bebek"),
        ("chicken meat", "goat meat", "duck eggs"),
    ),
    "catering": (("nasi box", "prasmanan", "dapur umum"), ("canteen", "meal catering")),
    "laundry": (("londri", "cuci setrika", "dry cleaning"), ("washing service",)),
    "kebersihan": (
        ("jasa cleaning", "petugas kebersihan", "pest control"),
        ("housekeeping", "office cleaning"),
    ),
    "angkutan": (
        ("jasa kurir", "rental mobil", "angkutan barang"),
        ("transport", "courier", "freight"),
    ),
    "desain": (("desain logo", "video promosi", "jasa foto"), ("branding", "video production")),
    "batik": (("batik printing", "batik kontemporer"), ("batik textiles", "batik shirts")),
    "tenun": (("kain ulos", "tenun lurik", "kain songket"), ("woven cloth", "handloom fabric")),
    "konveksi": (
        ("jahitan", "seragam sekolah", "kaos polo"),
        ("tailoring", "uniforms", "polo shirts"),
    ),
    "kulit": (("ikat pinggang kulit", "jaket kulit"), ("leather belts", "leather jackets")),
    "anyaman": (
        ("anyaman mendong", "anyaman eceng gondok", "besek"),
        ("wicker baskets", "water hyacinth crafts"),
    ),
    "ukiran": (("ukiran jepara", "patung"), ("woodcarving", "carved panels")),
    "furnitur": (("meubelair", "dipan", "kursi jati"), ("furnishings", "cabinets")),
    "gerabah": (("tembikar", "guci", "vas keramik"), ("terracotta", "stoneware")),
    "souvenir": (("gantungan kunci", "plakat", "hampers"), ("gift items", "keychains", "plaques")),
    "jamu": (("jamu beras kencur", "kunyit asam", "herbal"), ("herbal tonic", "jamu drinks")),
    "kosmetik": (
        ("sabun alami", "minyak urut", "masker wajah"),
        ("natural soap", "skincare", "massage oil"),
    ),
    "kemasan": (
        ("dus", "kardus", "plastik kemasan", "box makanan"),
        ("boxes", "packaging materials"),
    ),
    "percetakan": (("print", "undangan", "cetak kemasan"), ("printing services", "labels")),
    "logam": (("las listrik", "pagar besi", "konstruksi besi"), ("steel fabrication", "metalwork")),
    "suku_cadang": (("sparepart", "onderdil", "baut"), ("parts", "bolts", "components")),
    "bahan_bangunan": (
        ("batu bata", "pasir", "bata ringan"),
        ("building materials", "sand", "bricks"),
    ),
    "pakan": (("pakan ayam", "dedak", "pupuk kandang"), ("poultry feed", "manure fertilizer")),
}

ABBREVIATIONS = {
    "dan": "&",
    "untuk": "utk",
    "yang": "yg",
    "dengan": "dgn",
    "kebutuhan": "kebutuhn",
    "kami": "kmi",
    "juga": "jg",
    "sudah": "sdh",
    "supplier": "suplier",
}


def variant(name: str) -> Variant:
    """The variant called ``name`` (one of :data:`WORLDS`)."""
    base, _, mess = name.partition("-")
    if name not in WORLDS:
        raise ValueError(f"unknown world {name!r}; expected one of {', '.join(WORLDS)}")
    v = PASAR if base == "pasar" else Variant()
    if mess:
        from dataclasses import replace

        v = replace(v, name=name, messy=True)
    return v
