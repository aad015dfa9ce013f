"""Who may see which profile. One rule for every route: a facilitator scoped to a region
sees a UMKM outside it exactly as if it did not exist (404), so existence does not leak."""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlalchemy.orm import Session

from api.store.accounts import Principal
from api.store.models import Firm, Umkm
from api.store.profiles import FIRMS, UMKM, get_profile
from matcher.i18n import Message


def visible_umkm(session: Session, principal: Principal, umkm_id: str) -> Umkm:
    row = get_profile(session, UMKM, umkm_id, principal.region)
    if row is None:
        raise umkm_not_found(umkm_id)
    return row


def umkm_not_found(umkm_id: str) -> HTTPException:
    """The one answer for a UMKM that does not exist or lies outside the caller's region."""
    return HTTPException(status.HTTP_404_NOT_FOUND, Message("api.error.no_umkm", id=repr(umkm_id)))


def existing_firm(session: Session, firm_id: str) -> Firm:
    row = get_profile(session, FIRMS, firm_id)
    if row is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, Message("api.error.no_firm", id=repr(firm_id))
        )
    return row
