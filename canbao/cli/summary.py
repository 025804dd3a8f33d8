"""`canbao summary`: the campaign's closing report (工作总结), which completes its milestone."""

from __future__ import annotations

from pathlib import Path

import typer

from canbao.cli.common import AsOf, Json, emit_json, fail, out, parse_date, today_in, workspace


def summary(
    as_of: str = AsOf,
    out_dir: Path = typer.Option(None, "--out", help="输出文件夹，默认 var/notices/<日期>-<文号>"),
    as_json: bool = Json,
) -> None:
    """撰写全民参保登记工作总结暨提升社保服务质量的报告（.docx 和 HTML），完成“形成工作总结”工作任务。"""
    from tasks.analysis.closing_figures import write_summary_report
    from tasks.comparison.registry import NoComparison

    with workspace() as ws:
        _cid, campaign = ws.campaign()
        day = parse_date(as_of, "--as-of") or today_in(campaign)
        try:
            result = write_summary_report(ws, day, out_dir)
        except NoComparison as exc:
            fail(str(exc))
    if as_json:
        emit_json(result)
        return
    out.print(f"工作总结已写入：{'、'.join(result['files'])}", highlight=False)
