"""The language of an answer: ``?lang=`` if the request names one, else the first language
of ``Accept-Language`` that the catalogue has, else the server's (``$MATCHER_LANG``,
Indonesian by default). Error texts, JSON or HTML, are rendered in it."""

from __future__ import annotations

from urllib.parse import parse_qs

from matcher.i18n import LANGUAGES, current_lang


def pick_lang(query_lang: str | None, accept_language: str | None) -> str:
    """``query_lang`` when it is a catalogue language; else the first acceptable language of
    an ``Accept-Language`` value (``id-ID,id;q=0.9,en;q=0.8`` → ``id``; ``q=0`` means not
    acceptable); else the server's language."""
    if query_lang and query_lang.strip().lower()[:2] in LANGUAGES:
        return query_lang.strip().lower()[:2]
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    weight = float(p[2:])
                except ValueError:
                    weight = 0.0
        code = tag.lower()[:2]
        if code in LANGUAGES and weight > 0:
            ranked.append((-weight, position, code))
    return min(ranked)[2] if ranked else current_lang()


def request_lang(request) -> str:
    """:func:`pick_lang` for a Starlette/FastAPI request."""
    return pick_lang(request.query_params.get("lang"), request.headers.get("accept-language"))


def scope_lang(scope) -> str:
    """:func:`pick_lang` for a raw ASGI scope (middlewares answer before a Request exists)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    accept = dict(scope.get("headers", ())).get(b"accept-language", b"").decode("latin-1")
    return pick_lang((query.get("lang") or [None])[0], accept)
