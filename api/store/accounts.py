"""Accounts and API keys.

A key is shown once, when the account is made, and stored only as its SHA-256 hash plus
an 8-character prefix used to find the row without scanning every hash. Facilitators may
be scoped to a region; admins see everything and are never scoped.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.store.models import Account, utcnow
from api.store.regions import Region
from matcher.data.errors import MatcherError
from matcher.data.region_scope import RegionError
from matcher.data.region_scope import canonical_region as core_canonical_region
from matcher.i18n import Message

ROLES = ("facilitator", "admin")
PREFIX_LEN = 8


class AccountError(MatcherError):
    """A mistake in an accounts command (unknown name, duplicate, bad role or region)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: what the API needs to authorise a request."""

    name: str
    role: str
    region: Region | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def canonical_region(region: Region) -> Region:
    """The region spelled as the loaders spell profiles ("jatim/pamekasan" ->
    "Jawa Timur/Kabupaten Pamekasan"); an unknown province or regency is an error.
    The rule is :func:`matcher.data.region_scope.canonical_region`'s."""
    try:
        return core_canonical_region(region)
    except RegionError as exc:
        raise AccountError(Message("api.accounts.region", detail=exc.detail)) from None


def create_account(
    session: Session, name: str, role: str, region: Region | None = None
) -> tuple[Account, str]:
    """Make an account; returns it with its API key (the only time the key is known)."""
    if role not in ROLES:
        raise AccountError(Message("api.accounts.role", role=repr(role), roles=", ".join(ROLES)))
    if role == "admin" and region is not None:
        raise AccountError(Message("api.accounts.admin_region"))
    if session.scalar(select(Account).where(Account.name == name)) is not None:
        raise AccountError(Message("api.accounts.exists", name=repr(name)))
    region = canonical_region(region) if region is not None else None
    key = secrets.token_urlsafe(32)
    account = Account(
        name=name,
        role=role,
        province=region.province if region else None,
        regency=region.regency if region else None,
        key_prefix=key[:PREFIX_LEN],
        key_hash=hash_key(key),
    )
    session.add(account)
    session.flush()
    return account, key


def authenticate(session: Session, key: str) -> Principal | None:
    """The caller behind ``key``; None for an unknown or revoked key."""
    if len(key) <= PREFIX_LEN:
        return None
    return principal_for_hash(session, key[:PREFIX_LEN], hash_key(key))


def principal_for_hash(session: Session, prefix: str, digest: str) -> Principal | None:
    """The account whose key has this prefix and SHA-256 hash (what a web session holds
    instead of the key); None when unknown or revoked, so revoking ends sessions too."""
    for acc in session.scalars(select(Account).where(Account.key_prefix == prefix)):
        if hmac.compare_digest(acc.key_hash, digest):
            if acc.revoked_at is not None:
                return None
            region = Region(acc.province, acc.regency) if acc.province else None
            return Principal(acc.name, acc.role, region)
    return None


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.name)))


def revoke_account(session: Session, name: str) -> Account:
    acc = session.scalar(select(Account).where(Account.name == name))
    if acc is None:
        raise AccountError(Message("api.accounts.unknown", name=repr(name)))
    if acc.revoked_at is None:
        acc.revoked_at = utcnow()
    return acc


def set_region(session: Session, name: str, region: Region | None) -> Account:
    """Scope a facilitator to ``region`` (None: every region); admins are never scoped."""
    acc = session.scalar(select(Account).where(Account.name == name))
    if acc is None:
        raise AccountError(Message("api.accounts.unknown", name=repr(name)))
    if acc.role == "admin" and region is not None:
        raise AccountError(Message("api.accounts.admin_scope"))
    region = canonical_region(region) if region is not None else None
    acc.province = region.province if region else None
    acc.regency = region.regency if region else None
    return acc
