"""Sign-in sessions, CSRF tokens and the language choice, all in cookies.

The session cookie holds the account's key *prefix and hash* (never the key), an expiry and
an HMAC over both with the server's secret; every request looks the account up again
(:func:`api.store.accounts.principal_for_hash`), so a revoked key ends its sessions at once.
It is HTTP-only and SameSite=Strict, and Secure whenever the page came over HTTPS (or
always, with ``MATCHER_COOKIE_SECURE=true``; browsers refuse Secure cookies over plain HTTP
on an office network address).

CSRF: a random token in its own HTTP-only cookie is repeated in a hidden field of every
form; a POST whose field does not match the cookie is refused (double submit), and
SameSite=Strict keeps other sites from sending either cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from fastapi import Request
from starlette.responses import Response

from api.settings import Settings
from api.store.accounts import PREFIX_LEN, hash_key
from matcher.i18n import DEFAULT_LANG, LANGUAGES

SESSION_COOKIE = "matcher_session"
CSRF_COOKIE = "matcher_csrf"
LANG_COOKIE = "matcher_lang"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 12 * 3600  # one working day
SECRET_ENV = "MATCHER_WEB_SECRET"
SECURE_ENV = "MATCHER_COOKIE_SECURE"


def server_secret(settings: Settings) -> bytes:
    """``$MATCHER_WEB_SECRET``, else a random secret kept in ``<home>/web-secret`` (mode 0600)
    so sessions survive a restart."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV].encode()
    path = Path(settings.home) / "web-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


def _sign(secret: bytes, payload: bytes) -> str:
    return hmac.new(secret, payload, hashlib.sha256).hexdigest()


def session_value(secret: bytes, key: str, now: float | None = None) -> str:
    body = json.dumps(
        {
            "p": key[:PREFIX_LEN],
            "h": hash_key(key),
            "e": int((now or time.time()) + SESSION_SECONDS),
        }
    ).encode()
    payload = base64.urlsafe_b64encode(body)
    return f"{payload.decode()}.{_sign(secret, payload)}"


def read_session(
    secret: bytes, value: str | None, now: float | None = None
) -> tuple[str, str] | None:
    """(key prefix, key hash) from a valid, unexpired cookie; None otherwise."""
    if not value or "." not in value:
        return None
    payload, _, signature = value.rpartition(".")
    if not hmac.compare_digest(_sign(secret, payload.encode()), signature):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(payload.encode()))
        if body["e"] < (now or time.time()):
            return None
        return str(body["p"]), str(body["h"])
    except (ValueError, KeyError, TypeError):
        return None


def _secure(request: Request) -> bool:
    forced = os.environ.get(SECURE_ENV, "").strip().lower()
    if forced in ("1", "true", "yes"):
        return True
    return request.url.scheme == "https"


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )


def csrf_token(request: Request) -> tuple[str, bool]:
    """(the request's CSRF token, whether it is new and must be set as a cookie)."""
    token = request.cookies.get(CSRF_COOKIE)
    if token and len(token) >= 32:
        return token, False
    return secrets.token_urlsafe(32), True


def csrf_ok(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and submitted) and hmac.compare_digest(cookie, submitted)


def page_lang(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    return lang if lang in LANGUAGES else DEFAULT_LANG


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site (no scheme, no host, no '//'), so a link cannot redirect away."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
