"""The console's read-side pages: 工作任务 (the timeline, with "mark done"), 入户调查进度 (county → township →
village, with the completion curve), 数据比对, 工作清单 (a village's files to download), 评分排名 (with the notices
and the supervisors' reports issued).

Each page asks tasks.access for what the signed-in user may see, through the same use cases as the CLI. A
department sees only its milestones: the other pages answer it as pages that do not exist (404), as does anything
outside a user's scope. Charts are inline SVG drawn on the server (matplotlib, in the CJK font of mplfonts).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse

from canbao.web.auth import Caller, ConsoleCaller
from canbao.web.deps import ClockDep, NotFound, TemplatesDep, WorkspaceDep
from canbao.web.pages import render
from canbao.web.routers.console import _done_message, _signed_in_context
from canbao.web.views import INSURANCE_NAMES
from tasks.access.console_reads import (
    VILLAGE_FILES,
    anomalies_for,
    completion_curve,
    issued_file_for,
    issued_files_for,
    require_list_holder,
    timeline_for,
    township_in,
    village_file_for,
    village_files_for,
    village_in,
)
from tasks.access.reads import compare_for, progress_for, scores_for
from tasks.access.reviews import may_review, review_tracking_for
from tasks.access.scope import Forbidden, OutOfScope, may_change, require_survey_reader, sees_owner
from tasks.comparison.compare import ANOMALIES, CATEGORIES
from tasks.documents.charts import curve_chart, svg_markup
from tasks.plan.status import STATE_NAMES
from tasks.survey.worklists import ANOMALY_NAMES, CATEGORY_NAMES
from tasks.wording.render import cn_date
from tasks.workspace import Workspace

router = APIRouter()
CHANNEL = "web"
ISSUED_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; sandbox"
)
MEDIA_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html; charset=utf-8",
}


def _hidden(check: Callable[[Any], None], principal: Any) -> None:
    """A page the role may not open answers as a page that does not exist."""
    try:
        check(principal)
    except Forbidden:
        raise NotFound from None


async def _page(
    request: Request, caller: Caller, ws: Workspace, templates: Any, name: str, build: Callable[[], dict[str, Any]]
) -> Response:
    def context() -> dict[str, Any]:
        return {**_signed_in_context(request, ws, caller), **build()}

    return render(templates, name, await run_in_threadpool(context))


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _insurance_names(ws: Workspace) -> dict[str, str]:
    campaign = ws.campaign()[1]
    names = dict(INSURANCE_NAMES)
    if campaign.comparison is not None:
        names.update({k: v.name for k, v in campaign.comparison.insurances.items()})
    return names


# -- 工作任务 --------------------------------------------------------------------------------------------------------


@router.get("/tasks", response_class=HTMLResponse)
async def tasks_page(
    request: Request,
    caller: ConsoleCaller,
    ws: WorkspaceDep,
    templates: TemplatesDep,
    clock: ClockDep,
    owner: str = "",
    done: str = "",
    done_owner: str = "",
) -> Response:
    def build() -> dict[str, Any]:
        campaign = ws.campaign()[1]
        today = clock(campaign)
        everything = timeline_for(ws, caller.principal, today)
        rows = timeline_for(ws, caller.principal, today, owner) if owner else everything
        owners = sorted({(m["owner"], m["owner_name"]) for m in everything}, key=lambda o: o[0])
        for m in rows:
            m["due_text"] = cn_date(date.fromisoformat(m["due"]))
            m["done_text"] = cn_date(date.fromisoformat(m["done_on"])) if m["done_on"] else ""
            m["state_name"] = STATE_NAMES.get(m["state"], m["state"])
            m["may_mark"] = (
                may_change(caller.principal) and sees_owner(caller.principal, m["owner"]) and not m["done_on"]
            )
        reviews = review_tracking_for(ws, caller.principal, today)
        for t in reviews["townships"]:
            t["since_text"] = cn_date(date.fromisoformat(t["since"])) if t["since"] else ""
            t["due_text"] = cn_date(date.fromisoformat(t["due"])) if t["due"] else ""
        return {"page": "tasks", "rows": rows, "owners": owners, "owner": owner, "today": cn_date(today),
                "reviews": [t for t in reviews["townships"] if t["state"] != "clear" and owner in ("", t["township"])],
                "review_states": reviews["states"], "review_seen": len(reviews["townships"]),
                "may_review": may_review(caller.principal),
                "today_iso": today.isoformat(), "overdue": sum(1 for m in rows if m["state"] == "overdue"),
                "message": _done_message(ws, done, done_owner)}  # fmt: skip

    return await _page(request, caller, ws, templates, "console/tasks.html", build)


# -- 入户调查进度 ----------------------------------------------------------------------------------------------------


def _curve_svg(ws: Workspace, caller: Caller, today: date, township: str, title: str, village: str = "") -> str:
    curve = completion_curve(ws, caller.principal, today, township, village)
    figure = curve_chart(curve.rates, curve.expected, curve.start, curve.deadline, title)
    return svg_markup(figure)


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    done = row.get("projected_done")
    return {**row, "rate_text": _percent(row["rate"]), "expected_text": _percent(row["expected_rate"]),
            "projected_text": cn_date(date.fromisoformat(done)) if done else "—"}  # fmt: skip


@router.get("/progress", response_class=HTMLResponse)
async def progress_page(
    request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep, clock: ClockDep
) -> Response:
    _hidden(require_survey_reader, caller.principal)

    def build() -> dict[str, Any]:
        campaign = ws.campaign()[1]
        today = clock(campaign)
        progress = progress_for(ws, caller.principal, today)
        townships = [_figures(t) for t in progress["townships"]]
        to_visit = sum(t["to_visit"] for t in townships)
        visited = sum(t["visited"] for t in townships)
        total = {"to_visit": to_visit, "visited": visited, "registered": sum(t["registered"] for t in townships),
                 "rate_text": _percent(visited / to_visit if to_visit else 0.0),
                 "expected_text": _percent(progress["expected_rate"])}  # fmt: skip
        title = "全县" if len(townships) > 1 else townships[0]["name"] if townships else ""
        return {"page": "progress", "level": "county", "progress": progress, "rows": townships, "total": total,
                "today": cn_date(today), "deadline": cn_date(date.fromisoformat(progress["deadline"])),
                "chart": _curve_svg(ws, caller, today, "", f"{title}入户调查累计完成率"), "crumbs": []}  # fmt: skip

    return await _page(request, caller, ws, templates, "console/progress.html", build)


@router.get("/progress/{township}", response_class=HTMLResponse)
async def township_progress_page(
    township: str, request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep,
    clock: ClockDep,
) -> Response:  # fmt: skip
    _hidden(require_survey_reader, caller.principal)

    def build() -> dict[str, Any]:
        campaign = ws.campaign()[1]
        today = clock(campaign)
        progress = progress_for(ws, caller.principal, today)
        row = township_in(progress, township)
        lagging = set(row["lagging_villages"])
        villages = [{**_figures(v), "lagging": v["code"] in lagging} for v in row["villages"]]
        return {"page": "progress", "level": "township", "progress": progress, "township": _figures(row),
                "rows": villages, "today": cn_date(today),
                "deadline": cn_date(date.fromisoformat(progress["deadline"])),
                "chart": _curve_svg(ws, caller, today, township, f"{row['name']}入户调查累计完成率"),
                "crumbs": [("/progress", "全县")]}  # fmt: skip

    return await _page(request, caller, ws, templates, "console/progress.html", build)


@router.get("/progress/{township}/{village}", response_class=HTMLResponse)
async def village_progress_page(
    township: str, village: str, request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep,
    clock: ClockDep,
) -> Response:  # fmt: skip
    _hidden(require_survey_reader, caller.principal)

    def build() -> dict[str, Any]:
        campaign = ws.campaign()[1]
        today = clock(campaign)
        progress = progress_for(ws, caller.principal, today)
        row = township_in(progress, township)
        found = village_in(row, village)
        try:
            files = village_files_for(ws, caller.principal, village)
        except Forbidden:
            files = {}  # a supervisor reads the figures, not the lists
        return {"page": "progress", "level": "village", "progress": progress, "township": _figures(row),
                "village": _figures(found), "lagging": village in row["lagging_villages"], "files": files,
                "file_names": VILLAGE_FILES, "today": cn_date(today),
                "chart": _curve_svg(ws, caller, today, township, f"{found['name']}入户调查累计完成率", village),
                "deadline": cn_date(date.fromisoformat(progress["deadline"])),
                "crumbs": [("/progress", "全县"), (f"/progress/{township}", row["name"])]}  # fmt: skip

    return await _page(request, caller, ws, templates, "console/village_progress.html", build)


# -- 数据比对 --------------------------------------------------------------------------------------------------------


@router.get("/compare", response_class=HTMLResponse)
async def compare_page(
    request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep, kind: str = ""
) -> Response:
    _hidden(require_survey_reader, caller.principal)
    if kind and kind not in ANOMALIES:
        raise NotFound

    def build() -> dict[str, Any]:
        try:
            summary = compare_for(ws, caller.principal)
        except OutOfScope:
            summary = None  # no comparison yet: the page says so
        total, anomalies = anomalies_for(ws, caller.principal, kind) if summary else (0, [])
        village_names = ws.campaign()[1].village_names()
        for a in anomalies:
            a["kind_name"] = ANOMALY_NAMES.get(a["kind"], a["kind"])
            a["village_name"] = village_names.get(a["village"], "")
        return {"page": "compare", "summary": summary, "anomalies": anomalies, "anomaly_total": total, "kind": kind,
                "category_names": {k: CATEGORY_NAMES.get(k, k) for k in CATEGORIES},
                "anomaly_names": {k: ANOMALY_NAMES.get(k, k) for k in ANOMALIES},
                "insurance_names": _insurance_names(ws),
                "as_of": cn_date(date.fromisoformat(summary["as_of"])) if summary else ""}  # fmt: skip

    return await _page(request, caller, ws, templates, "console/compare.html", build)


# -- 工作清单 --------------------------------------------------------------------------------------------------------


@router.get("/worklists", response_class=HTMLResponse)
async def worklists_page(
    request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep
) -> Response:
    _hidden(require_list_holder, caller.principal)

    def build() -> dict[str, Any]:
        campaign = ws.campaign()[1]
        townships = []
        for township in campaign.townships:
            villages = []
            for v in township.villages:
                try:
                    villages.append({"code": v.code, "name": v.name,
                                     "files": village_files_for(ws, caller.principal, v.code)})  # fmt: skip
                except OutOfScope:
                    break  # the township is outside the scope: so are all its villages
            if villages:
                townships.append({"code": township.code, "name": township.name, "villages": villages})
        return {"page": "worklists", "townships": townships, "file_names": VILLAGE_FILES}

    return await _page(request, caller, ws, templates, "console/worklists.html", build)


@router.get("/worklists/{village}/{kind}")
async def village_file(village: str, kind: str, caller: ConsoleCaller, ws: WorkspaceDep) -> Response:
    """The village's latest work list or household forms; each download is logged as a personal-data export."""
    _hidden(require_list_holder, caller.principal)
    path = await run_in_threadpool(village_file_for, ws, caller.principal, village, kind, channel=CHANNEL)
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
                        filename=path.name)  # fmt: skip


# -- 评分排名 --------------------------------------------------------------------------------------------------------


@router.get("/scores", response_class=HTMLResponse)
async def scores_page(
    request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep, clock: ClockDep
) -> Response:
    _hidden(require_survey_reader, caller.principal)

    def build() -> dict[str, Any]:
        today = clock(ws.campaign()[1])
        rows = scores_for(ws, caller.principal, today)
        top = max([float(r["score"]) for r in rows] + [1.0])
        for r in rows:
            r["bar"] = round(100 * max(float(r["score"]), 0.0) / top, 1)
            r["rate_text"] = _percent(float(r["rate"]))
        issued = issued_files_for(ws, caller.principal)
        return {"page": "scores", "rows": rows, "today": cn_date(today),
                "final": bool(rows and rows[0]["final"]),
                "notices": [f for f in issued if f.kind == "notice"],
                "reports": [f for f in issued if f.kind == "report"]}  # fmt: skip

    return await _page(request, caller, ws, templates, "console/scores.html", build)


@router.get("/issued/{kind}/{folder}/{name}")
async def issued_file(kind: str, folder: str, name: str, caller: ConsoleCaller, ws: WorkspaceDep) -> Response:
    """A notice or a supervisors' report as listed on the scores page (nothing else under the data folder): HTML
    opens in the browser, .docx and .xlsx download."""
    _hidden(require_survey_reader, caller.principal)
    found = await run_in_threadpool(issued_file_for, ws, caller.principal, kind, folder, name)
    media = MEDIA_TYPES.get(found.path.suffix, "application/octet-stream")
    if found.path.suffix == ".html":
        # the page is self-contained: its charts and glyphs are data: URIs, nothing else may load or run
        return FileResponse(found.path, media_type=media, content_disposition_type="inline", filename=found.name,
                            headers={"Content-Security-Policy": ISSUED_PAGE_POLICY})  # fmt: skip
    return FileResponse(found.path, media_type=media, filename=found.name)
