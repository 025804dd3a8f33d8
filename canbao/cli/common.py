"""What every command of `canbao` shares: the consoles, the common options, errors, JSON, the workspace, running
a flow. With --json, stdout holds only the JSON; messages and logs go to stderr.

The command modules import only typer, rich and this module when `canbao` starts: the storage (SQLAlchemy),
the settings, the use cases and Prefect are imported by the command that runs, so `canbao --help` and a command
that fails on its input answer at once."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from canbao.cli.console_log import verbose

if TYPE_CHECKING:
    from models.campaign.spec import Campaign
    from models.settings import Settings
    from tasks.workspace import Workspace

out = Console()
err = Console(stderr=True, soft_wrap=True)  # never break a path or an error across lines

AsOf = typer.Option(None, "--as-of", help="按哪一天计算（YYYY-MM-DD），默认今天")
Json = typer.Option(False, "--json", help="输出 JSON（标准输出只有 JSON）")

# What a department delivery reports (`canbao ingest`, `collect`, `exchange`).
DELIVERY_FIELDS = ("source", "files", "rows_read", "accepted", "rejected", "duplicates", "rejects_file", "warnings")

T = TypeVar("T")


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]错误：[/]{message}", highlight=False)
    raise typer.Exit(code)


def parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} 的日期 {text!r} 无效，应为 YYYY-MM-DD（例如 2017-06-30）")


IMPORT_HEADINGS = {"rows_read": "读取", "recorded": "记录", "rejected": "退回", "duplicates": "重复",
                   "pending": "未填写结果"}  # fmt: skip


def print_import(result: dict[str, Any], extra: dict[str, str] | None = None) -> None:
    """The table of a returned-workbook import: files, rows read, recorded, rejected, … and the rejects file."""
    headings = {**IMPORT_HEADINGS, **(extra or {})}
    table = Table("文件数", *headings.values(), "退回表")
    table.add_row(str(len(result["files"])), *(str(result[k]) for k in headings), result["rejects_file"] or "")
    out.print(table)


def print_delivery_warnings(deliveries: list[dict[str, Any]]) -> None:
    """Each delivery's warnings (optional columns its files lacked) on standard error; the rows were imported."""
    for delivery in deliveries:
        for warning in delivery.get("warnings") or []:
            err.print(f"[yellow]注意：[/]{warning}", highlight=False)


def cn_date(value: date | str) -> str:
    """A date as official documents write it (tasks.wording.render.cn_date, imported when first needed)."""
    from tasks.wording.render import cn_date as written

    return written(value)


def today_in(campaign: Campaign) -> date:
    """The default `--as-of`: today where the campaign runs (tasks.workspace.today_in)."""
    from tasks.workspace import today_in as today

    return today(campaign)


def load_settings() -> Settings:
    """The installation's settings (CANBAO_* environment variables)."""
    from models.settings import Settings

    return Settings()


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def workspace() -> Iterator[Workspace]:
    from models.crud import NoCampaignError
    from tasks.workspace import Workspace

    ws = Workspace.open(load_settings())
    try:
        yield ws
    except NoCampaignError as exc:
        fail(str(exc))
    finally:
        ws.close()


@contextmanager
def keep_prefect_server(settings: Settings) -> Iterator[None]:
    """Hold the installation's Prefect server while a long-running command (`web serve`, `serve`) runs, and say
    where it is: every command meanwhile runs its flows on it (flows.shared_server)."""
    from flows.runtime import base_prefect_environment, route_prefect_logs
    from flows.shared_server import hold_server

    base_prefect_environment(settings)
    route_prefect_logs(settings, verbose())
    if "PREFECT_API_URL" not in os.environ and err.is_terminal:
        err.print("[dim]正在准备 Prefect 服务器…[/]", highlight=False)
    with hold_server(settings, port=settings.prefect_port) as record:
        err.print(
            f"Prefect 服务器：{record.ui_url}（流程运行记录和 Prefect 界面；运行期间各命令共用此服务器）",
            highlight=False,
        )
        yield


def check_before_flow(check: Callable[[Campaign], object] | None = None) -> None:
    """What a flow would refuse, refused before Prefect starts (about ten seconds without a running server):
    the database answers, a campaign is loaded, and `check` accepts the command's input (it raises a known
    error, see canbao.cli.failures)."""
    with workspace() as ws:
        _cid, campaign = ws.campaign()
        if check is not None:
            check(campaign)


def run_flow(flow_fn: Callable[..., T], needs_campaign: bool = True, **kwargs: Any) -> T:
    """Start Prefect only for commands that run campaign work; known failures become exit code 2. With
    `needs_campaign` the workspace is checked first (a flow with a workspace of its own, the replay, is not).
    The flow runs on the server `canbao web serve` or `canbao serve` keeps, when one is running."""
    from flows.runtime import prepare_prefect_environment, quiet_temporary_server, uses_temporary_server

    if needs_campaign:
        check_before_flow()
    prepare_prefect_environment(load_settings(), verbose=verbose())
    if uses_temporary_server() and err.is_terminal:
        err.print(
            "[dim]正在启动临时 Prefect 服务器（约 10 秒；"
            "运行 canbao web serve 或 canbao serve 时各命令共用其服务器）…[/]",
            highlight=False,
        )
    from flows.comparison import NothingToCompare
    from models import faults
    from models.campaign.spec import CampaignFileError
    from models.crud import NoCampaignError
    from models.runlock import LockHeld
    from tasks.comparison.registry import NoComparison
    from tasks.intake.checks import IngestError

    faults.arm()  # test-only: CANBAO_FAULT_AFTER kills the command after a delay

    quiet_temporary_server()  # Prefect is imported, this process's logging set up

    try:
        return flow_fn(**kwargs)
    except (NoCampaignError, CampaignFileError, IngestError, NothingToCompare, NoComparison, LockHeld) as exc:
        fail(str(exc))
