"""Matchmaking events and their participants."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store.models import Event, EventParticipant


def create_event(
    session: Session, *, event_id: str, name: str, date: dt.date | None,
    participants: list[tuple[str, str, int]], created_by: str | None,
) -> Event:
    """``participants``: (party, id, capacity) triples, already validated."""
    event = Event(event_id=event_id, name=name, date=date, created_by=created_by)
    session.add(event)
    session.flush()
    session.add_all(
        EventParticipant(event_id=event_id, party=p, participant_id=i, capacity=c)
        for p, i, c in participants
    )
    session.flush()
    return event


def get_event(session: Session, event_id: str) -> Event | None:
    return session.get(Event, event_id)


def participants(session: Session, event_id: str) -> list[EventParticipant]:
    return list(session.scalars(
        select(EventParticipant).where(EventParticipant.event_id == event_id)
        .order_by(EventParticipant.party, EventParticipant.participant_id)
    ))


def list_events(session: Session) -> list[Event]:
    """Every event, newest first (by date, then by when it was created)."""
    return list(session.scalars(
        select(Event).order_by(Event.date.desc().nulls_last(), Event.created_at.desc())
    ))
