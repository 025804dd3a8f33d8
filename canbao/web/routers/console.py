"""The console's pages: logging in and out, and the campaign at a glance for the signed-in user's scope.

Logging in is throttled (tasks.access.accounts.log_in): after repeated failures for a username or from a client
every attempt is refused for a while, a right password too. Every form posts its CSRF token.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse

from canbao.web.auth import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Caller,
    ConsoleCaller,
    CsrfRefused,
    LoginRequired,
    check_csrf,
    clear_cookie,
    client_of,
    console_caller,
    login_path,
    now_of,
    set_login_csrf_cookie,
    set_session_cookie,
)
from canbao.web.deps import ClockDep, TemplatesDep, WorkspaceDep
from canbao.web.forms import read_form
from canbao.web.pages import render
from tasks.access.accounts import close_session, log_in, open_session
from tasks.access.actions import mark_milestone_done
from tasks.access.overview import overview
from tasks.access.roles import ROLE_NAMES
from tasks.access.scope import require_change
from tasks.wording.render import cn_date
from tasks.workspace import Workspace

router = APIRouter()


class Unprocessable(ValueError):
    """A form that cannot be recorded (422); the message says why, in Chinese."""


log = logging.getLogger("canbao.web")
CHANNEL = "web"
BAD_LOGIN = "用户名或密码不正确"
THROTTLED = "登录失败次数过多，请15分钟后再试"
EXPIRED_FORM = "页面已过期，请刷新后重新提交"


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def _campaign_name(ws: Workspace) -> str:
    return ws.campaign()[1].name


async def _form(request: Request) -> dict[str, str] | None:
    body = await read_form(request)
    if body is None:
        return None
    values = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: items[0] for name, items in values.items()}


def _login_page(
    request: Request, ws: Workspace, templates: Any, *, error: str = "", username: str = "", status_code: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    context = {"root": _root(request), "campaign_name": _campaign_name(ws), "csrf_token": token, "error": error,
               "username": username}  # fmt: skip
    response = render(templates, "console/login.html", context, status_code=status_code)
    set_login_csrf_cookie(request, response, token)
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, ws: WorkspaceDep, templates: TemplatesDep) -> Response:
    if request.cookies.get(SESSION_COOKIE):
        try:
            await console_caller(request, ws)
            return RedirectResponse(f"{_root(request)}/", status_code=303)  # signed in already
        except LoginRequired:
            pass
    return await run_in_threadpool(_login_page, request, ws, templates)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, ws: WorkspaceDep, templates: TemplatesDep) -> Response:
    form = await _form(request)
    if form is None:
        return PlainTextResponse("提交的内容过长", status_code=413)
    username = form.get("username", "").strip()[:64]
    try:
        check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), form.get(CSRF_FIELD))
    except CsrfRefused:
        return await run_in_threadpool(
            lambda: _login_page(request, ws, templates, error=EXPIRED_FORM, username=username, status_code=403)
        )
    client, now = client_of(request), now_of(request)
    result = await run_in_threadpool(
        lambda: log_in(ws, username=username, password=form.get("password", "")[:256], client=client, now=now)
    )
    if result.principal is None:
        # repr: a username is whatever was typed, line breaks included; it must not forge a log line
        log.warning("登录%s：用户 %r，来自 %s", "被限制" if result.throttled else "失败", username, client)
        error, status = (THROTTLED, 429) if result.throttled else (BAD_LOGIN, 401)
        return await run_in_threadpool(
            lambda: _login_page(request, ws, templates, error=error, username=username, status_code=status)
        )
    principal, previous = result.principal, request.cookies.get(SESSION_COOKIE, "")
    # a new session id at every login (an id planted before it is worthless); an earlier session of this browser ends
    opened = await run_in_threadpool(lambda: open_session(ws, principal, channel=CHANNEL, now=now, replacing=previous))
    response = RedirectResponse(f"{_root(request)}/", status_code=303)
    set_session_cookie(request, response, opened.session_id)
    clear_cookie(response, LOGIN_CSRF_COOKIE, path=login_path(request))
    log.info("登录：用户 %r，来自 %s", username, client)
    return response


@router.get("/logout", response_class=HTMLResponse)
async def logout_form(request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep) -> Response:
    context = await run_in_threadpool(_signed_in_context, request, ws, caller)
    return render(templates, "console/logout.html", context)


@router.post("/logout")
async def logout(request: Request, caller: ConsoleCaller, ws: WorkspaceDep) -> Response:
    form = await _form(request)
    check_csrf(caller.csrf_token, (form or {}).get(CSRF_FIELD))
    assert caller.session_id is not None
    await run_in_threadpool(lambda: close_session(ws, caller.session_id or "", caller.principal, channel=CHANNEL))
    response = RedirectResponse(f"{_root(request)}/login", status_code=303)
    clear_cookie(response, SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    caller: ConsoleCaller,
    ws: WorkspaceDep,
    templates: TemplatesDep,
    clock: ClockDep,
    done: str = "",
    owner: str = "",
) -> Response:

    def build() -> dict[str, Any]:
        context = _signed_in_context(request, ws, caller)
        today = clock(ws.campaign()[1])
        o = overview(ws, caller.principal, today)
        message = _done_message(ws, done, owner)
        for m in [*o.overdue, *o.due]:
            m["due_text"] = cn_date(m["due"])
        return {**context, "o": o, "today": cn_date(today), "today_iso": today.isoformat(),
                "deadline": cn_date(o.deadline), "owners": o.owners, "message": message}  # fmt: skip

    return render(templates, "console/home.html", await run_in_threadpool(build))


@router.post("/milestones/{milestone}/{owner}/done")
async def mark_done(milestone: str, owner: str, request: Request, caller: ConsoleCaller, ws: WorkspaceDep) -> Response:
    """The "已完成" form of the first page and of 工作任务: the same record as `canbao milestone done`, as the
    signed-in user."""
    form = await _form(request) or {}
    check_csrf(caller.csrf_token, form.get(CSRF_FIELD))
    require_change(caller.principal)
    try:
        done_on = date.fromisoformat(form.get("on", ""))
    except ValueError:
        raise Unprocessable(f"完成日期“{form.get('on', '')[:20]}”无效，应为 YYYY-MM-DD") from None
    note = form.get("note", "").strip()[:200]
    assignment, _done = await run_in_threadpool(
        lambda: mark_milestone_done(ws, caller.principal, milestone=milestone, owner=owner, done_on=done_on,
                                    note=note, channel=CHANNEL)
    )  # fmt: skip
    # the note names the record by keys only: a crafted link cannot put words of its own on the page
    if form.get("next") == "tasks":  # the 工作任务 page's form: back to it
        keys = f"done={quote(assignment.milestone)}&done_owner={quote(assignment.owner)}"
        return RedirectResponse(f"{_root(request)}/tasks?{keys}", status_code=303)
    keys = f"done={quote(assignment.milestone)}&owner={quote(assignment.owner)}"
    return RedirectResponse(f"{_root(request)}/?{keys}", status_code=303)


def _done_message(ws: Workspace, milestone: str, owner: str) -> str:
    """The note after marking done (POST-redirect-GET), from the campaign's names; nothing for unknown keys."""
    campaign = ws.campaign()[1]
    found, owner_name = campaign.milestone(milestone), campaign.owner_names().get(owner)
    return f"已记录：{owner_name}完成“{found.name}”。" if found and owner_name else ""


def _signed_in_context(request: Request, ws: Workspace, caller: Caller) -> dict[str, Any]:
    _campaign_id, campaign = ws.campaign()
    principal = caller.principal
    return {
        "root": _root(request),
        "campaign_name": campaign.name,
        "user": principal,
        "role_name": ROLE_NAMES[principal.role],
        "scope_name": campaign.owner_names().get(principal.scope, "") if principal.scope else "",
        "csrf_token": caller.csrf_token or "",
    }
