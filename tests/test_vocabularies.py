"""One owner per vocabulary and per default: the API's schemas take their choices from the
core, and an event's default capacities follow one rule in files and in the API."""

from __future__ import annotations

import typing

import pandas as pd
import pytest

from api import schemas
from api.retrain import JOB_STATUSES
from matcher.data import lifecycle, schema
from matcher.data.event_files import PREFERENCES
from matcher.data.loaders import parse_event
from matcher.data.outcome_state import REVISION_ACTIONS
from matcher.i18n import LANGUAGES
from matcher.preferences import UNMET_REASONS


def _choices(model, field: str) -> tuple:
    annotation = model.model_fields[field].annotation
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is typing.Literal:
            return typing.get_args(arg)
        for inner in typing.get_args(arg):  # Annotated[Literal[...], validator]
            if typing.get_origin(inner) is typing.Literal:
                return typing.get_args(inner)
    raise AssertionError(f"{model.__name__}.{field} is not a choice: {annotation}")


@pytest.mark.parametrize(
    "model, field, owner",
    [
        (schemas.UmkmProfileIn, "scale", schema.SCALES),
        (schemas.MatchFilters, "investment_type", schema.INVESTMENT_TYPES),
        (schemas.ParticipantIn, "party", schema.PARTIES),
        (schemas.PreferenceOut, "preference", PREFERENCES),
        (schemas.UnmetWish, "reason", UNMET_REASONS),
        (schemas.RetrainJobOut, "status", JOB_STATUSES),
        (schemas.OutcomeIn, "stage", lifecycle.STAGES),
        (schemas.OutcomeIn, "declined_by", schema.DECLINED_BY),
    ],
)
def test_api_choices_are_the_core_vocabularies(model, field, owner):
    assert _choices(model, field) == tuple(owner)


def test_revision_actions_and_languages_come_from_their_owners():
    sources = open(schemas.__file__, encoding="utf-8").read()
    assert "Literal[REVISION_ACTIONS]" in sources and "Literal[LANGUAGES]" in sources
    assert REVISION_ACTIONS == ("correct", "void") and LANGUAGES == ("id", "en")
    assert '"mikro"' not in sources and '"umkm", "firm"' not in sources


def test_default_capacity_is_the_same_rule_in_files_and_the_api():
    umkm = pd.DataFrame({"umkm_id": ["U1", "U2"]})
    firms = pd.DataFrame({"firm_id": ["F1", "F2"], "max_partners": [5, 2]})
    raw = pd.DataFrame(
        {
            "party": ["umkm", "umkm", "firm", "firm"],
            "id": ["U1", "U2", "F1", "F2"],
            "capacity": ["", "4", "", "1"],
        }
    )
    event = parse_event(raw, "event.csv", umkm, firms)
    max_partners = dict(zip(firms["firm_id"], firms["max_partners"]))
    expected = [
        int(c) if c else schema.default_capacity(p, max_partners.get(i))
        for p, i, c in zip(raw["party"], raw["id"], raw["capacity"])
    ]
    assert event["capacity"].tolist() == expected == [1, 4, 5, 1]
    assert schema.default_capacity("firm") == schema.DEFAULT_MAX_PARTNERS
    with pytest.raises(Exception, match="capacity"):
        schemas.ParticipantIn(party="firm", id="F1", capacity=schema.MIN_CAPACITY - 1)


def test_routers_copy_no_vocabulary_by_hand():
    from pathlib import Path

    import api.routers

    for path in Path(api.routers.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert '"PMA", "PMDN"' not in text and '"id", "en"' not in text, path.name
    assert typing.get_args(schemas.Lang) == LANGUAGES
    assert typing.get_args(schemas.InvestmentType) == schema.INVESTMENT_TYPES
