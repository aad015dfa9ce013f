"""scikit-learn's estimator contract for the learnable parts of the core: parameters checked
when ``fit`` starts (before any data is read or random number drawn), ``fit`` leaves the
parameters as given (so ``clone`` works), and every method that needs a fitted model says
so with ``NotFittedError`` instead of an AttributeError deep inside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from matcher.calibration import ContractValueModel, StageCalibrator
from matcher.ranking import MatchModel
from tests.worlds import line_world, tiny_model
from training.baselines import FacilitatorRule, RandomScorer, TfidfCosine

ESTIMATORS = [
    MatchModel,
    StageCalibrator,
    ContractValueModel,
    RandomScorer,
    FacilitatorRule,
    TfidfCosine,
]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_defaults_pass_their_own_constraints_and_every_parameter_has_one(cls):
    est = cls()
    assert set(est._parameter_constraints) == set(est.get_params())
    est._validate_params()  # the defaults are valid
    assert clone(est).get_params() == est.get_params()


class _Untouchable:
    """Data that fails loudly if fit reads it: proves a bad parameter is caught first."""

    def __getattr__(self, name):
        raise AssertionError(f"fit read its data ({name}) before checking its parameters")

    def __getitem__(self, key):
        raise AssertionError("fit read its data before checking its parameters")


@pytest.mark.parametrize(
    "params",
    [
        {"negative_strategy": "stratified"},
        {"n_negatives": -1},
        {"negative_weight": -0.5},
        {"n_folds": 0},
        {"max_iter": 0},
        {"learning_rate": 0.0},
        {"max_leaf_nodes": 1},
        {"early_stopping": "sometimes"},
        {"monotone": "yes"},
        {"shortlist_size": 0},
        {"block_size": 0},
        {"random_state": -1},
        {"n_negatives": 2.5},
    ],
    ids=lambda p: next(iter(p)),
)
def test_match_model_refuses_a_bad_parameter_before_reading_data(params):
    name = next(iter(params))
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of MatchModel"):
        MatchModel(**params).fit(_Untouchable(), _Untouchable(), _Untouchable())


def test_negative_strategy_is_checked_before_the_first_random_draw(monkeypatch):
    """It used to be checked after the uniform negatives were drawn."""
    import matcher.ranking

    u, f, o = line_world()

    def no_draws(*args, **kwargs):
        raise AssertionError("a random generator was made before the parameters were checked")

    monkeypatch.setattr(matcher.ranking.np.random, "default_rng", no_draws)
    with pytest.raises(InvalidParameterError, match="negative_strategy"):
        MatchModel(negative_strategy="stratified").fit(u, f, o)


@pytest.mark.parametrize(
    "est, call",
    [
        (StageCalibrator(alpha=-1.0), lambda e: e.fit([0.1, 0.2], [0, 1])),
        (ContractValueModel(shrinkage=-1.0), lambda e: e.fit(*line_world())),
        (ContractValueModel(default_share=1.5), lambda e: e.fit(*line_world())),
    ],
    ids=["alpha", "shrinkage", "default_share"],
)
def test_calibration_estimators_refuse_bad_parameters(est, call):
    with pytest.raises(InvalidParameterError):
        call(est)


@pytest.mark.slow  # fits the model twice
def test_fit_leaves_the_parameters_as_given_and_a_clone_refits_identically():
    u, f, o = line_world()
    fitted = tiny_model()
    assert (
        fitted.get_params() == MatchModel(max_iter=40, n_negatives=6, random_state=0).get_params()
    )
    again = clone(fitted)
    assert again.get_params() == fitted.get_params()
    assert not hasattr(again, "ranker_")  # a clone is unfitted
    again.fit(u, f, o)
    U, F = fitted.encode_umkm(u), fitted.encode_firms(f)
    rows = np.arange(0, len(u), 7)
    np.testing.assert_array_equal(
        again.score_block(again.encode_umkm(u), again.encode_firms(f), rows),
        fitted.score_block(U, F, rows),
    )


UNFITTED_CALLS = {
    "encode_umkm": lambda m, u, f: m.encode_umkm(u),
    "encode_firms": lambda m, u, f: m.encode_firms(f),
    "score_block": lambda m, u, f: m.score_block(None, None, [0]),
    "score_pairs": lambda m, u, f: m.score_pairs(None, None, [0], [0]),
    "top_firms": lambda m, u, f: m.top_firms(None, None, [0], 3),
    "contributions": lambda m, u, f: m.contributions(np.zeros((1, 3), np.float32)),
    "explain_pairs": lambda m, u, f: m.explain_pairs(None, None, [0], [0]),
    "explain_features": lambda m, u, f: m.explain_features(np.zeros((1, 3)), None, None, [0], [0]),
    "chances": lambda m, u, f: m.chances([0.5]),
    "contract_values": lambda m, u, f: m.contract_values(u, f),
    "outcome_scores": lambda m, u, f: m.outcome_scores(u, f, line_world()[2]),
    "fit_calibrator": lambda m, u, f: m.fit_calibrator(u, f, line_world()[2]),
}


@pytest.mark.parametrize("method", sorted(UNFITTED_CALLS))
def test_an_unfitted_match_model_says_so(method):
    u, f, _ = line_world()
    with pytest.raises(NotFittedError, match="MatchModel instance is not fitted yet"):
        UNFITTED_CALLS[method](MatchModel(), u, f)


def test_baselines_refuse_a_bad_seed_and_say_when_unfitted():
    u, f, _ = line_world()
    with pytest.raises(InvalidParameterError, match="'random_state' parameter of RandomScorer"):
        RandomScorer(random_state=-3).fit(u, f)
    for cls in (RandomScorer, FacilitatorRule, TfidfCosine):
        with pytest.raises(NotFittedError):
            cls().score_block(u, f, [0])


def test_unfitted_calibration_estimators_say_so():
    u, f, _ = line_world()
    with pytest.raises(NotFittedError):
        StageCalibrator().predict([0.1])
    with pytest.raises(NotFittedError):
        ContractValueModel().predict(u, f)


def test_contract_value_model_does_not_change_the_frames_it_is_given():
    u, f, o = line_world()
    o = o.assign(contract_value_idr=np.where(o["grade"] >= 3, 5e7, np.nan))
    before = [x.copy() for x in (u, f, o)]
    ContractValueModel().fit(u, f, o)
    for a, b in zip(before, (u, f, o)):
        pd.testing.assert_frame_equal(a, b)
