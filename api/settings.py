"""Service settings, read from ``MATCHER_*`` environment variables (pydantic-settings).

``MATCHER_HOME`` is the service's working folder (default ``./.matcher``): the embedded
SQLite database lives there unless ``MATCHER_DATABASE_URL`` points elsewhere (for example
``postgresql+psycopg://user@host/db``). ``MATCHER_REGISTRY`` is the model registry folder
(default ``<home>/models``, the same as every command's: :mod:`matcher.home`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from matcher.home import DEFAULT_HOME, REGISTRY_DIR, store_file


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHER_", extra="ignore")

    home: Path = Field(
        Path(DEFAULT_HOME), description="working folder; holds matcher.db and models/"
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file <home>/matcher.db"
    )
    registry: Path | None = Field(None, description="model registry folder; default <home>/models")
    reload_interval_s: float = Field(
        2.0,
        ge=0,
        description="how often (at most) requests check whether the current model or the "
        "stored profiles changed; 0 = on every request",
    )
    recommended_k: int = Field(
        10,
        ge=1,
        description="an outcome's firm counts as engine-recommended when it is in "
        "the UMKM's top-k under the current model",
    )

    db_busy_timeout_s: float = Field(
        10.0,
        gt=0,
        le=120,
        description="how long a write waits for another one (a big import's merge) before "
        "the API answers 503 with Retry-After",
    )

    rank_cache_size: int = Field(20_000, ge=0, description="ranked lists kept per served snapshot")
    prewarm: bool = Field(
        True,
        description="after each new model or profile revision is served, compute every "
        "UMKM's default ranked list in the background (first reads are cache hits)",
    )
    prewarm_max_pairs: int = Field(
        100_000_000,
        ge=0,
        description="skip the prewarm when UMKM x firms is larger (3,000 x 300 is 0.9M pairs, "
        "about 3 ms of CPU per UMKM; 3,000 x 20,000 is 60M, about 12 ms per UMKM, 35 CPU-s "
        "per new model or profile revision, paid by one server process of a home and read "
        "by the others: bench/bench_prewarm.py)",
    )
    key_cache_s: float = Field(
        5.0,
        ge=0,
        le=300,
        description="how long a server process remembers who is behind an API key (saves a "
        "database lookup per request): a revoked key or a changed region takes effect within "
        "this many seconds; 0 = look the key up on every request",
    )
    threads: int = Field(
        16,
        ge=1,
        le=256,
        description="requests let into the app at once per server process (and its thread "
        "pool); the rest queue on the event loop. The database pool holds two connections per "
        "such request, so no request ever waits for a connection another request holds",
    )

    switch_interval_ms: float = Field(
        5.0,
        gt=0,
        le=100,
        description="how often the interpreter may hand its lock to another thread of a "
        "server process (sys.setswitchinterval; Python's default 5 ms): lower shortens the "
        "wait of requests queued behind a busy thread (a model build, a prewarm)",
    )

    # -- limits (api.middleware) --
    max_body_bytes: int = Field(
        1_000_000, ge=1_000, description="largest request body; more is 413"
    )
    write_rate_per_minute: float = Field(
        300, gt=0, description="writes (POST ...) per API key per minute; more is 429 + Retry-After"
    )
    write_burst: int = Field(
        60, ge=1, description="writes a key may make at once before the rate applies"
    )
    processes: int = Field(
        1,
        ge=1,
        le=64,
        description="server processes answering on the same port (set by `matcher serve "
        "--workers N`): each meters 1/N of the write rate and burst, since requests spread "
        "over them and the buckets live in each process",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="origins allowed cross-origin (JSON list); empty = "
        "closed, the web app's own pages are same-origin and need none",
    )

    @property
    def db_pool_size(self) -> int:
        """Connections per process: two per request let in at once (a route may open a
        transaction beside its session), plus the service rebuild and a retrain."""
        return 2 * self.threads + 2

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{store_file(self.home).resolve()}"

    def resolved_registry(self) -> Path:
        return Path(self.registry) if self.registry else Path(self.home) / REGISTRY_DIR

    @property
    def warm_folder(self) -> Path:
        """Where the server processes of one store and registry share their prewarmed
        lists (:func:`api.matching.prewarm`): ``<home>/cache/<hash of both>``, so two
        servers on one home but another database or registry never read each other's."""
        import hashlib

        both = f"{self.resolved_database_url()}|{self.resolved_registry().resolve()}"
        return Path(self.home) / "cache" / hashlib.sha256(both.encode()).hexdigest()[:16]
