"""What every command of `canbao` shares: the consoles, the common options, errors, JSON, the workspace, running
a flow. With --json, stdout holds only the JSON; messages and logs go to stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from flows.runtime import prepare_prefect_environment, quiet_temporary_server
from models.campaign.spec import CampaignFileError
from models.crud import NoCampaignError
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


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def workspace() -> Iterator[Workspace]:
    ws = Workspace.open(Settings())
    try:
        yield ws
    except NoCampaignError as exc:
        fail(str(exc))
    finally:
        ws.close()


def run_flow(flow_fn: Callable[..., T], **kwargs: Any) -> T:
    """Start Prefect only for commands that run campaign work; known failures become exit code 2."""
    prepare_prefect_environment(Settings())
    from flows.comparison import NothingToCompare
    from models import faults
    from models.runlock import LockHeld
    from tasks.comparison.registry import NoComparison
    from tasks.intake.ingest import IngestError

    faults.arm()  # test-only: CANBAO_FAULT_AFTER kills the command after a delay

    quiet_temporary_server()  # Prefect is imported, this process's logging set up

    try:
        return flow_fn(**kwargs)
    except (NoCampaignError, CampaignFileError, IngestError, NothingToCompare, NoComparison, LockHeld) as exc:
        fail(str(exc))
