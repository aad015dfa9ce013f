"""The facilitator store: profiles, append-only outcomes, events, accounts, model state.

SQLite embedded by default, PostgreSQL by URL; schema owned by Alembic migrations in
``api/migrations`` (applied when a :class:`~api.store.db.Store` is opened).
"""

from api.store import guard  # noqa: F401 - registers the store's value check on every flush
from api.store.db import Store, StoreError, open_store
from api.store.profiles import FIRMS, UMKM, ProfileFilter, load_frame, upsert_profiles
from api.store.regions import Region

__all__ = [
    "FIRMS",
    "UMKM",
    "ProfileFilter",
    "Region",
    "Store",
    "StoreError",
    "load_frame",
    "open_store",
    "upsert_profiles",
]
