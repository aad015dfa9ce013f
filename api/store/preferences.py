"""An event's preferences (who wants to meet whom, who vetoes whom), stored per event.

The frame in and out is the one :func:`matcher.data.event_files.parse_preferences` makes
(``from_party, from_id, to_id, preference, umkm_id, firm_id``), so the planner takes
stored preferences exactly as it takes a preferences file. A caller scoped to a region
states and reads only the preferences of its own UMKM: replacing them leaves the other
regions' preferences of the same event as they were.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from api.store.guard import check_records
from api.store.models import EventPreference
from matcher.data.event_files import PREFERENCE_COLUMNS


def replace_preferences(
    session: Session,
    event_id: str,
    frame: pd.DataFrame,
    *,
    umkm_ids: set[str] | None,
    stated_by: str | None,
) -> int:
    """The event's preferences about ``umkm_ids`` (None: all of them) become ``frame``
    (every row of which names one of those UMKM); returns how many are stored."""
    gone = delete(EventPreference).where(EventPreference.event_id == event_id)
    if umkm_ids is not None:
        gone = gone.where(EventPreference.umkm_id.in_(sorted(umkm_ids)))
    session.execute(gone)
    records = [
        dict(
            event_id=event_id,
            from_party=r.from_party,
            from_id=r.from_id,
            to_id=r.to_id,
            preference=r.preference,
            umkm_id=r.umkm_id,
            stated_by=stated_by,
        )
        for r in frame.itertuples(index=False)
    ]
    if records:
        check_records(EventPreference, records)
        session.execute(insert(EventPreference), records)
    return len(records)


def preferences_frame(session: Session, event_id: str) -> pd.DataFrame | None:
    """The event's stored preferences as the planner takes them; None when there are none."""
    rows = session.execute(
        select(
            EventPreference.from_party,
            EventPreference.from_id,
            EventPreference.to_id,
            EventPreference.preference,
            EventPreference.umkm_id,
        )
        .where(EventPreference.event_id == event_id)
        .order_by(EventPreference.from_party, EventPreference.from_id, EventPreference.to_id)
    ).all()
    if not rows:
        return None
    frame = pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["from_party", "from_id", "to_id", "preference", "umkm_id"],
    )
    frame["firm_id"] = frame["to_id"].where(frame["from_party"] == "umkm", frame["from_id"])
    return frame[list(PREFERENCE_COLUMNS)]
