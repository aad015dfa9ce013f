"""The ranker on worlds with known answers, and the scoring invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.service import RECOMMENDATION_COLUMNS, MatchService
from tests.worlds import demo_frames, line_world, tiny_model


@pytest.fixture(scope="module")
def service():
    u, f, _ = line_world()
    return MatchService(tiny_model(), u, f)


def test_obvious_match_ranks_first_for_cold_start_umkm(service):
    # U100..U149 have no history; firm j matches UMKM i when i % 5 == j % 5
    recs = service.recommend_firms([f"U{i}" for i in range(100, 150)], k=4)
    top = recs[recs["rank"] == 1]
    for row in top.itertuples():
        assert int(row.umkm_id[1:]) % 5 == int(row.firm_id[1:]) % 5, row
    # all four matching firms (20 firms / 5 lines) fill the top 4
    same_line = recs.apply(lambda r: int(r.umkm_id[1:]) % 5 == int(r.firm_id[1:]) % 5, axis=1)
    assert same_line.mean() == 1.0


def test_reverse_question_finds_the_right_umkm(service):
    recs = service.recommend_umkm("F03", k=10)  # workwear firm
    assert (recs["umkm_id"].str[1:].astype(int) % 5 == 3).all()
    assert recs["rank"].tolist() == list(range(1, 11))


def test_scores_sorted_and_ranks_contiguous(service):
    recs = service.recommend_firms(None, k=7)
    for _, g in recs.groupby("umkm_id"):
        assert g["rank"].tolist() == list(range(1, 8))
        assert (np.diff(g["score"].to_numpy()) <= 1e-7).all()
    assert set(recs.columns) == set(RECOMMENDATION_COLUMNS)


def test_batch_equals_single(service):
    batch = service.recommend_firms(["U101", "U102", "U103"], k=5).reset_index(drop=True)
    singles = pd.concat(
        [service.recommend_firms([u], k=5) for u in ["U101", "U102", "U103"]], ignore_index=True
    )
    pd.testing.assert_frame_equal(batch, singles)
    m = service.score_matrix(["U101", "U102"], ["F00", "F01", "F02"])
    pair = service.model.score_pairs(
        service._U,
        service._F,
        np.array([1, 1]) * 0 + service.umkm_index.to_index(["U102"])[0],
        service.firm_index.to_index(["F01", "F02"]),
    )
    np.testing.assert_allclose(m[1, 1:], pair, rtol=1e-6)


def test_reasons_name_the_product_and_missing_certificate():
    u, f, o = line_world()
    f = f.copy()
    f.at[0, "required_certifications"] = ("bpom",)  # salt buyer now requires BPOM
    service = MatchService(tiny_model(), u, f)
    text = service.explain(["U100"], ["F00"])[0]
    assert "produk cocok: garam rakyat ↔ sea salt for food" in text
    # raw salt from the ponds (KBLI 08930) is not a BPOM product: a note, not a gap
    assert "catatan: syarat BPOM perusahaan tidak berlaku untuk produk ini" in text
    # processed consumption salt (10774) is: the UMKM must obtain it
    u = u.copy()
    u.at[u.index[u["umkm_id"] == "U100"][0], "kbli"] = ("10774",)
    text = MatchService(tiny_model(), u, f).explain(["U100"], ["F00"])[0]
    missing = text.split("perlu dilengkapi: ")[1]
    assert "sertifikat BPOM" in missing and "tidak berlaku" not in text


@pytest.fixture(scope="module")
def demo_model():
    from matcher.ranking import MatchModel

    umkm, firms, outcomes, _, world = demo_frames(1200, 120, 3)
    return MatchModel(max_iter=80).fit(umkm, firms, outcomes)


@pytest.mark.slow  # trains on a 1,200 x 120 demo world
def test_missing_required_certificate_lowers_the_score(demo_model):
    """Firms that require BPOM: the same UMKM scores lower without it than with it."""
    umkm, firms, *_ = demo_frames(1200, 120, 3)
    lacking = umkm.index[umkm["certifications"].map(lambda c: "bpom" not in c)][:40]
    strict = firms.copy()
    strict["required_certifications"] = [
        tuple(c) + ("bpom",) if "bpom" not in c else c for c in firms["required_certifications"]
    ]
    holding = umkm.copy()
    holding["certifications"] = [
        tuple(c) + ("bpom",) if i in set(lacking) else c for i, c in umkm["certifications"].items()
    ]
    u_ids = umkm.loc[lacking, "umkm_id"]
    without = MatchService(demo_model, umkm, strict).score_matrix(u_ids, strict["firm_id"])
    with_cert = MatchService(demo_model, holding, strict).score_matrix(u_ids, strict["firm_id"])
    assert (without <= with_cert + 1e-6).all()  # monotone: a missing certificate never helps
    best = with_cert.argmax(axis=1)  # each UMKM's best firm: a pair that really fits
    rows = np.arange(len(best))
    assert without[rows, best].mean() < 0.7 * with_cert[rows, best].mean()


def test_a_shortlist_that_keeps_the_best_firms_gives_the_exact_top_scores():
    import copy

    u, f, _ = line_world()
    model = tiny_model()
    U, F = model.encode_umkm(u), model.encode_firms(f)
    assert F.n == 20
    idx = np.arange(100, 150)
    # the 4 firms of each UMKM's line (a 5th would be whichever non-matching firm scores
    # a hair above the others, which a shortlist need not keep)
    _, full_vals = model.top_firms(U, F, idx, 4)
    # 10 of the 20 firms by the distilled linear model, then the trees on those only
    cheap = copy.copy(model).set_params(shortlist_min_firms=1, shortlist_size=10)
    calls = []
    cheap._shortlist_scores = lambda X: calls.append(1) or model._shortlist_scores(X)
    _, short_vals = cheap.top_firms(U, F, idx, 4)
    assert calls  # the shortlist did run
    # tied firms of one product line may swap places, so compare the scores
    np.testing.assert_allclose(short_vals, full_vals)


def test_shortlist_scores_are_the_distilled_models_predictions_with_gaps_imputed():
    u, f, _ = line_world()
    model = tiny_model()
    U, F = model.encode_umkm(u), model.encode_firms(f)
    X = model.features_.block(U, F, np.arange(0, 30))
    X[::7, 3] = np.nan  # gaps read as the training mean, as in the fitted Ridge's input
    expected = model.shortlister_.predict(model._impute(X))
    np.testing.assert_allclose(model._shortlist_scores(X), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        model._shortlist_scores(np.ascontiguousarray(X)), expected, rtol=1e-6, atol=1e-6
    )


def test_contributions_equal_ablating_every_group_of_every_pair():
    from matcher.features.pairs import FEATURE_GROUPS, FEATURE_NAMES, prior_fit

    u, f, _ = line_world()
    model = tiny_model()
    U, F = model.encode_umkm(u), model.encode_firms(f)
    X = np.ascontiguousarray(model.features_.block(U, F, np.arange(0, 12)))
    X[::5, FEATURE_NAMES.index("umkm_log_revenue")] = np.nan
    cert = [FEATURE_NAMES.index(n) for n in FEATURE_GROUPS["cert"]]
    X[::2, cert] = model.reference_[cert]  # half the pairs already at the reference: skipped
    got = model.contributions(X)
    base = model._predict(X)
    for g, (group, names) in enumerate(FEATURE_GROUPS.items()):
        if group == "prior":
            assert (got[:, g] == 0).all()
            continue
        Xg = X.copy()
        cols = [FEATURE_NAMES.index(n) for n in names]
        Xg[:, cols] = model.reference_[cols]
        Xg[:, FEATURE_NAMES.index("prior_fit")] = prior_fit(
            {n: Xg[:, i] for i, n in enumerate(FEATURE_NAMES)}
        )
        # the prior, recomputed in another batch, may differ in its last float32 bit (numpy's
        # vectorised exp); it enters the score linearly, so compare to a few ulps of a score
        np.testing.assert_allclose(
            got[:, g], base - model._predict(Xg), rtol=0, atol=2e-6, err_msg=group
        )
    assert (got[::2, list(FEATURE_GROUPS).index("cert")] == 0).all()


def test_ad_hoc_profile_matches_like_a_stored_one(service):
    u, _, _ = line_world()
    profile = u[u["umkm_id"] == "U100"].copy()
    profile["umkm_id"] = "NEW"
    adhoc = service.match_profile(profile, k=5)
    stored = service.recommend_firms(["U100"], k=5)
    assert adhoc["firm_id"].tolist() == stored["firm_id"].tolist()
    np.testing.assert_allclose(adhoc["score"], stored["score"], rtol=1e-6)


def test_save_then_load_gives_identical_scores(tmp_path):
    from training.registry import Registry

    u, f, _ = line_world()
    reg = Registry(tmp_path / "reg")
    version = reg.register(tiny_model(), metrics={}, features=["x"], data_fingerprint="t")
    loaded = reg.load(version)
    before = MatchService(tiny_model(), u, f).score_matrix(u["umkm_id"][:30], f["firm_id"])
    after = MatchService(loaded, u, f).score_matrix(u["umkm_id"][:30], f["firm_id"])
    np.testing.assert_array_equal(before, after)
    # a tampered artifact: tests/test_registry.py::test_tampered_artifact_is_refused_before_unpickling


def test_unknown_id_is_a_user_error(service):
    from matcher.data.errors import MatcherError

    with pytest.raises(MatcherError, match="unknown umkm id"):
        service.recommend_firms(["NOPE"], k=3)


@pytest.mark.slow  # trains on a 1,200 x 120 demo world
def test_model_beats_baselines_on_demo_world_truth(demo_model):
    """On a small demo world, cold-start NDCG@10 against the true relevance of every firm."""
    from training.evaluate import ModelScorer, fit_baselines
    from training.metrics import ndcg_at_k

    umkm, firms, outcomes, _, world = demo_frames(1200, 120, 3)
    cold = np.flatnonzero(~umkm["umkm_id"].isin(outcomes["umkm_id"]).to_numpy())[:300]
    truth = world.true_relevance_matrix(cold)
    scorers = {"model": ModelScorer(demo_model), **fit_baselines(umkm, firms, outcomes)}
    ndcg = {
        k: np.nanmean(ndcg_at_k(s.score_block(umkm, firms, cold), truth, 10))
        for k, s in scorers.items()
    }
    assert ndcg["model"] > ndcg["facilitator_rule"] + 0.1
    assert ndcg["model"] > ndcg["tfidf_cosine"] + 0.1
    assert ndcg["random"] < ndcg["facilitator_rule"]


@pytest.mark.slow  # scores the world twice
def test_batch_mode_encoding_chunk_by_chunk_gives_identical_rows(service):
    u, f, _ = line_world()
    lazy = MatchService(tiny_model(), u, f, encode_umkm_upfront=False)
    chunked = pd.concat(list(lazy.iter_recommend_firms(None, k=4, chunk_size=7)), ignore_index=True)
    assert lazy._U_all is None  # nothing encoded for the whole batch
    pd.testing.assert_frame_equal(chunked, service.recommend_firms(None, k=4))


def test_mixed_negatives_draw_more_from_the_umkms_own_province():
    from matcher.ranking import MatchModel

    u, f, o, _, _ = demo_frames(400, 60, 0)
    fitted = tiny_model().features_
    U, F = fitted.encode_umkm(u), fitted.encode_firms(f)

    def same_province_share(strategy):
        model = MatchModel(n_negatives=12, negative_strategy=strategy, random_state=0)
        u_all, f_all, y, _, _ = model.training_pairs(u, f, o, U, F)
        neg = y == 0
        return (U.province[u_all[neg]] == F.province[f_all[neg]]).mean()

    assert same_province_share("mixed") > same_province_share("uniform") + 0.05
    with pytest.raises(ValueError, match="negative_strategy"):
        MatchModel(negative_strategy="stratified").training_pairs(u, f, o, U, F)


def test_the_score_is_the_trees_plus_the_prior_at_their_spread_over_untried_pairs():
    from matcher.ranking import _score_scale

    # trees spread 1 (sd of [0, 2]), prior 0.25 (sd of [0, 0.5]): the prior counts x 4
    assert _score_scale(np.array([0.0, 2.0]), np.array([0.0, 0.5]), 1.0) == (1.0, 4.0)
    assert _score_scale(np.array([0.0, 2.0]), np.array([0.0, 0.5]), 0.5) == (1.0, 2.0)
    # no spread on either side: the prior gets no say (and nothing divides by zero)
    assert _score_scale(np.array([0.0, 2.0]), np.array([0.3, 0.3]), 1.0) == (1.0, 0.0)
    assert _score_scale(np.array([1.0, 1.0]), np.array([0.0, 0.5]), 1.0) == (1.0, 0.0)


def test_prior_weight_blends_the_domain_prior_into_the_trees_score():
    from matcher.features.pairs import FEATURE_NAMES
    from matcher.ranking import MatchModel

    u, f, o = line_world()
    X = None
    scores = {}
    for w in (0.0, 1.0, 1e6):
        model = MatchModel(max_iter=40, n_negatives=6, random_state=0, prior_weight=w).fit(u, f, o)
        U, F = model.encode_umkm(u), model.encode_firms(f)
        X = model.features_.block(U, F, np.arange(100, 120))
        trees = model.ranker_.predict(X)
        prior = X[:, FEATURE_NAMES.index("prior_fit")]
        scores[w] = model._predict(X)
        a, b = model.score_scale_
        np.testing.assert_allclose(scores[w], a * trees + b * prior, rtol=1e-5, atol=1e-6)
        assert (b == 0) == (w == 0)
    # weight 0: the trees alone; the trees are the same whatever the weight
    np.testing.assert_allclose(scores[0.0], model.ranker_.predict(X), rtol=1e-6)
    # an overwhelming weight orders every UMKM's firms as the prior does
    prior = X[:, FEATURE_NAMES.index("prior_fit")].reshape(20, -1)
    by_score = np.argsort(-scores[1e6].reshape(20, -1), axis=1, kind="stable")
    got = np.take_along_axis(prior, by_score, axis=1)
    assert (np.diff(got, axis=1) <= 1e-6).all()


def test_a_model_saved_before_the_prior_joined_the_score_scores_with_its_trees_alone():
    import pickle

    model = tiny_model()
    state = model.__getstate__()
    del state["score_scale_"], state["prior_weight"]
    old = pickle.loads(pickle.dumps(model))
    old.__dict__.clear()
    old.__setstate__(state)
    assert old.prior_weight == 0.0
    u, f, _ = line_world()
    U, F = old.encode_umkm(u), old.encode_firms(f)
    X = old.features_.block(U, F, np.arange(100, 110))
    np.testing.assert_array_equal(old._predict(X), old.ranker_.predict(X).astype(np.float32))
