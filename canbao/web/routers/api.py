"""The JSON API under /api/v1: the same shapes as the CLI's --json, cut to the caller's scope.

401 without valid credentials, 403 for a role that may not do this (or a cookie write without its CSRF token), 404
for an object outside the caller's scope, as for one that does not exist; 422 for a malformed request.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse

from canbao.web.auth import ApiCaller, ApiWriter
from canbao.web.deps import ClockDep, WorkspaceDep
from canbao.web.forms import read_form
from tasks.access.actions import mark_milestone_done
from tasks.access.reads import compare_for, orgs_for, progress_for, scores_for, status_for, village_worklist_for
from tasks.workspace import Workspace

router = APIRouter(prefix="/api/v1")
CHANNEL = "api"
MAX_NOTE = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BadRequest(ValueError):
    """A malformed request (422); the message says what, in Chinese."""


def _day(text: str | None, ws: Workspace, clock: Any, name: str) -> date:
    if text is None or text == "":
        return clock(ws.campaign()[1])
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} 的日期 {text!r} 无效，应为 YYYY-MM-DD（例如 2017-06-30）") from None


@router.get("/session")
def session_info(caller: ApiCaller) -> dict[str, Any]:
    """Who is signed in, and for a cookie session the CSRF token its writes must send in X-CSRF-Token."""
    p = caller.principal
    return {"username": p.username, "role": p.role, "scope": p.scope or None, "name": p.name,
            "csrf_token": caller.csrf_token}  # fmt: skip


@router.get("/status")
def status(caller: ApiCaller, ws: WorkspaceDep, clock: ClockDep, as_of: str | None = None) -> dict[str, Any]:
    return status_for(ws, caller.principal, _day(as_of, ws, clock, "as_of"))


@router.get("/progress")
def progress(caller: ApiCaller, ws: WorkspaceDep, clock: ClockDep, as_of: str | None = None) -> dict[str, Any]:
    return progress_for(ws, caller.principal, _day(as_of, ws, clock, "as_of"))


@router.get("/compare")
def compare(caller: ApiCaller, ws: WorkspaceDep) -> dict[str, Any]:
    """The latest comparison's figures, as `canbao compare --json` printed them."""
    return compare_for(ws, caller.principal)


@router.get("/scores")
def scores(caller: ApiCaller, ws: WorkspaceDep, clock: ClockDep, as_of: str | None = None) -> list[dict[str, Any]]:
    return scores_for(ws, caller.principal, _day(as_of, ws, clock, "as_of"))


@router.get("/orgs")
def orgs(caller: ApiCaller, ws: WorkspaceDep) -> list[dict[str, Any]]:
    return orgs_for(ws, caller.principal)


@router.get("/villages/{code}/worklist.xlsx")
def village_worklist(code: str, caller: ApiCaller, ws: WorkspaceDep) -> FileResponse:
    """The village's latest published work list (IDs and phones in full: logged as a personal-data export)."""
    path = village_worklist_for(ws, caller.principal, code, channel=CHANNEL)
    return FileResponse(path, media_type=XLSX, filename=path.name)


@router.post("/milestones/{milestone}/{owner}/done")
async def milestone_done(
    milestone: str, owner: str, request: Request, caller: ApiWriter, ws: WorkspaceDep, clock: ClockDep
) -> JSONResponse:
    """Body {"on": "YYYY-MM-DD" (default today), "note": "…"}: the same record as `canbao milestone done`."""
    body = await _json_body(request)
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise BadRequest(f"note 应为不超过 {MAX_NOTE} 个字符的文字")
    on = body.get("on")
    if on is not None and not isinstance(on, str):
        raise BadRequest("on 应为 YYYY-MM-DD 格式的日期文字")
    done_on = await run_in_threadpool(_day, on, ws, clock, "on")
    assignment, done = await run_in_threadpool(
        lambda: mark_milestone_done(
            ws, caller.principal, milestone=milestone, owner=owner, done_on=done_on, note=note, channel=CHANNEL
        )
    )
    return JSONResponse(
        {
            "milestone": assignment.milestone,
            "owner": assignment.owner,
            "milestone_name": done.milestone_name,
            "owner_name": done.owner_name,
            "done_on": done.done_on.isoformat(),
            "corrected": done.corrected.isoformat() if done.corrected else None,
            "message": done.message,
        }
    )


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await read_form(request)
    if raw is None:
        raise BadRequest("请求内容过长")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest('请求内容应为 JSON 对象，如 {"on": "YYYY-MM-DD", "note": "已发文"}') from None
    if not isinstance(body, dict):
        raise BadRequest("请求内容应为 JSON 对象")
    return body
