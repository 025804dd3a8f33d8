"""The console's write side for departments: 数据报送 (a department, or the county, uploads one or several files
per source, sees the import result and downloads the rejects workbook) and `POST /api/v1/deliveries/{source}`.

An upload runs the same import as `canbao ingest` (flows.collection.ingest_uploaded: the import and the delivery
milestones under the same run lock), in this process rather than as a flow run on the Prefect server: the answer
must come back to the page that sent the files, whether or not a Prefect server is up. Every upload, accepted or
refused, is in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from starlette.datastructures import UploadFile as StarletteUpload

from canbao.web.auth import CSRF_FIELD, ApiCaller, ApiWriter, Caller, ConsoleCaller, check_csrf, now_of
from canbao.web.deps import ClockDep, TemplatesDep, WorkspaceDep
from canbao.web.pages import render
from canbao.web.routers.api import BadRequest
from canbao.web.routers.console import Unprocessable, _signed_in_context
from flows.collection import ingest_uploaded
from models.runlock import LockHeld
from tasks.access.deliveries import (
    UPLOAD_SUFFIXES,
    deliverable_sources,
    log_upload,
    rejects_for,
    require_deliver,
    safe_file_name,
    upload_folder,
)
from tasks.access.messages import STATUSES, CannotResend, outbox_for, resend_message
from tasks.access.reviews import review_for, reviews_for
from tasks.access.roles import Principal
from tasks.intake.ingest import IngestError
from tasks.intake.snapshots import active_snapshot
from tasks.messages.kinds import STATUS_NAMES
from tasks.survey.reviews import ReviewError
from tasks.workspace import Workspace

router = APIRouter()
DELIVERY_FIELDS = ("source", "files", "rows_read", "accepted", "rejected", "duplicates", "rejects_file", "warnings")
MAX_FILES = 50
MAX_LISTED = 300  # messages on the page; the API and the CLI give them all
CHUNK = 1 << 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The 数据报送 page loads its upload script (/static/upload.js, ours) and posts the form with XMLHttpRequest.
DELIVERIES_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


class DeliveryRefused(ValueError):
    """An upload that could not be imported (422); the message names the file and the reason, in Chinese."""


async def _uploads(request: Request) -> tuple[list[StarletteUpload], dict[str, str]]:
    """The uploaded files (field `files`, or any file field) and the form's text fields."""
    form = await request.form(max_files=MAX_FILES)
    files = [v for _k, v in form.multi_items() if isinstance(v, StarletteUpload) and v.filename]
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    return files, fields


async def _keep(files: list[StarletteUpload], folder: Path) -> list[Path]:
    """Write the uploads into the upload's folder; two files of one name get a number."""
    kept: list[Path] = []
    for upload in files:
        name = safe_file_name(upload.filename or "")
        target = folder / name
        n = 1
        while target.exists():
            n += 1
            target = folder / f"{Path(name).stem}（{n}）{Path(name).suffix}"
        with target.open("wb") as handle:
            while chunk := await upload.read(CHUNK):
                handle.write(chunk)
        kept.append(target)
    return kept


def _check_names(paths: list[Path]) -> None:
    wrong = [p.name for p in paths if p.suffix.lower() not in UPLOAD_SUFFIXES]
    if wrong:
        raise DeliveryRefused(f"文件 {'、'.join(wrong)} 不是可导入的格式（应为 .xlsx、.xls 或 .csv）")


async def receive_delivery(
    ws: Workspace, principal: Principal, source: str, files: list[StarletteUpload], *, channel: str, now: datetime
) -> dict[str, Any]:
    """Check the caller may deliver `source`, keep the files, import them as `canbao ingest` would and log it.
    Returns `canbao ingest --json`'s object; DeliveryRefused for files that cannot be imported."""
    campaign = (await run_in_threadpool(ws.campaign))[1]
    require_deliver(campaign, principal, source)
    if not files:
        raise DeliveryRefused("没有选择文件：请选择一个或多个数据文件（.xlsx、.xls、.csv）")
    folder = upload_folder(ws, source, now)
    paths = await _keep(files, folder)
    names = [p.name for p in paths]
    try:
        _check_names(paths)
        delivery = await run_in_threadpool(ingest_uploaded, ws, source, paths)
    except (IngestError, LockHeld, DeliveryRefused) as exc:
        # the server's folder is nobody's business: the message names the files as they were sent
        message = str(exc).replace(f"{folder}/", "").replace(str(folder), "")
        await run_in_threadpool(
            lambda: log_upload(ws, principal, source=source, files=names, channel=channel, result={"error": message})
        )
        raise DeliveryRefused(message) from exc
    result = {k: delivery[k] for k in DELIVERY_FIELDS}
    summary = {k: result[k] for k in ("rows_read", "accepted", "rejected", "duplicates")}
    await run_in_threadpool(
        lambda: log_upload(ws, principal, source=source, files=names, channel=channel, result=summary)
    )
    return result


# -- API ----------------------------------------------------------------------------------------------------------


@router.post("/api/v1/deliveries/{source}")
async def api_delivery(source: str, request: Request, caller: ApiWriter, ws: WorkspaceDep) -> JSONResponse:
    """Multipart files (field `files`, one or several) → the same JSON as `canbao ingest SOURCE FILE… --json`."""
    campaign = (await run_in_threadpool(ws.campaign))[1]
    require_deliver(campaign, caller.principal, source)  # before reading a byte of the body
    files, _fields = await _uploads(request)
    try:
        result = await receive_delivery(ws, caller.principal, source, files, channel="api", now=now_of(request))
    except DeliveryRefused as exc:
        return JSONResponse({"detail": str(exc)}, status_code=422)
    return JSONResponse(result)


# -- the 数据报送 page ------------------------------------------------------------------------------------------


def _page(request: Request, ws: Workspace, caller: Caller, **extra: Any) -> dict[str, Any]:
    campaign_id, campaign = ws.campaign()
    sources = deliverable_sources(campaign, caller.principal)
    with ws.session() as session:
        current = {s.key: active_snapshot(session, campaign_id=campaign_id, source=s.key) for s in sources}
    rows = [{"key": s.key, "name": s.name, "department": s.department, "snapshot": current[s.key]} for s in sources]
    return {**_signed_in_context(request, ws, caller), "page": "deliveries", "sources": rows,
            "suffixes": ",".join(UPLOAD_SUFFIXES), "result": None, "error": "", "source_name": "", **extra}  # fmt: skip


@router.get("/deliveries", response_class=HTMLResponse)
async def deliveries_page(
    request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep
) -> Response:
    campaign = (await run_in_threadpool(ws.campaign))[1]
    if not deliverable_sources(campaign, caller.principal):
        require_deliver(campaign, caller.principal, "")  # Forbidden for a township or a supervisor
    return _deliveries(templates, await run_in_threadpool(_page, request, ws, caller))


def _deliveries(templates: Any, context: dict[str, Any], status_code: int = 200) -> Response:
    response = render(templates, "console/deliveries.html", context, status_code=status_code)
    response.headers["Content-Security-Policy"] = DELIVERIES_PAGE_POLICY
    return response


@router.post("/deliveries/{source}", response_class=HTMLResponse)
async def upload_delivery(
    source: str, request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep
) -> Response:
    campaign = (await run_in_threadpool(ws.campaign))[1]
    files, fields = await _uploads(request)
    check_csrf(caller.csrf_token, fields.get(CSRF_FIELD))
    require_deliver(campaign, caller.principal, source)
    source_name = campaign.sources[source].name
    try:
        result = await receive_delivery(ws, caller.principal, source, files, channel="web", now=now_of(request))
    except DeliveryRefused as exc:
        error = str(exc)
        context = await run_in_threadpool(lambda: _page(request, ws, caller, error=error, source_name=source_name))
        return _deliveries(templates, context, status_code=422)
    context = await run_in_threadpool(lambda: _page(request, ws, caller, result=result, source_name=source_name))
    return _deliveries(templates, context)


@router.get("/deliveries/{source}/rejects.xlsx")
async def rejects_workbook(source: str, caller: ConsoleCaller, ws: WorkspaceDep) -> FileResponse:
    """The rejects workbook of the source's current delivery (404 without one, or outside the caller's scope)."""

    path = await run_in_threadpool(lambda: rejects_for(ws, caller.principal, source, channel="web"))
    return FileResponse(path, media_type=XLSX, filename=path.name)


# -- 消息: what was sent to whom, failed ones with the reason, the county's resend -----------------------------


def _status_filter(status: str | None) -> str | None:
    if status in (None, ""):
        return None
    if status not in STATUSES:
        raise BadRequest(f"status 只能是 {'、'.join(STATUSES)}")
    return status


@router.get("/api/v1/outbox")
def api_outbox(
    caller: ApiCaller, ws: WorkspaceDep, status: str | None = None, owner: str | None = None
) -> list[dict[str, Any]]:
    """`canbao messages outbox --json`, cut to the caller's scope."""
    return outbox_for(ws, caller.principal, status=_status_filter(status), owner=owner or None)


@router.get("/messages", response_class=HTMLResponse)
async def messages_page(
    request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep, status: str = "", sent: str = ""
) -> Response:
    def build() -> dict[str, Any]:
        rows = outbox_for(ws, caller.principal, status=status if status in STATUSES else None)
        return {**_signed_in_context(request, ws, caller), "page": "messages", "rows": rows[:MAX_LISTED],
                "total": len(rows), "status": status, "statuses": STATUS_NAMES,
                "may_resend": caller.principal.role == "county",
                "resent": sent if sent in STATUS_NAMES else ""}  # fmt: skip

    return render(templates, "console/messages.html", await run_in_threadpool(build))


@router.post("/messages/{message_id}/resend")
async def resend(message_id: int, request: Request, caller: ConsoleCaller, ws: WorkspaceDep) -> Response:
    form = await request.form(max_files=0)
    token = form.get(CSRF_FIELD)
    check_csrf(caller.csrf_token, token if isinstance(token, str) else None)
    try:
        result = await run_in_threadpool(lambda: resend_message(ws, caller.principal, message_id, channel="web"))
    except CannotResend as exc:
        raise Unprocessable(str(exc)) from exc
    return RedirectResponse(f"{request.scope.get('root_path', '')}/messages?sent={result['status']}", status_code=303)


@router.post("/api/v1/outbox/{message_id}/resend")
def api_resend(message_id: int, caller: ApiWriter, ws: WorkspaceDep) -> dict[str, Any]:
    """The county sends a failed message again now; answers the message as `GET outbox` lists it."""
    try:
        return resend_message(ws, caller.principal, message_id, channel="api")
    except CannotResend as exc:
        raise BadRequest(str(exc)) from exc


# -- 核实: the township reviews its villages' recorded visits ----------------------------------------------------


@router.get("/review", response_class=HTMLResponse)
async def review_page(
    request: Request, caller: ConsoleCaller, ws: WorkspaceDep, templates: TemplatesDep, township: str = "",
    done: str = "",
) -> Response:  # fmt: skip
    """A township's own villages; the county picks a township (`?township=CODE`)."""

    def build() -> dict[str, Any]:
        campaign = ws.campaign()[1]
        p = caller.principal
        code = p.scope if p.role == "township" else (township or campaign.townships[0].code)
        rows = reviews_for(ws, p, code)
        villages: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            villages.setdefault(r["village_code"], []).append(r)
        names = campaign.owner_names()
        return {**_signed_in_context(request, ws, caller), "page": "review", "villages": villages,
                "township_name": names.get(code, code),
                "townships": [(t.code, t.name) for t in campaign.townships] if p.role == "county" else [],
                "township": code, "done": done if done.isdigit() else ""}  # fmt: skip

    return render(templates, "console/review.html", await run_in_threadpool(build))


@router.post("/review/{village}")
async def review_post(
    village: str, request: Request, caller: ConsoleCaller, ws: WorkspaceDep, clock: ClockDep
) -> Response:
    """核实 the village's visits; each `return_<visit id>` field with a reason sends that visit back instead."""
    form = await request.form(max_files=0)
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    check_csrf(caller.csrf_token, fields.get(CSRF_FIELD))
    returned = {
        int(k.removeprefix("return_")): v.strip()
        for k, v in fields.items()
        if k.startswith("return_") and k.removeprefix("return_").isdigit() and v.strip()
    }

    def act() -> int:
        on = clock(ws.campaign()[1])
        return review_for(ws, caller.principal, village, returned=returned, on=on, channel="web").confirmed

    try:
        confirmed = await run_in_threadpool(act)
    except ReviewError as exc:
        raise Unprocessable(str(exc)) from exc
    township = village_township(ws, village)
    return RedirectResponse(
        f"{request.scope.get('root_path', '')}/review?township={township}&done={confirmed}", status_code=303
    )


def village_township(ws: Workspace, village: str) -> str:
    campaign = ws.campaign()[1]
    return next((t.code for t in campaign.townships if any(v.code == village for v in t.villages)), "")
