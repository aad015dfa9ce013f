"""Limits and headers every answer gets, as small ASGI middlewares (no per-route code).

* :class:`BodyLimit` — a request body larger than ``settings.max_body_bytes`` is refused
  with 413 before it is read into memory (by its Content-Length, or while streaming when
  it has none).
* :class:`WriteRateLimit` — per API key (else per session cookie, else per client
  address), write requests (POST, PUT, PATCH, DELETE) are metered by a token bucket:
  ``settings.write_rate_per_minute`` with bursts of ``settings.write_burst``. Beyond it:
  429 with ``Retry-After``. Reads are not metered (they are cached and cheap).
* :class:`SecurityHeaders` — ``nosniff``, same-origin framing and referrers, no caching
  of API answers by shared caches. The CSP only forbids framing by other sites and
  plugins, so the web app's own pages (same origin) and ``/docs`` keep working.
* CORS stays closed unless ``settings.cors_origins`` lists origins (see :func:`install`).
* :class:`InFlightLimit` — at most ``settings.threads`` requests are inside the app at once;
  the rest wait their turn on the event loop (holding nothing). A request holds a database
  connection while it waits for a worker thread, so without this bound 50 clients once held
  every connection while every thread waited 30 s for one (pool timeouts, then 500s).

Limits come from :class:`api.settings.Settings` (``MATCHER_MAX_BODY_BYTES`` ...).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time

from fastapi import FastAPI

from api.lang import scope_lang
from matcher.i18n import format_number, t

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", b"frame-ancestors 'self'; object-src 'none'; base-uri 'self'"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


async def _send_json(
    send, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()
) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def _detail(self, scope) -> str:
        """The refusal in the caller's language (built only when refusing)."""
        lang = scope_lang(scope)
        return t("api.error.body_too_large", lang, limit=format_number(self.max_bytes, lang=lang))

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    return await _send_json(send, 413, self._detail(scope))
        seen = 0
        started = refused = False

        async def limited_receive():
            nonlocal seen, refused, started
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not refused:
                    refused = True
                    if not started:
                        started = True
                        await _send_json(send, 413, self._detail(scope))
                    return {"type": "http.disconnect"}  # the app stops reading
            return message

        async def tracking_send(message):
            nonlocal started
            if refused:
                return  # the 413 has been sent; whatever the app says now is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)


class TokenBuckets:
    """Per-key token buckets (thread-safe; memory bounded by evicting full buckets)."""

    def __init__(self, per_minute: float, burst: int, clock=time.monotonic, max_keys: int = 10_000):
        self.rate, self.burst, self.clock, self.max_keys = per_minute / 60.0, burst, clock, max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when a token was taken, else the seconds until one is available."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1 - tokens) / self.rate if self.rate > 0 else 3600.0
            if len(self._buckets) > self.max_keys:
                full = [
                    k
                    for k, (t, at) in self._buckets.items()
                    if t + (now - at) * self.rate >= self.burst
                ]
                for k in full[: len(self._buckets) - self.max_keys // 2]:
                    del self._buckets[k]
        return wait


def caller_key(scope) -> str:
    """Who is writing: the API key (hashed), else the session cookie, else the address."""
    headers = dict(scope.get("headers", ()))
    secret = headers.get(b"x-api-key")
    auth = headers.get(b"authorization", b"")
    if not secret and auth.lower().startswith(b"bearer "):
        secret = auth[7:]
    if not secret:
        cookie = headers.get(b"cookie", b"")
        secret = cookie if b"session" in cookie else None
    if secret:
        return "k:" + hashlib.sha256(secret.strip()).hexdigest()[:24]
    client = scope.get("client") or ("?", 0)
    return f"ip:{client[0]}"


class WriteRateLimit:
    def __init__(self, app, buckets: TokenBuckets):
        self.app, self.buckets = app, buckets

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("method") in WRITE_METHODS:
            wait = self.buckets.take(caller_key(scope))
            if wait > 0:
                retry = str(max(1, math.ceil(wait)))
                return await _send_json(
                    send,
                    429,
                    t("api.error.too_many_writes", scope_lang(scope), retry=retry),
                    [(b"retry-after", retry.encode())],
                )
        return await self.app(scope, receive, send)


class InFlightLimit:
    def __init__(self, app, limit: int):
        import asyncio

        self.app, self.slots = app, asyncio.Semaphore(limit)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        async with self.slots:
            return await self.app(scope, receive, send)


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", ())}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                if b"cache-control" not in present and not scope["path"].startswith("/static/"):
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def write_buckets(settings) -> TokenBuckets:
    """This process's share of the write limits: with ``settings.processes`` server
    processes behind one port (``matcher serve --workers N``), each meters 1/N of the rate
    and of the burst, so a key gets about the configured limit in all, not N times it."""
    n = settings.processes
    return TokenBuckets(
        settings.write_rate_per_minute / n, max(1, math.ceil(settings.write_burst / n))
    )


def install(app: FastAPI, settings) -> None:
    """Add the middlewares (outermost first: headers on every answer, even a 413/429)."""
    app.add_middleware(InFlightLimit, limit=settings.threads)  # innermost: refusals skip the queue
    if settings.cors_origins:  # closed by default: same-origin pages need no CORS
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type"],
        )
    app.add_middleware(WriteRateLimit, buckets=write_buckets(settings))
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
