"""`canbao runs`: the latest runs of canbao's flows on the installation's Prefect server (flows.runs), as the
console's 流程运行 page shows them. It reads the server `canbao web serve` or `canbao serve` keeps (or
PREFECT_API_URL) and never starts one: without a server that answers it says so."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from canbao.cli.common import Json, emit_json, err, fail, out, workspace


def runs(
    limit: int = typer.Option(20, "--limit", help="列出最近多少次运行（1–200）"),
    as_json: bool = Json,
) -> None:
    """列出各流程最近的运行记录：流程、状态、开始时间（北京时间）、用时和失败原因。"""
    from flows.runs import MAX_LIMIT, duration_text, moment_text, parameter_text, recent_flow_runs

    if not 1 <= limit <= MAX_LIMIT:
        fail(f"--limit 应为 1 到 {MAX_LIMIT} 之间的整数")
    with workspace() as ws:
        found = recent_flow_runs(ws.settings, limit=limit, timezone=ws.campaign()[1].timezone)
    if as_json:
        emit_json(found.to_json())
        return
    if not found.available:
        err.print(f"[yellow]注意：[/]{escape(found.notice)}", highlight=False)
        return
    title = f"最近 {len(found.runs)} 次运行"
    table = Table("流程", "状态", "开始时间（北京时间）", "用时", "日期", "参数", title=title)
    for r in found.runs:
        state = f"[bold red]{escape(r.state_name)}[/]" if r.failed else escape(r.state_name)
        started = moment_text(r.started_at) or "尚未开始"
        parameters = escape(parameter_text(r.parameters))
        table.add_row(escape(r.flow_name), state, started, duration_text(r.duration_seconds), r.as_of or "", parameters)
    out.print(table)
    for r in found.runs:
        if r.failed and r.state_message:
            err.print(f"[red]失败：[/]{escape(r.flow_name)}（{moment_text(r.started_at)}）：{escape(r.state_message)}",
                      highlight=False)  # fmt: skip
    err.print(f"Prefect 界面：{found.ui_url}/runs（每次运行的任务和日志）", highlight=False)
