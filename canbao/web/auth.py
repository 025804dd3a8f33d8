"""Who is asking, for the console's pages and the API: a session cookie (set at /login) or, for the API, a personal
token in `Authorization: Bearer <token>`.

The session id is a random value in an HttpOnly, SameSite=Lax cookie (Secure when the request came over HTTPS),
stored as its hash (tasks.access.accounts). Each session has its CSRF token: every form carries it in a hidden
field, and an API write authenticated by the cookie must send it in `X-CSRF-Token`. A write with a bearer token
needs none: a browser never adds that header by itself. The login form, before any session, is protected by a
double-submit token (a cookie and the same value in the form).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from canbao.web.deps import WorkspaceDep
from tasks.access.accounts import SESSION_HOURS, session_principal, token_principal
from tasks.access.roles import Principal

SESSION_COOKIE = "canbao_session"
LOGIN_CSRF_COOKIE = "canbao_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
Now = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def now_of(request: Request) -> datetime:
    """The moment of the request (the app's `now`; tests pin it)."""
    return cast(Now, request.app.state.now)()


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class LoginRequired(Exception):
    """A console page asked for without a live session: the app redirects to /login."""


class Unauthenticated(Exception):
    """An API call without valid credentials (401)."""


class CsrfRefused(Exception):
    """A write without the session's CSRF token (403)."""


@dataclass(frozen=True)
class Caller:
    """A signed-in user: the principal, and for a cookie session its id and CSRF token (None for a bearer token)."""

    principal: Principal
    session_id: str | None
    csrf_token: str | None

    @property
    def by_cookie(self) -> bool:
        return self.session_id is not None


async def _from_cookie(request: Request, ws: WorkspaceDep) -> Caller | None:
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if not session_id:
        return None
    found = await run_in_threadpool(session_principal, ws, session_id, now=now_of(request))
    if found is None:
        return None
    principal, csrf = found
    return Caller(principal, session_id, csrf)


async def console_caller(request: Request, ws: WorkspaceDep) -> Caller:
    """The signed-in user of a console page, or LoginRequired."""
    caller = await _from_cookie(request, ws)
    if caller is None:
        raise LoginRequired
    request.state.username = caller.principal.username
    return caller


async def api_caller(request: Request, ws: WorkspaceDep) -> Caller:
    """The user of an API call: a bearer token if the request has one (a wrong one is refused, never replaced by
    the cookie), else the session cookie; Unauthenticated without either."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise Unauthenticated
        principal = await run_in_threadpool(token_principal, ws, token.strip())
        if principal is None:
            raise Unauthenticated
        caller = Caller(principal, None, None)
    else:
        found = await _from_cookie(request, ws)
        if found is None:
            raise Unauthenticated
        caller = found
    request.state.username = caller.principal.username
    return caller


ConsoleCaller = Annotated[Caller, Depends(console_caller)]
ApiCaller = Annotated[Caller, Depends(api_caller)]


def check_csrf(expected: str | None, given: str | None) -> None:
    if not expected or not given or not secrets.compare_digest(expected.encode(), given.encode()):
        raise CsrfRefused


def require_api_csrf(request: Request, caller: ApiCaller) -> Caller:
    """An API write: with the cookie, the session's CSRF token in X-CSRF-Token."""
    if caller.by_cookie:
        check_csrf(caller.csrf_token, request.headers.get(CSRF_HEADER))
    return caller


ApiWriter = Annotated[Caller, Depends(require_api_csrf)]


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=SESSION_HOURS * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def login_path(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}/login"


def set_login_csrf_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path=login_path(request),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, name: str, path: str = "/") -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="lax")
