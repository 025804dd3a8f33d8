"""The page as an ASGI app: a worker opens a personal link on a phone, sees the village's visit list, records a
visit's outcome and corrections, and sees what is left.

The token in a link is a secret: it is never logged (the request log names the token's id instead), pages send
no Referer, and nothing is cached. Time is a parameter: `clock` gives "today" for the visit-date default and
the received date (tests pin it).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from canbao.web.deps import Clock, NotFound, templates_of
from canbao.web.pages import make_templates, not_found_page
from canbao.web.routers import site, village
from models.db import make_engine
from models.settings import Settings
from tasks.workspace import Workspace, today_in

log = logging.getLogger("canbao.web")
_TOKEN_IN_PATH = re.compile(r"^(/w/)[^/]+")
SECURITY_HEADERS = {
    # Personal data and a secret link: never cached, never sent on as a Referer, never framed.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
}


def create_app(settings: Settings, *, clock: Clock = today_in) -> FastAPI:
    """The page as an ASGI app. `clock(campaign)` is today's date (default: today in the campaign's timezone)."""
    # hide_parameters: a database error's message must not carry ID numbers into a log.
    ws = Workspace(settings=settings, engine=make_engine(settings.db_url, hide_parameters=True))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ws.close()

    app = FastAPI(title="入户调查", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.workspace = ws
    app.state.clock = clock
    app.state.templates = make_templates()
    _add_error_pages(app)
    app.middleware("http")(_guard)
    app.include_router(site.router)
    app.include_router(village.router)
    return app


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return not_found_page(templates_of(request))
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    @app.exception_handler(NotFound)
    async def hidden(request: Request, _exc: NotFound) -> Response:
        return not_found_page(templates_of(request))


async def _guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Every response's headers, and the request log line with the token replaced by its id."""
    started = time.perf_counter()
    response = await call_next(request)
    response.headers.update(SECURITY_HEADERS)
    log.info("%s %s %d %.0fms", request.method, shown_path(request), response.status_code, _ms_since(started))
    return response


def shown_path(request: Request) -> str:
    """The request's path for the log: a link's token becomes its id (set once the token was found)."""
    token_id = getattr(request.state, "token_id", None)
    return _TOKEN_IN_PATH.sub(rf"\g<1>[令牌#{token_id}]" if token_id else r"\g<1>[令牌]", request.url.path)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
