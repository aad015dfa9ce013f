"""Masuk (sign in), keluar (sign out), the language switch and the home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from api.deps import SessionDep
from api.store.accounts import authenticate
from api.web import session as cookies
from api.web.base import CsrfDep, ViewerDep, render, secret, viewer_or_none
from matcher.i18n import LANGUAGES, t

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, viewer: ViewerDep):
    return render(request, viewer, "home.html")


@router.get("/masuk")
def sign_in_page(request: Request, session: SessionDep, next: str = "/"):
    if viewer_or_none(request, session) is not None:
        return RedirectResponse(cookies.safe_next(next), status_code=303)
    return render(request, None, "masuk.html", next=cookies.safe_next(next))


@router.post("/masuk", dependencies=[CsrfDep])
def sign_in(
    request: Request,
    session: SessionDep,
    key: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
):
    principal = authenticate(session, key.strip()) if key.strip() else None
    if principal is None:
        lang = cookies.page_lang(request)
        return render(
            request,
            None,
            "masuk.html",
            status=401,
            next=cookies.safe_next(next),
            error=t("web.signin.wrong_key", lang),
        )
    response = RedirectResponse(cookies.safe_next(next), status_code=303)
    cookies.set_cookie(
        request,
        response,
        cookies.SESSION_COOKIE,
        cookies.session_value(secret(request), key.strip()),
        cookies.SESSION_SECONDS,
    )
    return response


@router.post("/keluar", dependencies=[CsrfDep])
def sign_out():
    response = RedirectResponse("/masuk", status_code=303)
    response.delete_cookie(cookies.SESSION_COOKIE, path="/")
    return response


@router.get("/bahasa/{lang}")
def switch_language(request: Request, lang: str, next: str = "/"):
    """Remember the language for a year; a GET link so it works without a form."""
    response = RedirectResponse(cookies.safe_next(next), status_code=303)
    if lang in LANGUAGES:
        cookies.set_cookie(request, response, cookies.LANG_COOKIE, lang, max_age=365 * 24 * 3600)
    return response
