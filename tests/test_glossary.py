"""The glossary: one meaning per phrase, and the products and needs facilitators name."""

from __future__ import annotations

import pytest

from matcher.features import text as text_mod
from matcher.features.text import analyse, glossary, surface_terms


def test_a_phrase_claimed_by_two_concepts_fails_at_load_time(monkeypatch):
    real = text_mod.resources.files

    class Fake:
        def __init__(self, inner):
            self.inner = inner

        def joinpath(self, name):
            inner = self.inner.joinpath(name)
            if not name.endswith("glossary.psv"):
                return inner
            return type(
                "P",
                (),
                {
                    "read_text": lambda _self, enc: (
                        inner.read_text(enc) + "masks2|craft|0.1|329|topeng|masks\n"
                    )
                },
            )()

    monkeypatch.setattr(text_mod.resources, "files", lambda pkg: Fake(real(pkg)))
    glossary.cache_clear()
    try:
        with pytest.raises(ValueError, match="'masks': medical_supply and masks2"):
            glossary()
    finally:
        monkeypatch.undo()
        glossary.cache_clear()


def concepts(text):
    table = glossary()
    return [table.concepts.at[c, "concept"] for c in analyse(text)[0]]


@pytest.mark.parametrize(
    "written, concept",
    [
        # the conflicts of issue 12, each now with one meaning
        ("minyak atsiri", "essential_oil"),
        ("essential oils", "essential_oil"),
        ("sepatu", "shoe_sandal"),
        ("sandal jepit", "shoe_sandal"),
        ("footwear", "shoe_sandal"),
        ("sepatu kulit", "leather"),
        ("leather shoes", "leather"),  # leather goods all the same
        ("masks", "medical_supply"),
        ("topeng kayu", "handicraft"),
        ("keripik pisang", "snack"),
        ("terasi", "sauce_condiment"),
        ("kambing", "livestock"),
        ("daging kambing", "meat_poultry"),
        ("goodie bags", "bag"),
        ("garam meja", "salt"),
        # Madura products
        ("jamu", "herbal_jamu"),
        ("jamoe madura", "herbal_jamu"),
        ("lorjuk kering", "shrimp"),
        ("petis ikan", "sauce_condiment"),
        ("petis udang", "sauce_condiment"),
        ("sabut kelapa", "coco_fiber"),
        ("coco fiber", "coco_fiber"),
        ("cocopeat", "coco_fiber"),
        ("celurit", "hand_tool"),
        ("arit", "hand_tool"),
        ("odheng", "garment"),
        ("udeng", "garment"),
        ("kaligrafi", "handicraft"),
        ("cobek batu", "ceramics"),
        # what firms need
        ("bahan baku", "raw_material"),
        ("raw materials", "raw_material"),
        ("ATK", "stationery"),
        ("alat tulis kantor", "stationery"),
        ("penyediaan tenaga kerja", "manpower"),
        ("manpower supply", "manpower"),
        ("jasa penerjemahan", "translation"),
        ("translation", "translation"),
        ("konsultan hukum", "legal_service"),
        ("legal services", "legal_service"),
        ("jasa akuntansi", "accounting_service"),
        ("bookkeeping", "accounting_service"),
    ],
)
def test_products_and_needs_have_one_concept(written, concept):
    assert concepts(written) == [concept]


def test_employing_people_is_not_a_manpower_need():
    assert concepts("usaha kami menyerap tenaga kerja 12 orang") == []


def test_surface_terms_keep_the_writers_words():
    table = glossary()
    named = {
        table.concepts.at[c, "concept"]: w
        for c, w in surface_terms("Kerupuk puli, sambal petis").items()
    }
    assert named == {"snack": "kerupuk puli", "sauce_condiment": "sambal"}
    need = surface_terms("Pemasok krupuk untuk kantin karyawan", 3)
    assert list(need.values())[0] == "krupuk untuk kantin karyawan"
