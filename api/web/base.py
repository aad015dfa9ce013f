"""What every page shares: the signed-in user, the language, CSRF, rendering, errors.

Pages call the same store and service functions as the API routers; this module only adds
what a browser needs around them (cookies, redirects, templates). Errors a facilitator
may meet become a page in their language, never JSON or a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep
from api.errors import scrub_paths
from api.store.accounts import Principal, principal_for_hash
from api.web import session as cookies
from matcher.data.errors import DataValidationError
from matcher.i18n import chance_text, format_idr, format_number, format_percent, t, text_in

HERE = Path(__file__).parent


class LoginRequired(Exception):
    """No valid session: go to the sign-in page, then back."""


class PageError(Exception):
    """An error page: ``status`` and a catalogue key with its parameters."""

    def __init__(self, status: int, key: str, **params: Any):
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


@dataclass(frozen=True)
class Viewer:
    """The signed-in facilitator or admin, with the page language and CSRF token."""

    principal: Principal
    lang: str
    csrf: str
    new_csrf: bool

    @property
    def is_admin(self) -> bool:
        return self.principal.is_admin


def templates(request: Request) -> Jinja2Templates:
    app = request.app
    templates = getattr(app.state, "web_templates", None)
    if templates is None:  # built on first use, not at import
        templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = templates.env
        env.globals.update(
            format_idr=format_idr,
            format_percent=format_percent,
            format_number=format_number,
            chance_text=chance_text,
        )
        app.state.web_templates = templates
    return templates


def viewer_or_none(request: Request, session) -> Viewer | None:
    settings = request.app.state.settings
    found = cookies.read_session(
        _secret(request, settings), request.cookies.get(cookies.SESSION_COOKIE)
    )
    if found is None:
        return None
    principal = principal_for_hash(session, *found)
    if principal is None:
        return None
    token, new = cookies.csrf_token(request)
    return Viewer(principal, cookies.page_lang(request), token, new)


def _secret(request: Request, settings) -> bytes:
    secret = getattr(request.app.state, "web_secret", None)
    if secret is None:
        secret = request.app.state.web_secret = cookies.server_secret(settings)
    return secret


def secret(request: Request) -> bytes:
    return _secret(request, request.app.state.settings)


def get_viewer(request: Request, session: SessionDep) -> Viewer:
    viewer = viewer_or_none(request, session)
    if viewer is None:
        raise LoginRequired()
    return viewer


def get_admin(viewer: Annotated[Viewer, Depends(get_viewer)]) -> Viewer:
    if not viewer.is_admin:
        raise PageError(403, "web.error.admin_only")
    return viewer


ViewerDep = Annotated[Viewer, Depends(get_viewer)]
AdminViewerDep = Annotated[Viewer, Depends(get_admin)]


def render(
    request: Request,
    viewer: Viewer | None,
    template: str,
    status: int = 200,
    lang: str | None = None,
    **context,
) -> HTMLResponse:
    """A page in the viewer's language; sets the CSRF cookie when it is new."""
    if viewer is None:
        token, new = cookies.csrf_token(request)
        lang = lang or cookies.page_lang(request)
    else:
        token, new, lang = viewer.csrf, viewer.new_csrf, viewer.lang

    def _(key: str, **params) -> str:
        return t(key, lang, **params)

    response = templates(request).TemplateResponse(
        request,
        template,
        {
            "_": _,
            "lang": lang,
            "viewer": viewer,
            "csrf_token": token,
            "csrf_field": cookies.CSRF_FIELD,
            "path": request.url.path,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        },
        status_code=status,
    )
    if new:
        cookies.set_cookie(request, response, cookies.CSRF_COOKIE, token, max_age=None)
    return response


async def check_csrf(request: Request) -> None:
    """Dependency for every POST: the form's hidden token must match the cookie."""
    form = await request.form()
    if not cookies.csrf_ok(request, form.get(cookies.CSRF_FIELD)):
        raise PageError(403, "web.error.csrf")


CsrfDep = Depends(check_csrf)


def not_found_as_page(exc: HTTPException) -> PageError:
    """The API's access checks answer 404/403 as HTTPException; pages say it in words."""
    if exc.status_code == 404:
        return PageError(404, "web.error.not_found")
    if exc.status_code == 403:
        return PageError(403, "web.error.admin_only")
    return PageError(exc.status_code, "web.error.generic", detail=str(exc.detail))


def install_handlers(app) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/masuk?next={quote(target)}", status_code=303)

    @app.exception_handler(PageError)
    async def _page_error(request: Request, exc: PageError):
        viewer = None
        store = request.app.state.store
        with store.session() as session:
            viewer = viewer_or_none(request, session)
        lang = viewer.lang if viewer else cookies.page_lang(request)
        return render(
            request,
            viewer,
            "error.html",
            status=exc.status,
            message=t(exc.key, lang, **exc.params),
            status_code=exc.status,
        )


def error_text(exc: Exception, lang: str) -> str:
    """An error as the viewer reads it: a file's problems, or a catalogue Message (store,
    account and registry refusals) in ``lang``; any other error as raised. Never a server
    path (a damaged model's file, an upload's temporary copy)."""
    if isinstance(exc, DataValidationError):
        return "; ".join(f"{p.column}: {p.value!r} — {p.expected_in(lang)}" for p in exc.problems)
    return scrub_paths(text_in(exc.args[0], lang) if len(exc.args) == 1 else str(exc))
