"""`canbao report`: the supervisors' report (督查报告) as a workbook and a self-contained web page."""

from __future__ import annotations

from pathlib import Path

import typer

from canbao.cli.common import AsOf, Json, emit_json, out, parse_date, run_flow


def report(
    as_of: str = AsOf,
    out_dir: Path = typer.Option(..., "--out", help="输出文件夹（工作簿和网页各一个）"),
    as_json: bool = Json,
) -> None:
    """督查报告：概况、入户调查进度曲线、排名与评分、数据异常、扩面盲点、工作任务（Excel 工作簿和网页各一份）。"""
    from flows.report import supervisors_report

    result = run_flow(supervisors_report, as_of=parse_date(as_of, "--as-of"), out=str(out_dir))
    if as_json:
        emit_json(result)
        return
    kind = "最终结果" if result["final"] else "暂定结果"
    out.print(f"督查报告（{result['as_of']}，评分为{kind}）已生成：", highlight=False)
    out.print(f"  工作簿：{result['xlsx']}", highlight=False)
    out.print(f"  网页：{result['html']}", highlight=False)
    out.print(f"  Prefect 产出：{'、'.join(result['artifacts'])}", highlight=False)
