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
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from canbao.web.auth import CsrfRefused, LoginRequired, Now, Unauthenticated, utc_now
from canbao.web.deps import Clock, NotFound, templates_of
from canbao.web.pages import make_templates, not_found_page, render
from canbao.web.routers import api, console, console_pages, desk, runs, site, village
from models.db import make_engine
from models.settings import Settings
from tasks.access.scope import Forbidden, OutOfScope
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


def create_app(settings: Settings, *, clock: Clock = today_in, now: Now = utc_now) -> FastAPI:
    """The page as an ASGI app. `clock(campaign)` is today's date (default: today in the campaign's timezone);
    `now()` the moment, in UTC, for sessions and the throttling of logins."""
    # hide_parameters: a database error's message must not carry ID numbers into a log.
    ws = Workspace(settings=settings, engine=make_engine(settings.db_url, hide_parameters=True))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ws.close()

    app = FastAPI(title="入户调查", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.workspace = ws
    app.state.clock = clock
    app.state.now = now
    app.state.templates = make_templates()
    _add_error_pages(app)
    app.middleware("http")(_guard)
    app.include_router(site.router)
    app.include_router(village.router)
    app.include_router(console.router)
    app.include_router(console_pages.router)
    app.include_router(api.router)
    app.include_router(desk.router)
    app.include_router(runs.router)
    return app


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _not_found(request)
        if _is_api(request):
            return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code)
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    @app.exception_handler(NotFound)
    async def hidden(request: Request, _exc: NotFound) -> Response:
        return not_found_page(templates_of(request))

    @app.exception_handler(OutOfScope)
    async def out_of_scope(request: Request, _exc: OutOfScope) -> Response:
        return _not_found(request)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse(f"{request.scope.get('root_path', '')}/login", status_code=303)

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(_request: Request, _exc: Unauthenticated) -> Response:
        return JSONResponse({"detail": "需要登录或有效的接口令牌（Authorization: Bearer <令牌>）"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _exc: CsrfRefused) -> Response:
        return _refused(request, "缺少或错误的 CSRF 令牌：请刷新页面后重新提交（接口请求须带 X-CSRF-Token 请求头）")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _refused(request, str(exc) or "你的账号无权进行此项操作")

    @app.exception_handler(api.BadRequest)
    async def bad_request(_request: Request, exc: api.BadRequest) -> Response:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(console.Unprocessable)
    async def unprocessable(request: Request, exc: console.Unprocessable) -> Response:
        context = {"root": request.scope.get("root_path", ""), "title": "无法记录", "message": str(exc)}
        return render(templates_of(request), "console/message.html", context, status_code=422)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _not_found(request: Request) -> Response:
    """The same answer for an object outside the caller's scope as for one that does not exist."""
    if _is_api(request):
        return JSONResponse({"detail": "不存在"}, status_code=404)
    return not_found_page(templates_of(request))  # one page for the console and the village links alike


def _refused(request: Request, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=403)
    context = {"root": request.scope.get("root_path", ""), "title": "无权操作", "message": message}
    return render(templates_of(request), "console/message.html", context, status_code=403)


async def _guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Every response's headers, and the request log line with the token replaced by its id."""
    started = time.perf_counter()
    response = await call_next(request)
    # a route may set a content policy of its own (an issued notice's page shows its data: fonts and images)
    policy = response.headers.get("Content-Security-Policy")
    response.headers.update(SECURITY_HEADERS)
    if policy:
        response.headers["Content-Security-Policy"] = policy
    user = getattr(request.state, "username", None)
    log.info(
        "%s %s %d %.0fms%s", request.method, shown_path(request), response.status_code, _ms_since(started),
        f"（用户 {user}）" if user else "",
    )  # fmt: skip
    return response


def shown_path(request: Request) -> str:
    """The request's path for the log: a link's token becomes its id (set once the token was found)."""
    token_id = getattr(request.state, "token_id", None)
    return _TOKEN_IN_PATH.sub(rf"\g<1>[令牌#{token_id}]" if token_id else r"\g<1>[令牌]", request.url.path)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
