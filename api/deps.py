"""FastAPI dependencies: settings, database session, caller, served snapshot.

Route handlers declare what they need with the ``*Dep`` aliases below
(``Annotated[..., Depends(...)]``); tests swap any of them with
``app.dependency_overrides``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.cache import KeyCache, RankCache
from api.engine import ServiceHolder, Snapshot
from api.settings import Settings
from api.store import Store
from api.store.accounts import PREFIX_LEN, Principal, hash_key, principal_for_hash
from matcher.i18n import Message

_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="key printed by `matcher accounts add`"
)
_bearer = HTTPBearer(auto_error=False, description="the same key as a Bearer token")


# Attribute reads are async: FastAPI runs a sync dependency on the thread pool, and each
# such hop costs a request a fraction of a millisecond for nothing. Dependencies that do
# I/O (the database session, the caller's key, the snapshot) stay sync, off the event loop.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_holder(request: Request) -> ServiceHolder:
    return request.app.state.holder


async def get_cache(request: Request) -> RankCache:
    return request.app.state.rank_cache


def get_session(store: StoreDep) -> Iterator[Session]:
    with store.session() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
SessionDep = Annotated[Session, Depends(get_session)]
HolderDep = Annotated[ServiceHolder, Depends(get_holder)]
CacheDep = Annotated[RankCache, Depends(get_cache)]


async def get_principal(
    request: Request,
    api_key: Annotated[str | None, Depends(_api_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller behind the request's key. Async: a key seen in the last
    ``MATCHER_KEY_CACHE_S`` seconds (:class:`api.cache.KeyCache`) costs no database query
    and no thread; otherwise the lookup runs on the thread pool with its own session."""
    key = api_key or (bearer.credentials if bearer else None)
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            Message("api.error.missing_key"),
            headers={"WWW-Authenticate": "Bearer"},
        )
    keys: KeyCache = request.app.state.key_cache
    digest = hash_key(key)
    principal = keys.get(digest)
    if principal is None and len(key) > PREFIX_LEN:
        principal = await run_in_threadpool(
            _lookup, request.app.state.store, key[:PREFIX_LEN], digest
        )
        if principal is not None:
            keys.put(digest, principal)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            Message("api.error.bad_key"),
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def _lookup(store: Store, prefix: str, digest: str) -> Principal | None:
    with store.session() as session:
        return principal_for_hash(session, prefix, digest)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_admin(principal: PrincipalDep) -> Principal:
    if not principal.is_admin:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            Message("api.error.needs_admin", name=repr(principal.name), role=principal.role),
        )
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]


def get_snapshot(holder: HolderDep) -> Snapshot:
    """The service snapshot to answer with (sync: may build the first one, in a thread)."""
    return holder.current()


SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
