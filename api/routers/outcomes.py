"""Outcomes: record (idempotent), correct, void, and read a pair's history.

Every route calls the store's function API (:mod:`api.store.outcomes`), the same one the
CLI and the web pages use. A scoped facilitator works only on outcomes of UMKM in its
region (others look absent: 404).
"""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api import matching, schemas
from api.access import existing_firm, visible_umkm
from api.deps import CacheDep, HolderDep, PrincipalDep, SessionDep, SettingsDep, StoreDep
from api.store.outcomes import (
    OutcomeState,
    correct_outcome,
    followups_frame,
    outcome_state,
    pair_history,
    record_outcome,
    void_outcome,
)
from matcher.data.rules import INT32_MAX

# outcome IDs are 32-bit database integers: a larger one is a 422, never an overflow in the store
OutcomeId = Annotated[int, Path(ge=1, le=INT32_MAX)]

router = APIRouter(prefix="/outcomes", tags=["outcomes"])


def history_out(state: OutcomeState) -> schemas.OutcomeHistoryOut:
    return schemas.OutcomeHistoryOut(
        outcome=schemas.OutcomeOut.model_validate(state.outcome),
        revisions=[schemas.RevisionOut.model_validate(r) for r in state.revisions],
        voided=state.voided,
        current=state.current,
    )


@router.post(
    "",
    response_model=schemas.OutcomeOut,
    status_code=status.HTTP_201_CREATED,
    summary="Record the stage a pair reached (idempotent: the same outcome again returns it)",
    responses={
        200: {"description": "this outcome was already recorded; the stored one"},
        409: {"description": "same pair, stage and date stored with other values"},
    },
)
def record(
    body: schemas.OutcomeIn,
    principal: PrincipalDep,
    store: StoreDep,
    holder: HolderDep,
    settings: SettingsDep,
    cache: CacheDep,
    response: Response,
):
    """Also records whether the engine had recommended this firm to this UMKM (in its
    top-k under the model being served) and that model's version, for retraining."""
    # who may see the pair is settled before any scoring, so "exists in another region"
    # and "does not exist" do the same work and answer the same 404 in the same time
    with store.session() as session:
        visible_umkm(session, principal, body.umkm_id)
        existing_firm(session, body.firm_id)
    recommended, version = matching.engine_recommended(
        holder.snapshot, body.umkm_id, body.firm_id, settings.recommended_k, cache
    )
    with store.transaction() as session:
        row, created = record_outcome(
            session,
            **body.model_dump(),
            recorded_by=principal.name,
            source="api",
            recommended_by_engine=recommended,
            model_version=version,
        )
    if not created:
        response.status_code = status.HTTP_200_OK
    return row


def _visible_state(session, principal, outcome_id: int) -> OutcomeState:
    state = outcome_state(session, outcome_id)
    visible_umkm(session, principal, state.outcome.umkm_id)
    return state


@router.get(
    "/{outcome_id}",
    response_model=schemas.OutcomeHistoryOut,
    summary="One outcome: as recorded, its corrections and voids, its current value",
)
def get_outcome(outcome_id: OutcomeId, session: SessionDep, principal: PrincipalDep):
    return history_out(_visible_state(session, principal, outcome_id))


def _revised(store, principal, outcome_id: int, revise) -> schemas.OutcomeHistoryOut:
    """Correct or void: ``revise(session)`` on a visible outcome, in one transaction; the
    outcome's history after it."""
    with store.transaction() as session:
        _visible_state(session, principal, outcome_id)
        revise(session)
        return history_out(outcome_state(session, outcome_id))


@router.post(
    "/{outcome_id}/corrections",
    response_model=schemas.OutcomeHistoryOut,
    status_code=status.HTTP_201_CREATED,
    summary="Correct an outcome: the fields given change; who, when and why are kept",
)
def correct(
    outcome_id: OutcomeId, body: schemas.CorrectionIn, principal: PrincipalDep, store: StoreDep
):
    return _revised(
        store,
        principal,
        outcome_id,
        lambda session: correct_outcome(
            session, outcome_id, reason=body.reason, by=principal.name, **body.changes()
        ),
    )


@router.post(
    "/{outcome_id}/void",
    response_model=schemas.OutcomeHistoryOut,
    status_code=status.HTTP_201_CREATED,
    summary="Void an outcome (it stops counting; the record and the reason stay)",
)
def void(outcome_id: OutcomeId, body: schemas.VoidIn, principal: PrincipalDep, store: StoreDep):
    return _revised(
        store,
        principal,
        outcome_id,
        lambda session: void_outcome(session, outcome_id, reason=body.reason, by=principal.name),
    )


@router.get(
    "/history/{umkm_id}/{firm_id}",
    response_model=schemas.PairHistoryOut,
    summary="A pair's whole history: outcomes with corrections, and follow-ups",
)
def history(umkm_id: str, firm_id: str, session: SessionDep, principal: PrincipalDep):
    visible_umkm(session, principal, umkm_id)
    existing_firm(session, firm_id)
    followups = followups_frame(session, umkm_id, firm_id)
    return schemas.PairHistoryOut(
        umkm_id=umkm_id,
        firm_id=firm_id,
        outcomes=[history_out(s) for s in pair_history(session, umkm_id, firm_id)],
        followups=[
            schemas.FollowupOut.model_validate(_followup_dict(r))
            for r in followups.to_dict("records")
        ],
    )


def _followup_dict(row: dict) -> dict:
    import pandas as pd

    out = dict(row)
    for c in ("date", "next_date"):
        out[c] = None if pd.isna(out[c]) else out[c].date()
    return out
