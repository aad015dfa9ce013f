"""The facilitator web app: server-rendered pages (Jinja2) on the API's own FastAPI app.

Pages live at ``/`` (``/masuk``, ``/cari/umkm``, ``/usaha/{id}`` ...), their CSS and a
little plain JavaScript at ``/static/web``, and the API's Swagger UI assets at
``/static/docs`` (from the ``fastapi-offline`` package): nothing is loaded from another
host. Every word comes from :mod:`matcher.i18n` (``messages/web.toml`` and the shared
``common.toml``). Handlers call the same store and service functions as the API routers.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).parent


def _swagger_static() -> Path:
    import fastapi_offline  # ships Swagger UI 5 (renders OpenAPI 3.1), no CDN

    return Path(fastapi_offline.__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and an offline ``/docs`` on ``app``
    (created with ``docs_url=None``)."""
    from api.web import base
    from api.web.routers import admin, auth, events, firms, programme, search, umkm

    app.mount("/static/web", StaticFiles(directory=HERE / "static"), name="web-static")
    app.mount("/static/docs", StaticFiles(directory=_swagger_static()), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} — API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
        )

    base.install_handlers(app)
    for module in (auth, search, umkm, firms, events, programme, admin):
        app.include_router(module.router)
