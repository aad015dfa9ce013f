"""The model contract (tests/model_contract.py) run against the real model and every
stand-in tests use (tests/fakes.py): if a fake drifts from what the service relies on, it
fails here, not as a puzzling pass elsewhere."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from tests.fakes import FakeModel, MatrixModel
from tests.model_contract import ModelContract
from tests.worlds import line_world, tiny_model


@pytest.fixture(scope="module")
def line_frames():
    """30 UMKM of the line world (cold-start ones among them) and all 20 firms."""
    u, f, _ = line_world()
    return pd.concat([u.iloc[:15], u.iloc[-15:]], ignore_index=True), f


@pytest.fixture(scope="module")
def calibrated_line_model():
    u, f, o = line_world()
    model = copy.copy(tiny_model())  # the cached one stays uncalibrated for other tests
    model.calibrator_ = model.fit_calibrator(u, f, o)
    return model


class TestMatchModel(ModelContract):
    """The real model, fitted on the line world and calibrated on its outcomes; 20 firms:
    below the shortlist's threshold, so top-k must equal full scoring exactly."""

    @pytest.fixture
    def frames(self, line_frames):
        return line_frames

    @pytest.fixture
    def model(self, calibrated_line_model):
        return calibrated_line_model

    def test_the_shortlist_is_off_here(self, model, frames):
        assert len(frames[1]) < model.shortlist_min_firms


class TestFakeModel(ModelContract):
    @pytest.fixture
    def frames(self, tiny_world):
        return tiny_world

    @pytest.fixture
    def model(self):
        return FakeModel(boosted=("F3",), boost=0.25)


class TestMatrixModelFromATable(ModelContract):
    @pytest.fixture
    def frames(self, tiny_world):
        return tiny_world

    @pytest.fixture
    def model(self, tiny_world):
        umkm, firms = tiny_world
        scores = np.arange(9, dtype=float).reshape(3, 3) % 4  # ties on purpose
        return MatrixModel.from_array(scores, umkm["umkm_id"], firms["firm_id"])


class TestMatrixModelPseudoRandom(ModelContract):
    @pytest.fixture
    def frames(self, tiny_world):
        return tiny_world

    @pytest.fixture
    def model(self):
        return MatrixModel(seed=3)
