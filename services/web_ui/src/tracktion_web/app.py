"""The FastAPI application: the API and page routers, static files, error pages, and the middleware around them.

Everything the routes use (database, graph gate, bus probe) is built here from the settings and kept on
``app.state``; nothing connects until the first request, so building an app is cheap and a test can build one over
any catalog. The interactive docs (Swagger UI, ReDoc) are off: they load their scripts from a CDN, which closed
networks cannot reach; ``/openapi.json`` is served.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from tracktion_shared.config import Settings, redact_url
from tracktion_shared.storage import Database
from tracktion_web import api, pages
from tracktion_web.auth import TokenMiddleware
from tracktion_web.bus_probe import BusProbe
from tracktion_web.cluster_probe import ClusterProbe
from tracktion_web.context import UiContext
from tracktion_web.graphs import GraphGate
from tracktion_web.headers import SecurityHeadersMiddleware
from tracktion_web.settings import UiSettings

__all__ = ["create_app"]

log = logging.getLogger("tracktion.web")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/openapi.json"


def create_app(
    settings: Settings | None = None,
    ui: UiSettings | None = None,
    *,
    trusted_hosts: Iterable[str] | None = None,
    context: UiContext | None = None,
) -> FastAPI:
    """The web app over the catalog ``settings`` point at; ``trusted_hosts`` limits ``Host`` when no token is set."""
    settings = settings or Settings()
    ui = ui or UiSettings()
    context = context or UiContext(
        settings=settings,
        ui=ui,
        db=Database(settings.database_url_value()),
        graph=GraphGate(settings, timeout=ui.graph_timeout),
        bus=BusProbe(settings, timeout=ui.bus_timeout),
        cluster=ClusterProbe(ui) if ui.library else None,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await context.close()

    app = FastAPI(
        title="tracktion",
        summary="Browse a DJ collection: library, recordings, set timelines and tracklists, graph answers, status.",
        version="1",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.tracktion = context
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(resources.files("tracktion_web") / "static")), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)
        title = "Not found" if error.status_code == 404 else f"Error {error.status_code}"
        return _error_page(request, error.status_code, title, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        details = [{"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in error.errors()]
        if _wants_json(request):
            return JSONResponse({"detail": details}, status_code=422)
        reason = "; ".join(f"{'.'.join(str(p) for p in d['loc'] or ())}: {d['msg']}" for d in details)
        return _error_page(request, 422, "Bad request", reason)

    @app.exception_handler(DBAPIError)
    async def database_down(request: Request, error: DBAPIError) -> Response:
        reason = (str(error.orig or error).strip().splitlines() or ["database error"])[0]
        log.warning("catalog database error on %s: %s", request.url.path, redact_url(reason))
        detail = "the catalog database cannot be read right now; try again in a moment"
        if _wants_json(request):
            return JSONResponse({"detail": detail}, status_code=503, headers={"retry-after": "5"})
        return _error_page(request, 503, "Catalog unavailable", detail)

    app.add_middleware(TokenMiddleware, token=ui.token_value(), trusted_hosts=trusted_hosts)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: refusals get the headers too
    return app


def _error_page(request: Request, status_code: int, title: str, detail: str) -> HTMLResponse:
    return pages.templates.TemplateResponse(
        request,
        "error.html",
        {"status_code": status_code, "title": title, "detail": detail},
        status_code=status_code,
    )
