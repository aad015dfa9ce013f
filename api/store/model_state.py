"""The store's mirror of which model version is current.

The registry's ``CURRENT`` pointer is the truth; this row is refreshed whenever a server
loads a model or an admin promotes one, so the database alone can say which model
produced the recommendations its outcomes refer to.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from api.store.models import ModelState, utcnow


def mirror_current_version(session: Session, version: str | None, by: str | None) -> None:
    session.execute(
        update(ModelState)
        .where(ModelState.id == 1)
        .where(ModelState.current_version.is_distinct_from(version))
        .values(current_version=version, updated_by=by, updated_at=utcnow())
    )


def mirrored_version(session: Session) -> str | None:
    row = session.get(ModelState, 1)
    return row.current_version if row else None
