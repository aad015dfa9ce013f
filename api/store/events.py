"""Matchmaking events and their participants.

**Event IDs are scoped per region.** A facilitator scoped to a region names events in a
namespace of its own: the ID it gives is stored (and shown back) with a short tag of its
region, ``E1`` becoming ``E1@3fa9c2``. So whether another region already has an event
``E1`` changes nothing for it: ``POST /events`` with that ID creates its own event (201)
exactly as for an ID nobody uses, after the same single lookup in its own namespace; it
can never learn another region's event IDs by trying them (a 409 once told it). An
unscoped (admin) caller names events as given; ``@`` is reserved for the tags, so no
chosen ID can land in a region's namespace. A scoped caller finds its events by the short
form or by the full ID; events it can see but did not name (an admin's, a wider scope's)
by their full ID.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store.models import Event, EventParticipant
from api.store.regions import Region
from matcher.data import rules
from matcher.data.errors import MatcherError
from matcher.i18n import Message

TAG = "@"
_TAG_LEN = 6


class EventIdError(MatcherError):
    """An event ID that cannot be used as given (HTTP 422)."""


def region_tag(region: Region) -> str:
    """The namespace tag of a region: the same for every spelling of it (case)."""
    text = f"{region.province}/{region.regency or ''}".lower()
    return hashlib.sha256(text.encode()).hexdigest()[:_TAG_LEN]


def event_key(event_id: str, region: Region | None) -> str:
    """The stored ID of ``event_id`` as named by a caller scoped to ``region``."""
    return event_id if region is None else f"{event_id}{TAG}{region_tag(region)}"


def check_new_event_id(event_id: str, region: Region | None) -> str:
    """The stored ID a new event named ``event_id`` gets; EventIdError when it cannot."""
    if TAG in event_id:
        raise EventIdError(Message("api.event.tag_reserved", id=repr(event_id), tag=TAG))
    key = event_key(event_id, region)
    if len(key) > rules.ID_MAX:
        most = rules.ID_MAX - (len(key) - len(event_id))
        raise EventIdError(Message("api.event.id_too_long", id=repr(event_id), most=most))
    return key


def event_id_taken(session: Session, event_id: str, region: Region | None) -> bool:
    """Whether the caller's own namespace already has ``event_id`` (one primary-key
    lookup, whatever other regions hold)."""
    return session.get(Event, event_key(event_id, region)) is not None


def create_event(
    session: Session,
    *,
    event_id: str,
    name: str,
    date: dt.date | None,
    participants: list[tuple[str, str, int]],
    created_by: str | None,
    region: Region | None = None,
) -> Event:
    """``participants``: (party, id, capacity) triples, already validated. The event is
    stored under :func:`event_key` (the caller's namespace)."""
    key = check_new_event_id(event_id, region)
    event = Event(event_id=key, name=name, date=date, created_by=created_by)
    session.add(event)
    session.flush()
    session.add_all(
        EventParticipant(event_id=key, party=p, participant_id=i, capacity=c)
        for p, i, c in participants
    )
    session.flush()
    return event


def get_event(session: Session, event_id: str, region: Region | None = None) -> Event | None:
    """The event ``event_id`` names for a caller scoped to ``region``: its own event of
    that name first, else the event stored under exactly that ID (visibility is the
    caller's to check)."""
    if region is not None and TAG not in event_id:
        own = session.get(Event, event_key(event_id, region))
        if own is not None:
            return own
    return session.get(Event, event_id)


def participants(session: Session, event_id: str) -> list[EventParticipant]:
    return list(
        session.scalars(
            select(EventParticipant)
            .where(EventParticipant.event_id == event_id)
            .order_by(EventParticipant.party, EventParticipant.participant_id)
        )
    )


def list_events(session: Session) -> list[Event]:
    """Every event, newest first (by date, then by when it was created)."""
    return list(
        session.scalars(
            select(Event).order_by(Event.date.desc().nulls_last(), Event.created_at.desc())
        )
    )
