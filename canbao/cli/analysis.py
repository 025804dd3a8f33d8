"""`canbao analysis plan`: the expansion plan (扩面计划) per township and insurance."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from canbao.cli.common import AsOf, Json, emit_json, fail, out, parse_date, workspace

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
