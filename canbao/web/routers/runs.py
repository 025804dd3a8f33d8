"""流程运行: the runs of canbao's flows on the installation's Prefect server, for the county and the supervisors
(`/runs` and `GET /api/v1/runs`); Prefect's own UI, linked from each run, stays the operators' tool.

The runs are county-level operations: a township or a department opening the page gets the 404 of a page that
does not exist, and the API answers them 403 (a role that may not read this). Without a Prefect server that
answers, the page and the API say so in Chinese (`available` false), never an error page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from canbao.web.auth import ApiCaller, ConsoleCaller
from canbao.web.deps import NotFound, TemplatesDep, WorkspaceDep
from canbao.web.pages import render
from canbao.web.routers.api import BadRequest
from canbao.web.routers.console import _signed_in_context
from flows.runs import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    FlowRunRow,
    FlowRuns,
    duration_text,
    moment_text,
    parameter_text,
    recent_flow_runs,
)
from tasks.access.roles import Principal
from tasks.access.scope import Forbidden, require_operations_reader
from tasks.workspace import Workspace

router = APIRouter()


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise BadRequest(f"limit 应为 1 到 {MAX_LIMIT} 之间的整数")
    return int(text)


def runs_for(ws: Workspace, principal: Principal, limit: int) -> FlowRuns:
    """The latest runs of canbao's flows, for a principal who may read them (Forbidden otherwise)."""
    require_operations_reader(principal)
    return recent_flow_runs(ws.settings, limit=limit, timezone=ws.campaign()[1].timezone)


def _shown(run: FlowRunRow, sources: dict[str, str]) -> dict[str, Any]:
    """A run as the page lists it: its JSON and the texts a person reads (Chinese date, length, parameters)."""
    return {
        **run.to_json(),
        "started_text": moment_text(run.started_at),
        "duration_text": duration_text(run.duration_seconds),
        "parameter_text": parameter_text(run.parameters, sources),
    }


@router.get("/api/v1/runs")
def api_runs(caller: ApiCaller, ws: WorkspaceDep, limit: str | None = None) -> dict[str, Any]:
    """`canbao runs --json`: {"available", "prefect_ui", "notice", "runs": [...]}."""
    return runs_for(ws, caller.principal, _limit(limit)).to_json()


@router.get("/runs", response_class=HTMLResponse)
async def runs_page(request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep) -> Response:
    def build() -> dict[str, Any]:
        try:
            found = runs_for(ws, caller.principal, DEFAULT_LIMIT)
        except Forbidden:
            raise NotFound from None  # a page the role may not open answers as one that does not exist
        sources = {key: source.name for key, source in ws.campaign()[1].sources.items()}
        rows = [_shown(run, sources) for run in found.runs]
        return {**_signed_in_context(request, ws, caller), "page": "runs", "found": found, "rows": rows,
                "failed": sum(1 for r in found.runs if r.failed)}  # fmt: skip

    return render(templates, "console/runs.html", await run_in_threadpool(build))
