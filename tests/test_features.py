"""Feature building blocks on cases whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.features.geo import haversine_km
from matcher.features.kbli import KbliAffinity, agreement_level, level_matrices, stacked
from matcher.features.pairs import FEATURE_NAMES, prior_fit
from matcher.features.text import TextEncoder, analyse, glossary


@pytest.mark.parametrize(
    "umkm_text, firm_text",
    [
        ("Garam rakyat krosok", "sea salt supplier"),
        ("keripik singkong balado", "Cassava chips for our snack line"),
        ("Seragam kerja / wearpack", "workwear and uniforms"),
        ("kemasan kardus dan label", "packaging materials"),
        ("Batik tulis khas Madura", "hand drawn batik"),
    ],
)
def test_same_product_matches_across_languages(umkm_text, firm_text):
    a, _ = analyse(umkm_text)
    b, _ = analyse(firm_text)
    assert set(a) & set(b)


def test_unrelated_products_share_no_concept():
    assert not set(analyse("kopi robusta")[0]) & set(analyse("steel fabrication")[0])


def test_longest_phrase_wins_and_boilerplate_is_dropped():
    concepts, text = analyse("Kami mencari supplier keripik singkong")
    names = glossary().concepts["concept"].to_numpy()[concepts].tolist()
    assert names == ["cassava"]
    assert text == "cassava"


def test_text_encoder_cosine_prefers_the_translation():
    enc = TextEncoder(min_df=1).fit(["garam rakyat", "sea salt", "kopi bubuk", "ground coffee"])
    u = enc.transform(["garam rakyat"])
    f = enc.transform(["sea salt", "ground coffee"])
    sims = (u.words @ f.words.T).toarray()[0]
    assert sims[0] > sims[1]


def test_kbli_agreement_levels():
    a = level_matrices([("10794",), ("13134", "14120")])
    b = level_matrices([("10799",), ("10794",), ("31001",), ()])
    has = np.array([True, True, True, False])
    b_T = stacked(b, weighted=True).T.tocsr()
    np.testing.assert_array_equal(
        agreement_level(stacked(a), b_T, has), [[4, 5, 1, -1], [1, 1, 1, -1]]
    )


def test_kbli_codes_of_three_and_four_digits_agree_at_their_level():
    """A UMKM registered as subgolongan 1079 or golongan 107 meets a firm needing 10794 at
    that level, never deeper; a kategori of its own is found for every level."""
    a = level_matrices([("1079",), ("107",), ("10774",)])
    b = level_matrices([("10794",), ("1077",)])
    b_T = stacked(b, weighted=True).T.tocsr()
    np.testing.assert_array_equal(agreement_level(stacked(a), b_T), [[4, 3], [3, 3], [3, 4]])


def test_kbli_affinity_learns_who_signs_with_whom():
    u = level_matrices([("10794",), ("13134",)])
    f = level_matrices([("46311",), ("47711",)])
    # food UMKM signed with wholesaler (46); batik UMKM was declined by it
    aff = KbliAffinity(level=2, smoothing=1.0).fit(
        u, f, np.array([0, 1]), np.array([0, 0]), np.array([3.0, 0.0])
    )
    s = aff.score(u, f)
    assert s[0, 0] > 0 > s[1, 0]
    assert s[0, 1] == 0  # never seen together: no opinion


def test_haversine_known_distance():
    # Jakarta (Monas) to Surabaya (Tugu Pahlawan): about 663 km
    d = haversine_km([-6.1754], [106.8272], [-7.2458], [112.7378])[0, 0]
    assert d == pytest.approx(663, abs=10)


def _cols(**over):
    base = {n: np.array([0.0], dtype=np.float32) for n in FEATURE_NAMES}
    base.update(
        {
            "kbli_need_level": np.array([-1.0]),
            "need_text_kbli_level": np.array([0.0]),
            "product_text_kbli_level": np.array([0.0]),
            "locality": np.array([np.nan]),
            "kbli_locality": np.array([np.nan]),
            "scale_gap": np.array([np.nan]),
            "log_capacity_to_budget": np.array([np.nan]),
            "group_cover": np.array([np.nan]),
        }
    )
    base.update({k: np.array([v], dtype=np.float32) for k, v in over.items()})
    return base


def test_prior_is_a_product_of_conditions():
    good = prior_fit(_cols(concept_cos=1.0, kbli_need_level=5))[0]
    assert good == pytest.approx(1.0)
    # a missing certificate that applies to the product nearly rules the pair out; one
    # that does not apply (halal asked of a laundry) is a smaller doubt
    assert prior_fit(
        _cols(concept_cos=1.0, kbli_need_level=5, n_missing_certs=1, n_missing_relevant_certs=1)
    )[0] == pytest.approx(0.1)
    assert prior_fit(_cols(concept_cos=1.0, kbli_need_level=5, n_missing_certs=1))[
        0
    ] == pytest.approx(0.3)
    # a fresh product 1,000 km away loses most of its value, a craft hardly any
    far = np.log1p(1000.0)
    fresh = prior_fit(_cols(concept_cos=1.0, kbli_need_level=5, locality=0.9, log_distance_km=far))[
        0
    ]
    craft = prior_fit(_cols(concept_cos=1.0, kbli_need_level=5, locality=0.1, log_distance_km=far))[
        0
    ]
    assert fresh < 0.2 < 0.85 < craft
    assert prior_fit(_cols())[0] == 0.0


def test_prior_reads_locality_from_the_umkm_kbli_first():
    far = np.log1p(1000.0)
    # the text says "ships anywhere" but the KBLI says catering: the KBLI wins
    catering = prior_fit(
        _cols(
            concept_cos=1.0, kbli_need_level=5, locality=0.1, kbli_locality=1.0, log_distance_km=far
        )
    )[0]
    assert catering < 0.05


def test_locality_table_longest_prefix():
    from matcher.features.pairs import kbli_locality

    assert kbli_locality("56210") == 1.0  # catering: on site
    assert kbli_locality("10794") == 0.3  # crackers: shelf-stable (1079 over 10)
    assert kbli_locality("10710") == 0.8  # bakery
    assert kbli_locality("13134") == 0.1  # batik ships anywhere
    assert np.isnan(kbli_locality("99999")) or kbli_locality("99999") >= 0


def test_certificates_count_only_for_products_they_apply_to():
    import scipy.sparse as sp

    from matcher.data.schema import CERTIFICATIONS
    from matcher.features.pairs import cert_applicability

    halal = CERTIFICATIONS.index("halal")
    svlk = CERTIFICATIONS.index("svlk")
    empty = sp.csr_matrix((3, 2), dtype=np.float32)
    a = cert_applicability(
        [("96200",), ("56210",), ("31001",)], np.zeros(3, bool), empty, np.array(["9620", "5621"])
    )
    assert (
        a[0, halal] == 0 and a[1, halal] == 1 and a[2, halal] == 0
    )  # laundry, catering, furniture
    assert a[2, svlk] == 1 and a[1, svlk] == 0
    # no usable code: read from the products' mapped subgolongan
    mapped = sp.csr_matrix(np.array([[0.0, 1.0]], dtype=np.float32))
    b = cert_applicability([("46900",)], np.array([True]), mapped, np.array(["9620", "5621"]))
    assert b[0, halal] == 1


@pytest.fixture(scope="module")
def mapper():
    from matcher.features.kbli_text import KbliTextMapper

    return KbliTextMapper().fit()


@pytest.mark.parametrize(
    "text, prefix",
    [
        ("jasa laundry kiloan dan cuci seragam", "962"),
        ("prawn crackers", "107"),
        ("mebel kayu jati", "310"),
        ("Looking for a caterer for staff canteen meals", "562"),
        ("garam beryodium", "107"),
    ],
)
def test_mapper_reads_kbli_from_words(mapper, text, prefix):
    top, conf = mapper.predict_top([text], level=3, k=3)
    assert prefix in top[0].tolist(), (text, top[0])
    assert conf[0, 0] > 0


@pytest.mark.slow  # fits the KBLI mapper
def test_mapper_learns_from_stated_codes_and_skips_trade_codes():
    from matcher.features.kbli_text import KbliTextMapper, top_k_accuracy

    texts = ["londri kiloan murah"] * 3 + ["toko kelontong"]
    m = KbliTextMapper().fit(texts, [("96200",)] * 3 + [("47111",)])
    assert m.predict_top(["londri"], level=4, k=1)[0][0, 0] == "9620"
    # trade codes say how one sells, not what: that profile is not learned from
    assert m.n_reference_docs_ == KbliTextMapper().fit().n_reference_docs_ + 3
    assert top_k_accuracy(m, ["londri kiloan"], [("96200",)], level=4, k=3) == 1.0
    # nothing recognisable: no code, zero confidence, an all-zero probability row
    assert m.predict_proba(["zzqx"], level=3).sum() == 0
