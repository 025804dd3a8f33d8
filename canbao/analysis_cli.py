"""`canbao analysis plan` (the expansion plan, 扩面计划) and `canbao exchange DIR` (data exchange, 数据交换)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from canbao.cli import DELIVERY_FIELDS, AsOf, Json, emit_json, err, fail, out, parse_date, run_flow, workspace

analysis_app: typer.Typer = typer.Typer(help="完善分析阶段：扩面计划", no_args_is_help=True)


@analysis_app.command("plan")
def analysis_plan(
    as_of: str = AsOf,
    out_dir: Path = typer.Option(None, "--out", help="输出文件夹，默认 var/analysis"),
    as_json: bool = Json,
) -> None:
    """按最近一次比对结果制定各乡镇分险种扩面计划（应保未保、覆盖率、扩面目标、分月目标）。"""
    day = parse_date(as_of, "--as-of")
    from tasks.analysis.expansion_workbook import write_expansion_plan
    from tasks.comparison.registry import NoComparison

    with workspace() as ws:
        try:
            result = write_expansion_plan(ws, day, out_dir)
        except (NoComparison, ValueError) as exc:
            fail(str(exc))
    if as_json:
        emit_json(result)
        return
    table = Table("险种", "应参保人数", "已参保", "已在外地参保", "应保未保", "覆盖率", "扩面目标")
    for row in result["county"]["insurances"]:
        coverage = "" if row["coverage"] is None else f"{row['coverage']:.1%}"
        table.add_row(
            row["name"],
            str(row["should"]),
            str(row["insured"]),
            str(row["elsewhere"]),
            str(row["gap"]),
            coverage,
            str(row["target"]),
        )
    out.print(
        f"{result['county']['name']}扩面计划（截至 {result['as_of']}，目标 {result['target_date']} 前覆盖率 "
        f"{result['target_coverage']:.0%}）",
        highlight=False,
    )
    out.print(table)
    out.print(f"扩面计划表：{result['file']}", highlight=False)


def exchange(
    directory: Path = typer.Argument(..., help="部门交换数据文件夹，按 <数据源代码>/<文件> 存放"),
    on: str = typer.Option(None, "--on", help="交换日期（YYYY-MM-DD），默认今天；也是重新比对的日期"),
    as_json: bool = Json,
) -> None:
    """数据交换：导入各部门新交付的数据，重新比对，报告与上次比对相比的变化（按乡镇）。"""
    day = parse_date(on, "--on")
    from flows.exchange import data_exchange

    result: dict[str, Any] = run_flow(data_exchange, directory=str(directory), delivered_on=day)
    deliveries = result["deliveries"]
    failed = [d for d in deliveries if "error" in d]
    result["deliveries"] = [
        {k: d[k] for k in (*DELIVERY_FIELDS, "unchanged")} if "error" not in d else d for d in deliveries
    ]
    if as_json:
        emit_json(result)
    else:
        names = {"deaths": "新增死亡", "enrolments": "新增参保", "new_gaps": "新增应保未保",
                 "added": "新增户籍人员", "removed": "减少户籍人员"}  # fmt: skip
        imported = [d for d in deliveries if "error" not in d and not d.get("unchanged")]
        out.print(f"数据交换 {result['on']}：导入 {len(imported)} 个数据源的新数据", highlight=False)
        if not any(result["changes"].values()):
            out.print("无变化" if not result["baseline"] else "首次比对，无上次结果可供对照", highlight=False)
        else:
            out.print("  " + "，".join(f"{names[k]} {v}" for k, v in result["changes"].items()), highlight=False)
            table = Table("乡镇", *names.values())
            for t in result["townships"]:
                if any(t[k] for k in names):
                    table.add_row(t["name"], *(str(t[k]) for k in names))
            out.print(table)
        out.print(f"变化报告：{result['report']}（身份证号已脱敏）", highlight=False)
    for d in failed:
        err.print(f"[red]{d['source']}：{d['error']}[/]", highlight=False)
    if failed:
        raise typer.Exit(2)
