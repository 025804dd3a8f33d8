"""`canbao exchange DIR`: data exchange (数据交换), the departments' new deliveries imported, compared again, and
what changed since the last comparison, per township."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from canbao.cli.common import (
    DELIVERY_FIELDS,
    Json,
    check_before_flow,
    emit_json,
    err,
    out,
    parse_date,
    print_delivery_warnings,
    run_flow,
)


def exchange(
    directory: Path = typer.Argument(..., help="部门交换数据文件夹，按 <数据源代码>/<文件> 存放"),
    on: str = typer.Option(None, "--on", help="交换日期（YYYY-MM-DD），默认今天；也是重新比对的日期"),
    as_json: bool = Json,
) -> None:
    """数据交换：导入各部门新交付的数据，重新比对，报告与上次比对相比的变化（按乡镇）。"""
    day = parse_date(on, "--on")
    from tasks.intake.checks import check_folder

    check_before_flow(lambda _campaign: check_folder(directory))
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
        print_delivery_warnings(imported)
    for d in failed:
        err.print(f"[red]{d['source']}：{d['error']}[/]", highlight=False)
    if failed:
        raise typer.Exit(2)
