"""The flow runs of the installation's Prefect server, as the console's 流程运行 page, `GET /api/v1/runs` and
`canbao runs` show them: canbao's flows named in Chinese, each run's state in Chinese, when it started and how long
it took, the day it ran for, and the address of the run's page in Prefect's UI for operators.

The server is the one PREFECT_API_URL names, else the one `canbao web serve` or `canbao serve` recorded in the data
folder (flows.shared_server). Reading never starts a server (no temporary one for a page) and asks once, with a
short timeout and no retries: a server that does not answer is reported in Chinese, not raised.
"""

from __future__ import annotations

import functools
import os
import re
import ssl
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx

from flows.shared_server import read_record, record_path
from models.settings import Settings
from tasks.identity.masking import mask_text

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# A server on this machine answers in milliseconds; a page must not hang on one that is gone or stuck.
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 5.0

# canbao's flows (the names of their @flow), in Chinese; a test checks every flow of flows/ is here.
FLOW_NAMES = {
    "daily-reminders": "每日提醒",
    "weekly-ranking": "每周排名通报",
    "supervisors-report": "督查报告",
    "launch-phase": "启动阶段",
    "training-phase": "动员培训阶段",
    "survey-phase": "入户调查阶段",
    "analysis-phase": "完善分析阶段",
    "survey-cutoff": "入户调查截止",
    "data-exchange": "数据交换",
    "ingest-source": "数据导入",
    "collect-data": "数据收集",
    "compare-registrations": "数据比对",
    "publish-worklists": "发布工作清单",
    "import-visits": "导入走访结果",
    "replay-campaign": "全程演练",
}
# Prefect's state types, and the few state names that say more than their type.
STATE_NAMES = {
    "SCHEDULED": "已排期",
    "PENDING": "排队中",
    "RUNNING": "运行中",
    "COMPLETED": "已完成",
    "FAILED": "失败",
    "CANCELLED": "已取消",
    "CANCELLING": "正在取消",
    "CRASHED": "异常中止",
    "PAUSED": "已暂停",
}
STATE_NAMES_BY_NAME = {"Late": "已延迟", "AwaitingRetry": "等待重试", "Retrying": "重试中"}
FAILED_STATES = ("FAILED", "CRASHED")
# The day a run was for: the first of these parameters the flow has.
DAY_PARAMETERS = ("as_of", "delivered_on", "received_on", "published_on")
# Parameters worth showing beside a run (file and folder paths are the server's business, not the page's).
PARAMETER_NAMES = {
    "source": "数据源",
    "dry_run": "只预览",
    "force": "强制发出",
    "notify": "发送通知",
    "forms": "含入户登记表",
    "parts": "分区数",
    "phases": "阶段",
    "start": "开始日期",
    "end": "结束日期",
}
NO_SERVER = (
    "没有正在运行的 Prefect 服务器，暂无流程运行记录可显示。运行 canbao web serve 或 canbao serve 时，"
    "各流程的运行记录显示在这里。"
)


def not_answering(ui_url: str) -> str:
    return (
        f"Prefect 服务器（{ui_url}）没有响应，暂时无法读取流程运行记录。"
        "请确认 canbao web serve 或 canbao serve 正在运行。"
    )


@dataclass(frozen=True)
class FlowRunRow:
    """One run of one of canbao's flows, as shown."""

    id: str
    flow: str
    flow_name: str
    run_name: str
    state: str  # Prefect's state type: COMPLETED, FAILED, RUNNING, …
    state_name: str
    state_message: str
    failed: bool
    started_at: datetime | None  # in the campaign's timezone
    ended_at: datetime | None
    duration_seconds: float | None  # so far, for a run still running
    as_of: str | None
    parameters: dict[str, Any]
    ui_url: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("started_at", "ended_at"):
            moment = data[name]
            data[name] = moment.isoformat(timespec="seconds") if moment else None
        return data


@dataclass(frozen=True)
class FlowRuns:
    """What the server answered: its runs, or why there are none to show (`available` False, `notice`)."""

    available: bool
    ui_url: str | None = None
    notice: str = ""
    runs: list[FlowRunRow] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"available": self.available, "prefect_ui": self.ui_url, "notice": self.notice or None,
                "runs": [r.to_json() for r in self.runs]}  # fmt: skip


def prefect_api_url(settings: Settings) -> str | None:
    """The installation's Prefect API: PREFECT_API_URL, else the server recorded in the data folder (not asked
    whether it answers: reading the runs is that question)."""
    outside = os.environ.get("PREFECT_API_URL")
    if outside:
        return outside
    record = read_record(record_path(settings))
    return record.api_url if record else None


def ui_address(api_url: str) -> str:
    """Prefect's UI: PREFECT_UI_URL where an operator set it (a proxy's address), else the API's server."""
    return (os.environ.get("PREFECT_UI_URL") or api_url.rstrip("/").removesuffix("/api")).rstrip("/")


def recent_flow_runs(
    settings: Settings, *, limit: int = DEFAULT_LIMIT, timezone: str = "Asia/Shanghai", api_url: str | None = None
) -> FlowRuns:
    """The latest `limit` runs of canbao's flows, newest start first (runs not started yet by their expected
    start). `api_url` defaults to the installation's server (prefect_api_url)."""
    url = api_url or prefect_api_url(settings)
    if not url:
        return FlowRuns(available=False, notice=NO_SERVER)
    ui = ui_address(url)
    try:
        runs, flows = _read_runs(url, max(1, min(limit, MAX_LIMIT)))
    except (httpx.HTTPError, OSError, ValueError):  # refused, timed out, an error page, a foreign server
        return FlowRuns(available=False, ui_url=ui, notice=not_answering(ui))
    zone = ZoneInfo(timezone)
    return FlowRuns(available=True, ui_url=ui, runs=[_row(run, flows, ui, zone) for run in runs])


# Flow ids never change on a server: their names are asked once per server, so a page costs one request.
_flow_names: dict[str, dict[UUID, str]] = {}


def _read_runs(api_url: str, limit: int) -> tuple[list[Any], Mapping[UUID, str]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterId, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.context import SettingsContext, get_settings_context

    timeout = httpx.Timeout(READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
    httpx_settings: dict[str, Any] = {"timeout": timeout}
    if api_url.startswith("http://"):
        httpx_settings["verify"] = _unused_tls_context()  # not Prefect's: it reads the CA bundle for each client
    with (
        SettingsContext(profile=get_settings_context().profile, settings=_one_attempt_settings(api_url)),
        get_client(httpx_settings=httpx_settings, sync_client=True) as client,
    ):
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=list(FLOW_NAMES))),
            sort=FlowRunSort.START_TIME_DESC,
            limit=limit,
        )
        known = _flow_names.setdefault(api_url, {})
        unknown = {run.flow_id for run in runs} - set(known)
        if unknown:
            flows = client.read_flows(flow_filter=FlowFilter(id=FlowFilterId(any_=list(unknown))))
            known.update({f.id: f.name for f in flows if f.id is not None})
    return list(runs), known


@functools.lru_cache(maxsize=8)
def _one_attempt_settings(api_url: str) -> Any:
    """Prefect's settings with the server given (never a temporary one) and one attempt per request (its client
    retries a timeout five times, with pauses); built once per server: building them costs a tenth of a second."""
    from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, get_current_settings

    return get_current_settings().copy_with_update(updates={PREFECT_API_URL: api_url, PREFECT_CLIENT_MAX_RETRIES: 0})


@functools.lru_cache(maxsize=1)
def _unused_tls_context() -> ssl.SSLContext:
    """A plain-HTTP server's client needs no certificates; an https:// one gets Prefect's own context."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _row(run: Any, flows: Mapping[UUID, str], ui: str, zone: ZoneInfo) -> FlowRunRow:
    flow = flows.get(run.flow_id, "")
    state = run.state
    kind = str(state.type.value) if state is not None else "PENDING"
    name = STATE_NAMES_BY_NAME.get(state.name if state is not None else "", STATE_NAMES.get(kind, kind))
    started, ended = _local(run.start_time, zone), _local(run.end_time, zone)
    parameters = dict(run.parameters or {})
    return FlowRunRow(
        id=str(run.id),
        flow=flow,
        flow_name=FLOW_NAMES.get(flow, flow),
        run_name=str(run.name),
        state=kind,
        state_name=name,
        # a failure's message may quote a row of a file: personal data masked, as in every message
        state_message=reason_text(state.message or "") if state is not None else "",
        failed=kind in FAILED_STATES,
        started_at=started,
        ended_at=ended,
        duration_seconds=_duration(run, started, ended),
        as_of=next((str(parameters[p]) for p in DAY_PARAMETERS if parameters.get(p)), None),
        parameters={
            k: mask_text(v) if isinstance(v, str) else v
            for k, v in parameters.items()
            if k in PARAMETER_NAMES and v is not None
        },
        ui_url=f"{ui}/runs/flow-run/{run.id}",
    )


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A plain datetime in `zone` (Prefect's own datetime type drops the offset from its ISO text)."""
    return datetime.fromtimestamp(moment.timestamp(), zone) if moment is not None else None


def _duration(run: Any, started: datetime | None, ended: datetime | None) -> float | None:
    """From start to end; for a run still going, Prefect's estimate so far (the server's clock, not ours)."""
    if started is None:
        return None
    if ended is not None:
        return max((ended - started).total_seconds(), 0.0)
    estimated = run.estimated_run_time
    return estimated.total_seconds() if isinstance(estimated, timedelta) else None


def duration_text(seconds: float | None) -> str:
    """3 分 5 秒, 1 小时 2 分, 0.8 秒: as a person reads a run's length."""
    if seconds is None:
        return ""
    if seconds < 10:
        return f"{seconds:.1f} 秒"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} 小时 {minutes} 分"
    if minutes:
        return f"{minutes} 分 {secs} 秒"
    return f"{secs} 秒"


def moment_text(moment: datetime | None) -> str:
    """2017年5月22日 08:00:05 (the time as given: the campaign's timezone)."""
    if moment is None:
        return ""
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M:%S}"


def reason_text(message: str) -> str:
    """A failed run's message without Prefect's English wrapping around canbao's own Chinese error, masked."""
    return mask_text(_PREFECT_PREFIX.sub("", message))


_PREFECT_PREFIX = re.compile(r"^(?:Flow run encountered an exception: )?(?:[A-Za-z_][\w.]*(?:Error|Exception|Held): )?")


def parameter_text(parameters: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """数据源：城乡居民基本养老保险参保人员；只预览：是 (`names`: what a key such as a source's is called)."""
    return "；".join(f"{PARAMETER_NAMES.get(k, k)}：{_value_text(v, names or {})}" for k, v in parameters.items())


def _value_text(value: Any, names: Mapping[str, str]) -> str:
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)
