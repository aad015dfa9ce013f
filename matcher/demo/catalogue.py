"""The demo world's own product catalogue and firm archetypes.

This is the generator's private knowledge of the economy: which product *concepts* exist,
how people write them in Bahasa Indonesia and English, which KBLI 2020 codes go with them,
how local the trade is (fresh food and services are bought nearby, crafts ship anywhere),
which certificates producers hold and buyers demand, and where in Indonesia they are made.

It deliberately lives here and not in ``matcher.features``: the ranking code builds its own
bilingual glossary, and evaluating the ranker on a world generated from that same glossary
would flatter it. Nothing in this package imports feature code, and feature code must not
import this module.

Region keys used in ``affinity``: a 2-digit province code, ``"madura"`` (Bangkalan, Sampang,
Sumenep) and ``"pamekasan"``; an affinity multiplies the concept's base popularity there.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Regencies of Madura island (4-digit Kemendagri codes) and the district we focus on.
PAMEKASAN = "3528"
MADURA_OTHER = ("3526", "3527", "3529")  # Bangkalan, Sampang, Sumenep


@dataclass(frozen=True)
class Concept:
    """One kind of product or service a UMKM offers and a firm may need."""

    key: str
    family: str
    kbli: tuple[str, ...]
    id_terms: tuple[str, ...]
    en_terms: tuple[str, ...]
    locality: tuple[float, float]  # (strength 0..1, distance scale km): see utility.py
    held: dict[str, float] = field(default_factory=dict)  # P(producer holds cert)
    buyer_requires: dict[str, float] = field(default_factory=dict)  # P(buyer demands cert)
    export: float = 0.05  # base P(producer has exported)
    weight: float = 1.0  # base popularity among UMKM
    size: int = 0  # 0 home-scale, 1 workshop, 2 plant-scale: shifts the PP 7/2021 mix
    affinity: dict[str, float] = field(default_factory=dict)


FRESH = (0.95, 80.0)
SERVICE = (1.0, 40.0)
PROCESSED = (0.45, 500.0)
BULK = (0.4, 700.0)
CRAFT = (0.12, 2000.0)
INDUSTRIAL = (0.6, 250.0)

HOME_FOOD = {"pirt": 0.55, "halal": 0.45, "bpom": 0.05}
HOME_FOOD_BUYER = {"halal": 0.6, "pirt": 0.25, "bpom": 0.1}

CONCEPTS: tuple[Concept, ...] = (
    # --- snacks and home food -----------------------------------------------------------
    Concept("kerupuk", "snack", ("10794",),
            ("kerupuk", "krupuk", "kerupuk ikan", "kerupuk udang", "kerupuk puli",
             "kerupuk mentah", "krupuk terung"),
            ("crackers", "prawn crackers", "fish crackers", "raw crackers"),
            PROCESSED, HOME_FOOD, HOME_FOOD_BUYER, 0.08, 1.4, 0,
            {"pamekasan": 2.5, "madura": 2.5, "35": 1.4}),
    Concept("keripik", "snack", ("10794", "10799"),
            ("keripik singkong", "kripik pisang", "keripik tempe", "keripik talas",
             "keripik buah", "keripik sukun", "rengginang"),
            ("cassava chips", "banana chips", "tempeh chips", "fruit chips", "taro chips"),
            PROCESSED, HOME_FOOD, HOME_FOOD_BUYER, 0.08, 1.5, 0,
            {"madura": 1.6, "pamekasan": 1.6, "35": 1.4, "18": 1.5, "34": 1.3}),
    Concept("kue", "snack", ("10710", "10792"),
            ("kue kering", "kue basah", "jajanan pasar", "roti", "bolu", "kue lebaran",
             "kue tradisional"),
            ("cookies", "traditional cakes", "pastries", "bakery products", "snack boxes"),
            (0.75, 150.0), HOME_FOOD, HOME_FOOD_BUYER, 0.02, 1.3, 0, {}),
    Concept("sambal", "seasoning", ("10772", "10771"),
            ("sambal", "sambal bawang", "bumbu masak", "bumbu instan", "petis", "kecap",
             "sambal terasi"),
            ("chili sauce", "sambal", "cooking spices", "spice paste", "soy sauce"),
            PROCESSED, {"pirt": 0.5, "halal": 0.5, "bpom": 0.1},
            {"halal": 0.65, "bpom": 0.2}, 0.05, 1.0, 0,
            {"madura": 1.5, "pamekasan": 1.5, "35": 1.3}),
    Concept("olahan_ikan", "fish", ("10211", "10212"),
            ("ikan asin", "terasi", "petis ikan", "abon ikan", "ikan kering", "ikan asap",
             "bandeng presto"),
            ("salted fish", "shrimp paste", "dried fish", "smoked fish", "fish floss"),
            PROCESSED, {"pirt": 0.45, "halal": 0.35, "bpom": 0.05},
            {"halal": 0.5, "haccp": 0.2}, 0.1, 0.9, 0,
            {"madura": 2.2, "pamekasan": 1.8, "35": 1.3, "73": 1.5, "71": 1.5}),
    Concept("frozen_food", "meat", ("10130", "10750"),
            ("frozen food", "nugget ayam", "bakso", "dimsum", "siomay beku", "sosis"),
            ("frozen food", "chicken nuggets", "meatballs", "dumplings", "sausages"),
            (0.55, 300.0), {"pirt": 0.3, "halal": 0.6, "bpom": 0.25, "haccp": 0.05},
            {"halal": 0.8, "bpom": 0.35, "haccp": 0.2}, 0.03, 0.8, 1,
            {"31": 1.5, "32": 1.3, "36": 1.3}),
    Concept("minuman", "beverage", ("10799", "10763"),
            ("minuman serbuk", "sari buah", "sirup", "minuman jahe", "wedang uwuh",
             "teh herbal", "minuman kemasan"),
            ("instant drinks", "fruit juice", "syrup", "ginger drink", "herbal tea"),
            PROCESSED, {"pirt": 0.5, "halal": 0.45, "bpom": 0.15},
            {"halal": 0.6, "bpom": 0.3}, 0.06, 0.9, 0, {"34": 1.5, "33": 1.3}),
    # --- plantation and raw materials ---------------------------------------------------
    Concept("kopi", "plantation", ("10761",),
            ("kopi bubuk", "biji kopi", "kopi robusta", "kopi arabika", "green bean kopi",
             "kopi sangrai"),
            ("ground coffee", "coffee beans", "robusta coffee", "arabica green beans",
             "roasted coffee"),
            BULK, {"pirt": 0.35, "halal": 0.3, "organik": 0.15},
            {"halal": 0.3, "organik": 0.15}, 0.3, 1.0, 0,
            {"11": 3.0, "16": 2.0, "18": 2.0, "73": 2.0, "51": 1.6, "35": 1.5, "53": 1.5}),
    Concept("gula_kelapa", "plantation", ("10722",),
            ("gula merah", "gula kelapa", "gula semut", "gula aren", "gula jawa"),
            ("coconut sugar", "palm sugar", "brown sugar", "organic coconut sugar"),
            BULK, {"pirt": 0.4, "halal": 0.3, "organik": 0.2},
            {"halal": 0.35, "organik": 0.3}, 0.25, 0.8, 0,
            {"33": 2.5, "34": 1.8, "18": 1.6, "35": 1.3}),
    Concept("olahan_kelapa", "coconut", ("01261", "10422"),
            ("minyak kelapa", "VCO", "kelapa parut kering", "sabut kelapa", "kopra",
             "arang tempurung"),
            ("coconut oil", "virgin coconut oil", "desiccated coconut", "coco fiber", "copra",
             "coconut shell charcoal"),
            BULK, {"pirt": 0.25, "halal": 0.2, "bpom": 0.05, "organik": 0.1},
            {"halal": 0.3, "organik": 0.15}, 0.3, 0.8, 0,
            {"71": 3.0, "72": 2.2, "82": 2.2, "14": 2.0, "madura": 1.4, "pamekasan": 1.2}),
    Concept("madu", "beverage", ("01493", "10799"),
            ("madu hutan", "madu murni", "madu klanceng", "madu randu"),
            ("forest honey", "pure honey", "stingless bee honey", "raw honey"),
            PROCESSED, {"pirt": 0.4, "halal": 0.3, "bpom": 0.15},
            {"halal": 0.4, "bpom": 0.3}, 0.08, 0.5, 0, {"53": 2.5, "52": 2.0, "64": 1.5}),
    Concept("rempah", "spice", ("01282", "10772"),
            ("rempah-rempah", "jahe merah", "kunyit", "lada", "cengkeh", "pala",
             "kayu manis", "temulawak"),
            ("spices", "red ginger", "turmeric", "black pepper", "cloves", "nutmeg",
             "cinnamon"),
            BULK, {"halal": 0.15, "organik": 0.15, "pirt": 0.15},
            {"halal": 0.2, "organik": 0.2}, 0.2, 0.9, 0,
            {"81": 3.5, "82": 3.0, "19": 2.0, "18": 2.0, "13": 1.6, "madura": 1.3}),
    Concept("garam", "salt", ("10774", "08930"),
            ("garam rakyat", "garam krosok", "garam konsumsi", "garam beryodium",
             "garam halus", "garam tambak", "garam kasar"),
            ("sea salt", "raw salt", "iodized salt", "table salt", "coarse salt",
             "industrial salt"),
            BULK, {"sni": 0.3, "halal": 0.2}, {"sni": 0.45, "halal": 0.15}, 0.05, 1.0, 0,
            {"pamekasan": 6.0, "madura": 6.0, "52": 2.0, "53": 1.6, "35": 1.5, "33": 1.4}),
    Concept("tembakau", "tobacco", ("01150", "12091"),
            ("tembakau", "tembakau rajangan", "daun tembakau kering", "tembakau madura",
             "tembakau kasturi", "tembakau krosok"),
            ("tobacco leaf", "dried tobacco", "cut tobacco", "cured tobacco leaves"),
            BULK, {}, {}, 0.05, 1.0, 0,
            {"pamekasan": 6.0, "madura": 5.0, "35": 1.8, "52": 2.5, "33": 1.4}),
    Concept("beras", "staple", ("10631", "01122"),
            ("beras", "beras organik", "gabah", "beras merah", "jagung pipil"),
            ("rice", "organic rice", "paddy", "brown rice", "shelled corn"),
            (0.55, 400.0), {"organik": 0.12, "sni": 0.05}, {"organik": 0.15, "sni": 0.1},
            0.02, 0.8, 1, {"32": 1.5, "33": 1.5, "35": 1.5, "73": 1.6, "52": 1.4}),
    # --- fresh produce ------------------------------------------------------------------
    Concept("sayur_buah", "fresh", ("01131", "01133", "01281"),
            ("sayur segar", "sayuran", "cabai rawit", "bawang merah", "buah segar",
             "tomat", "hasil kebun"),
            ("fresh vegetables", "chili peppers", "shallots", "fresh fruit", "produce"),
            FRESH, {"organik": 0.1}, {"organik": 0.1}, 0.01, 1.0, 0,
            {"32": 1.4, "35": 1.3, "52": 1.3, "madura": 1.1}),
    Concept("ikan_segar", "fish", ("10211",),
            ("ikan segar", "udang", "ikan laut", "hasil tangkapan nelayan", "cumi",
             "kepiting"),
            ("fresh fish", "shrimp", "seafood", "squid", "crab"),
            FRESH, {"haccp": 0.03}, {"haccp": 0.15}, 0.05, 0.9, 0,
            {"madura": 2.0, "pamekasan": 1.4, "73": 1.8, "71": 1.8, "81": 1.8, "53": 1.5}),
    Concept("rumput_laut", "fish", ("03217", "10298"),
            ("rumput laut", "rumput laut kering", "agar-agar", "karaginan"),
            ("seaweed", "dried seaweed", "agar", "carrageenan raw material"),
            BULK, {"haccp": 0.02}, {"haccp": 0.1}, 0.15, 0.5, 0,
            {"53": 3.0, "73": 3.0, "74": 2.5, "madura": 2.5, "52": 1.8}),
    Concept("daging_telur", "meat", ("01461", "01462", "01411"),
            ("telur ayam", "ayam potong", "daging sapi", "telur asin", "sapi madura",
             "daging ayam"),
            ("eggs", "broiler chicken", "beef", "salted eggs", "poultry"),
            FRESH, {"halal": 0.3}, {"halal": 0.7}, 0.01, 0.9, 0,
            {"madura": 2.0, "pamekasan": 1.6, "35": 1.3, "33": 1.3}),
    # --- services -----------------------------------------------------------------------
    Concept("catering", "food_service", ("56210", "56290"),
            ("katering", "catering", "nasi kotak", "makan siang karyawan", "jasa boga",
             "warung makan"),
            ("catering", "meal boxes", "staff canteen meals", "lunch boxes",
             "food service"),
            SERVICE, {"halal": 0.4, "pirt": 0.3, "haccp": 0.05},
            {"halal": 0.65, "haccp": 0.2}, 0.0, 1.2, 0, {}),
    Concept("laundry", "service", ("96200",),
            ("laundry", "jasa cuci", "binatu", "cuci seragam", "laundry kiloan"),
            ("laundry service", "linen laundry", "uniform cleaning"),
            SERVICE, {}, {}, 0.0, 0.6, 0, {}),
    Concept("kebersihan", "service", ("81210", "81300"),
            ("jasa kebersihan", "cleaning service", "jasa tukang kebun",
             "pengelolaan sampah"),
            ("cleaning services", "janitorial service", "landscaping", "waste handling"),
            SERVICE, {"iso9001": 0.03}, {"iso9001": 0.1}, 0.0, 0.4, 0, {}),
    Concept("angkutan", "logistics", ("49431", "52101"),
            ("jasa angkutan barang", "ekspedisi", "sewa truk", "angkutan pickup",
             "pergudangan"),
            ("trucking", "logistics services", "delivery", "warehousing"),
            (0.85, 120.0), {"iso9001": 0.03}, {"iso9001": 0.1}, 0.0, 0.6, 1, {}),
    Concept("desain", "creative", ("73100", "74130"),
            ("jasa desain grafis", "pembuatan website", "fotografi produk",
             "konten media sosial"),
            ("graphic design", "web development", "product photography",
             "social media content"),
            (0.1, 2000.0), {}, {}, 0.05, 0.4, 0, {"31": 2.0, "34": 2.0, "32": 1.4}),
    # --- textiles and garments ----------------------------------------------------------
    Concept("batik", "textile", ("13134",),
            ("batik tulis", "batik cap", "kain batik", "batik madura", "batik gentongan",
             "batik tulis pamekasan", "batik pewarna alam"),
            ("hand-drawn batik", "batik fabric", "batik cloth", "stamped batik",
             "natural-dye batik"),
            CRAFT, {"sni": 0.02}, {}, 0.25, 1.2, 0,
            {"pamekasan": 9.0, "madura": 4.0, "33": 3.0, "34": 3.0, "32": 1.5,
             "35": 1.5}),
    Concept("tenun", "textile", ("13121",),
            ("tenun ikat", "kain tenun", "songket", "sarung tenun", "sarung samarinda"),
            ("woven textiles", "ikat weaving", "songket", "handwoven sarong"),
            CRAFT, {}, {}, 0.2, 0.8, 0,
            {"53": 4.0, "52": 2.5, "16": 2.0, "73": 2.0, "51": 1.5, "madura": 1.3}),
    Concept("konveksi", "garment", ("14111", "14120"),
            ("konveksi", "jahit seragam", "pakaian jadi", "kaos sablon", "seragam kerja",
             "baju muslim", "wearpack"),
            ("garments", "uniform tailoring", "t-shirts", "workwear", "apparel sewing",
             "coveralls"),
            (0.3, 800.0), {"sni": 0.05, "iso9001": 0.03}, {"iso9001": 0.2, "sni": 0.1},
            0.08, 1.3, 1, {"32": 2.0, "33": 1.6, "35": 1.3}),
    Concept("kulit", "leather", ("15121", "15201"),
            ("kerajinan kulit", "tas kulit", "sepatu kulit", "dompet kulit",
             "sandal kulit"),
            ("leather goods", "leather bags", "leather shoes", "leather wallets"),
            CRAFT, {"sni": 0.05}, {}, 0.15, 0.6, 0, {"32": 3.0, "35": 2.0, "34": 1.5}),
    # --- crafts and furniture -----------------------------------------------------------
    Concept("anyaman", "craft", ("16299", "31002"),
            ("anyaman bambu", "anyaman pandan", "kerajinan rotan", "tas anyaman",
             "tikar pandan", "keranjang bambu", "anyaman lontar"),
            ("bamboo weaving", "pandan woven bags", "rattan handicraft", "woven baskets",
             "seagrass baskets"),
            CRAFT, {"svlk": 0.05}, {"svlk": 0.15}, 0.3, 1.0, 0,
            {"madura": 2.5, "pamekasan": 2.5, "52": 2.0, "34": 2.0, "61": 1.6,
             "63": 1.6}),
    Concept("ukiran", "craft", ("16293",),
            ("ukiran kayu", "kerajinan kayu", "patung kayu", "souvenir kayu",
             "ukiran karduluk"),
            ("wood carving", "wooden handicrafts", "wooden sculptures",
             "carved wood decor"),
            CRAFT, {"svlk": 0.25}, {"svlk": 0.5}, 0.3, 0.7, 0,
            {"33": 4.0, "51": 3.0, "madura": 2.5, "34": 1.5}),
    Concept("furnitur", "furniture", ("31001", "31002"),
            ("mebel", "furnitur kayu jati", "kursi rotan", "meja kayu", "furniture",
             "lemari kayu", "mebel jati"),
            ("teak furniture", "rattan chairs", "wooden furniture", "home furniture",
             "outdoor furniture"),
            (0.3, 1500.0), {"svlk": 0.35, "iso9001": 0.03}, {"svlk": 0.7}, 0.3, 0.9, 1,
            {"33": 4.0, "32": 1.5, "35": 1.5, "madura": 1.2}),
    Concept("gerabah", "craft", ("23931", "23939"),
            ("gerabah", "keramik", "kerajinan tanah liat", "pot tanah liat",
             "kerajinan batok"),
            ("pottery", "ceramics", "earthenware", "clay pots"),
            CRAFT, {}, {}, 0.2, 0.5, 0, {"34": 3.0, "52": 2.0, "33": 1.5}),
    Concept("souvenir", "craft", ("32909", "16299"),
            ("souvenir", "suvenir", "cinderamata", "merchandise", "aksesoris manik",
             "kerajinan kerang", "perhiasan perak"),
            ("souvenirs", "corporate gifts", "merchandise", "beaded accessories",
             "silver jewelry", "shell crafts"),
            CRAFT, {}, {}, 0.15, 0.9, 0, {"51": 3.0, "34": 2.0, "madura": 1.3}),
    # --- herbal and cosmetics -----------------------------------------------------------
    Concept("jamu", "herbal", ("21022",),
            ("jamu", "jamu tradisional", "jamu gendong", "jamu serbuk", "ramuan madura",
             "jamu kuat", "jamu galian"),
            ("herbal medicine", "traditional herbal drinks", "jamu", "herbal remedies"),
            PROCESSED, {"bpom": 0.3, "pirt": 0.2, "halal": 0.3},
            {"bpom": 0.7, "halal": 0.4}, 0.08, 1.0, 0,
            {"pamekasan": 3.5, "madura": 3.5, "33": 2.0, "34": 1.5}),
    Concept("kosmetik", "herbal", ("20232", "20231"),
            ("sabun herbal", "lulur", "lulur madura", "sabun cair", "minyak atsiri",
             "bedak dingin", "minyak kayu putih"),
            ("herbal soap", "body scrub", "natural cosmetics", "essential oils",
             "hotel amenities"),
            PROCESSED, {"bpom": 0.4, "halal": 0.3}, {"bpom": 0.75, "halal": 0.4},
            0.1, 0.7, 0, {"madura": 2.5, "pamekasan": 2.0, "33": 1.4, "51": 1.4,
                          "81": 1.5}),
    # --- packaging, printing, industrial ------------------------------------------------
    Concept("kemasan", "packaging", ("17022", "22220"),
            ("kemasan kardus", "kotak karton", "kemasan plastik", "standing pouch",
             "kemasan makanan", "paper bag"),
            ("cardboard boxes", "carton packaging", "plastic packaging", "food packaging",
             "paper bags", "corrugated boxes"),
            (0.4, 500.0), {"iso9001": 0.08, "sni": 0.05, "halal": 0.05},
            {"iso9001": 0.3}, 0.02, 0.7, 1, {"32": 1.6, "35": 1.5, "36": 1.5}),
    Concept("percetakan", "printing", ("18111", "18120"),
            ("percetakan", "cetak label", "sablon", "cetak brosur", "digital printing",
             "cetak stiker"),
            ("printing", "label printing", "screen printing", "brochures",
             "sticker printing"),
            (0.6, 300.0), {"iso9001": 0.03}, {}, 0.01, 0.8, 0, {}),
    Concept("logam", "metal", ("25111", "25920"),
            ("bengkel las", "fabrikasi logam", "bubut", "teralis", "konstruksi baja ringan",
             "kanopi"),
            ("metal fabrication", "welding", "machining", "lathe work",
             "steel structures"),
            INDUSTRIAL, {"sni": 0.15, "iso9001": 0.1}, {"iso9001": 0.5, "sni": 0.25},
            0.02, 0.9, 1, {"32": 1.6, "36": 1.5, "35": 1.3, "21": 1.5}),
    Concept("suku_cadang", "metal", ("25920", "29300"),
            ("suku cadang", "komponen mesin", "spare part", "komponen plastik injeksi",
             "mur baut"),
            ("spare parts", "machined components", "plastic injection parts",
             "automotive components", "fasteners"),
            INDUSTRIAL, {"iso9001": 0.15, "sni": 0.1}, {"iso9001": 0.65, "sni": 0.2},
            0.05, 0.5, 2, {"32": 2.5, "36": 2.0, "21": 2.0, "35": 1.3}),
    Concept("bahan_bangunan", "construction", ("23951", "16221"),
            ("batako", "paving block", "genteng", "bata merah", "kusen kayu",
             "kayu olahan"),
            ("concrete blocks", "paving blocks", "roof tiles", "bricks",
             "wooden door frames", "sawn timber"),
            (0.85, 150.0), {"sni": 0.2, "svlk": 0.05}, {"sni": 0.5}, 0.01, 0.8, 1, {}),
    Concept("pakan", "agri_input", ("10801", "20121"),
            ("pakan ternak", "pupuk organik", "pupuk kompos", "maggot BSF",
             "pakan ikan"),
            ("animal feed", "organic fertilizer", "compost", "fish feed"),
            (0.6, 300.0), {"organik": 0.3, "sni": 0.05}, {"organik": 0.2}, 0.02, 0.6, 0,
            {"madura": 1.2}),
)

CONCEPT_INDEX = {c.key: i for i, c in enumerate(CONCEPTS)}

# Pairs of families that are partly substitutable or complementary: a firm asking for one
# is partly served by a producer of the other (similarity RELATED_FAMILY_SIM in utility.py).
RELATED_FAMILIES = (
    ("snack", "seasoning"), ("fish", "meat"), ("beverage", "plantation"),
    ("coconut", "plantation"), ("spice", "herbal"), ("spice", "seasoning"),
    ("textile", "garment"), ("craft", "furniture"), ("craft", "textile"),
    ("packaging", "printing"), ("metal", "construction"), ("service", "logistics"),
    ("staple", "fresh"), ("leather", "garment"), ("creative", "printing"),
)

# Generic words a buyer may use for a whole family instead of the producer's exact term.
FAMILY_TERMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "snack": (("makanan ringan", "camilan", "oleh-oleh"), ("snacks", "local snacks")),
    "seasoning": (("bumbu", "saus dan bumbu"), ("condiments", "seasonings")),
    "fish": (("produk perikanan", "hasil laut"), ("fishery products", "marine products")),
    "meat": (("protein hewani",), ("protein supply", "meat and poultry")),
    "beverage": (("minuman",), ("beverages",)),
    "plantation": (("hasil perkebunan",), ("plantation commodities",)),
    "coconut": (("produk kelapa",), ("coconut products",)),
    "spice": (("rempah",), ("spices",)),
    "salt": (("garam",), ("salt",)),
    "tobacco": (("bahan baku tembakau",), ("tobacco raw material",)),
    "staple": (("bahan pangan pokok",), ("staple food",)),
    "fresh": (("bahan makanan segar",), ("fresh produce", "fresh ingredients")),
    "food_service": (("penyediaan makanan",), ("food services",)),
    "service": (("jasa pendukung operasional",), ("facility services",)),
    "logistics": (("jasa logistik",), ("logistics",)),
    "creative": (("jasa kreatif",), ("creative services",)),
    "textile": (("kain tradisional", "wastra nusantara"), ("traditional textiles",)),
    "garment": (("produk garmen",), ("apparel", "garments")),
    "leather": (("produk kulit",), ("leather products",)),
    "craft": (("kerajinan tangan", "produk kriya"), ("handicrafts", "home decor")),
    "furniture": (("mebel",), ("furniture",)),
    "herbal": (("produk herbal",), ("herbal products", "natural wellness products")),
    "packaging": (("kemasan",), ("packaging",)),
    "printing": (("jasa cetak",), ("printing services",)),
    "metal": (("pekerjaan logam",), ("metal works", "industrial components")),
    "construction": (("material bangunan",), ("building materials",)),
    "agri_input": (("sarana produksi pertanian",), ("farm inputs",)),
}


@dataclass(frozen=True)
class Archetype:
    """A kind of PMA/PMDN firm: what it does, where it sits and what it buys from UMKM."""

    key: str
    weight: float
    pma_share: float
    kbli: tuple[str, ...]
    needs: dict[str, float]  # concept key -> relative weight
    sites: dict[str, float]  # province code or 4-digit regency code -> weight
    budget_idr: tuple[float, float]  # log-uniform range of the yearly partnership budget
    scale_pref: tuple[float, float, float]  # P(mikro, kecil, menengah) when one is stated
    site_id: str
    site_en: str
    name_words: tuple[str, ...]
    extra_required: dict[str, float] = field(default_factory=dict)


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("food_manufacturer", 1.4, 0.5, ("10750", "10799", "10732"),
              {"gula_kelapa": 1.0, "olahan_kelapa": 1.0, "rempah": 1.0, "garam": 1.0,
               "sayur_buah": 0.8, "kemasan": 1.0, "kopi": 0.5, "ikan_segar": 0.4,
               "daging_telur": 0.5, "madu": 0.3, "percetakan": 0.3, "sambal": 0.5},
              {"3515": 2, "3514": 2, "3578": 2, "3525": 1, "32": 3, "36": 2, "33": 2,
               "35": 2}, (5e8, 2e10), (0.3, 0.5, 0.2), "pabrik", "factory",
              ("Foods", "Food Industries", "Pangan", "Boga")),
    Archetype("retail_chain", 1.0, 0.3, ("46900", "56101"),
              {"kerupuk": 1.5, "keripik": 1.5, "kue": 1.0, "sambal": 1.0, "minuman": 1.0,
               "kopi": 0.8, "madu": 0.5, "olahan_ikan": 0.5, "frozen_food": 0.6,
               "jamu": 0.3, "batik": 0.3},
              {"31": 3, "3578": 2, "32": 2, "35": 2, "33": 1, "73": 1, "12": 1},
              (3e8, 8e9), (0.6, 0.35, 0.05), "gerai", "stores",
              ("Retailindo", "Mart", "Retail", "Niaga")),
    Archetype("hotel_resort", 1.0, 0.5, ("55110", "79121"),
              {"sayur_buah": 1.0, "ikan_segar": 0.8, "daging_telur": 0.6, "laundry": 1.0,
               "kue": 0.8, "anyaman": 0.6, "ukiran": 0.6, "furnitur": 0.4, "souvenir": 0.6,
               "kosmetik": 0.8, "kopi": 0.5, "tenun": 0.3, "batik": 0.4},
              {"51": 5, "31": 2, "52": 2, "34": 2, "35": 1, "71": 1, "3529": 0.5},
              (3e8, 6e9), (0.5, 0.45, 0.05), "hotel", "resort",
              ("Hotels", "Resorts", "Hospitality", "Wisata")),
    Archetype("garment_exporter", 1.0, 0.65, ("14111", "13121", "13911"),
              {"batik": 1.2, "tenun": 1.0, "konveksi": 1.5, "kemasan": 0.3, "kulit": 0.4},
              {"32": 4, "33": 3, "35": 1.5, "36": 1.5, "34": 1}, (5e8, 2e10),
              (0.3, 0.5, 0.2), "pabrik garmen", "garment plant",
              ("Textile", "Garment", "Apparel", "Tekstil")),
    Archetype("furniture_exporter", 0.8, 0.55, ("31001", "31002", "16211"),
              {"furnitur": 1.5, "ukiran": 1.0, "anyaman": 1.0, "gerabah": 0.3,
               "kemasan": 0.3},
              {"33": 5, "32": 1.5, "35": 1.5, "34": 1.5}, (5e8, 1.5e10), (0.3, 0.5, 0.2),
              "gudang ekspor", "export warehouse",
              ("Furniture", "Furnindo", "Living", "Mebel")),
    Archetype("manufacturing_plant", 1.3, 0.75, ("29300", "26120"),
              {"suku_cadang": 1.5, "logam": 1.2, "kemasan": 0.8, "konveksi": 0.6,
               "catering": 0.8, "kebersihan": 0.5, "laundry": 0.3, "angkutan": 0.6},
              {"3216": 3, "3215": 3, "36": 3, "2171": 2, "3514": 2, "3525": 1.5,
               "3515": 1.5, "33": 1.5}, (1e9, 4e10), (0.05, 0.45, 0.5), "pabrik", "plant",
              ("Manufacturing", "Industries", "Components", "Precision"),
              {"iso9001": 0.35}),
    Archetype("mining_energy", 0.8, 0.6, ("07295", "06100"),
              {"catering": 1.5, "laundry": 1.0, "konveksi": 1.0, "angkutan": 1.0,
               "kebersihan": 0.8, "logam": 0.8, "sayur_buah": 0.6, "daging_telur": 0.5,
               "bahan_bangunan": 0.5},
              {"72": 3, "82": 2, "64": 3, "74": 2, "3529": 1.5, "14": 1.5, "63": 1.5},
              (1e9, 5e10), (0.3, 0.5, 0.2), "site tambang", "site",
              ("Mining", "Energy", "Resources", "Nickel", "Minerals")),
    Archetype("tobacco_manufacturer", 0.6, 0.3, ("12011", "12012"),
              {"tembakau": 3.0, "rempah": 0.8, "kemasan": 0.5, "percetakan": 0.3},
              {"3578": 2, "3507": 2, "35": 3, "33": 2, "3528": 0.8}, (1e9, 3e10),
              (0.4, 0.45, 0.15), "pabrik rokok", "cigarette plant",
              ("Tobacco", "Tembakau", "Kretek", "Leaf")),
    Archetype("herbal_cosmetics", 0.8, 0.4, ("21022", "10799"),
              {"jamu": 1.2, "rempah": 1.2, "kosmetik": 1.0, "madu": 0.6, "kemasan": 0.5},
              {"33": 3, "35": 2, "32": 2, "31": 1, "36": 1}, (5e8, 1.5e10),
              (0.3, 0.5, 0.2), "pabrik", "factory",
              ("Herbal", "Pharma", "Beauty", "Natural", "Jamu")),
    Archetype("agro_exporter", 0.9, 0.5, ("01262", "10431", "46900"),
              {"olahan_kelapa": 1.0, "gula_kelapa": 1.0, "kopi": 1.0, "rempah": 0.8,
               "rumput_laut": 1.0, "pakan": 0.8, "ikan_segar": 0.3},
              {"14": 2, "61": 2, "73": 2, "71": 1.5, "35": 2, "16": 1, "12": 1.5},
              (5e8, 2e10), (0.4, 0.45, 0.15), "gudang", "processing facility",
              ("Agro", "Commodities", "Plantations", "Tani")),
    Archetype("salt_chemical", 0.5, 0.4, ("20113", "10774"),
              {"garam": 3.0, "kemasan": 0.4, "angkutan": 0.6},
              {"3525": 2, "3578": 2, "3529": 1.5, "35": 1, "32": 1, "36": 1.5},
              (1e9, 3e10), (0.4, 0.4, 0.2), "pabrik", "plant",
              ("Salt", "Chemical", "Garam", "Kimia")),
    Archetype("construction_property", 0.7, 0.3, ("41011", "41012"),
              {"bahan_bangunan": 1.5, "logam": 1.0, "furnitur": 0.6, "kebersihan": 0.5,
               "angkutan": 0.6, "ukiran": 0.2},
              {"31": 2, "32": 2, "35": 2, "64": 1, "73": 1, "51": 1, "12": 1},
              (5e8, 2e10), (0.3, 0.5, 0.2), "proyek", "project site",
              ("Property", "Land", "Konstruksi", "Realty", "Build")),
    Archetype("seafood_processor", 0.7, 0.5, ("10211", "10212", "52102"),
              {"ikan_segar": 2.0, "rumput_laut": 1.0, "olahan_ikan": 0.8, "kemasan": 0.5,
               "angkutan": 0.4},
              {"35": 2, "3525": 1, "73": 2, "71": 2, "51": 1, "81": 1.5, "53": 1,
               "3529": 0.8}, (5e8, 1.5e10), (0.5, 0.4, 0.1), "pabrik pengolahan",
              "processing plant", ("Seafood", "Marine", "Fisheries", "Bahari")),
    Archetype("cafe_chain", 0.7, 0.25, ("56101", "56103"),
              {"kopi": 2.0, "kue": 1.2, "gula_kelapa": 0.6, "madu": 0.4, "minuman": 0.5,
               "sayur_buah": 0.4},
              {"31": 3, "32": 2, "51": 2, "35": 1.5, "34": 1.5}, (2e8, 5e9),
              (0.6, 0.35, 0.05), "outlet", "outlets",
              ("Coffee", "Kopi", "Brew", "Kafe")),
    Archetype("corporate_csr", 0.7, 0.3, ("64121", "61100"),
              {"souvenir": 1.2, "batik": 1.2, "catering": 0.8, "percetakan": 0.8,
               "desain": 0.8, "tenun": 0.5, "konveksi": 0.6},
              {"31": 4, "35": 2, "32": 1.5, "3578": 1}, (2e8, 5e9), (0.7, 0.25, 0.05),
              "kantor", "offices", ("Digital", "Finance", "Telekomunikasi", "Capital")),
)

PMA_COUNTRIES = {
    "Japan": 0.2, "Singapore": 0.2, "China": 0.18, "South Korea": 0.13,
    "Malaysia": 0.06, "Netherlands": 0.06, "USA": 0.06, "Taiwan": 0.05,
    "Australia": 0.03, "Germany": 0.03,
}
# Words that make a PMA's name sound like it comes from its country.
COUNTRY_NAME_WORDS = {
    "Japan": ("Yamato", "Sakura", "Nippon", "Fuji", "Asahi", "Hikari"),
    "Singapore": ("Lion", "Merlion", "Straits", "Sentosa", "Harbourfront"),
    "China": ("Huaxin", "Tsingshan", "Longda", "Jinhai", "Sino"),
    "South Korea": ("Hanil", "Daewon", "Seoul", "Hanjin", "Sungwoo"),
    "Malaysia": ("Petaling", "Kinabalu", "Melaka", "Sentul"),
    "Netherlands": ("Holland", "Oranje", "Delta", "Van Dijk"),
    "USA": ("Pacific", "Liberty", "Great Lakes", "Atlantic"),
    "Taiwan": ("Formosa", "Taichung", "Kaohsiung"),
    "Australia": ("Southern Cross", "Outback", "Coral"),
    "Germany": ("Rhein", "Bavaria", "Hansa"),
}
PMDN_NAME_WORDS = (
    "Nusantara", "Sinar", "Mitra", "Karya", "Abadi", "Cahaya", "Mega", "Prima", "Surya",
    "Bumi", "Indah", "Mandiri", "Sentosa", "Wijaya", "Persada", "Gemilang", "Jaya",
    "Samudra", "Arta", "Citra",
)
UMKM_PREFIXES = ("UD", "CV", "PD", "KUB", "Koperasi", "Usaha", "Toko", "Home Industry",
                 "IKM", "", "", "", "")
UMKM_NAME_WORDS = (
    "Sumber Rejeki", "Makmur", "Barokah", "Berkah", "Sejahtera", "Mandiri", "Sari Rasa",
    "Tunas", "Mekar", "Putri", "Al-Amin", "Cahaya", "Lancar", "Sinar", "Bu Siti",
    "Pak Haji", "Mbak Yuli", "Arjuna", "Bintang", "Harapan", "Amanah", "Rizky", "Sabar",
    "Delima", "Melati", "Srikandi", "Permata", "Maju Jaya", "Dua Putri", "Tiga Saudara",
    "Jaya Abadi", "Nur", "Fajar", "Kembang", "Rahayu", "Karunia", "Madura", "Sakera",
    "Tretan", "Dhalem", "Kraton", "Mutiara", "Pelangi", "Sumber Makmur", "Asri",
)
