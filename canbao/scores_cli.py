"""`canbao cutoff`, `canbao scores`, `canbao summary`: the survey frozen at its deadline, the townships'
performance scores, the campaign's closing report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from canbao.cli import AsOf, Json, emit_json, fail, out, parse_date, run_flow, workspace
from tasks.messages.render import cn_date
from tasks.workspace import today_in


def cutoff(as_of: str = AsOf, as_json: bool = Json) -> None:
    """入户调查截止：冻结截止日的完成情况，此后录入的走访标记为逾期（截止日次日起可运行，可重复运行）。"""
    from flows.cutoff import survey_cutoff
    from tasks.survey.cutoff import TooEarly

    try:
        result = run_flow(survey_cutoff, as_of=parse_date(as_of, "--as-of"))
    except TooEarly as exc:
        fail(str(exc))
    if as_json:
        emit_json(result)
        return
    note = "本次冻结" if result["frozen_now"] else "此前已冻结，结果未变"
    out.print(f"入户调查截止日：{result['deadline']}（{note}）；逾期走访 {result['late_visits']} 条", highlight=False)
    table = Table("乡镇", "应访", "截止时已访", "完成率", "按期完成")
    for t in result["townships"]:
        table.add_row(t["name"], str(t["to_visit"]), str(t["visited"]), f"{t['rate'] * 100:.1f}%",
                      "是" if t["finished"] else "[red]否[/]")  # fmt: skip
    out.print(table)


def scores(as_of: str = AsOf, as_json: bool = Json) -> None:
    """各乡镇绩效评分、排名、经费补助和通报批评（截止日后为最终结果，之前为暂定）。"""
    from tasks.scoring.sheet import score_sheet

    with workspace() as ws:
        _cid, campaign = ws.campaign()
        day = parse_date(as_of, "--as-of") or today_in(campaign)
        sheet = score_sheet(ws, day)
    if as_json:
        emit_json(sheet.to_json())
        return
    kind = "最终结果（按截止日完成情况）" if sheet.final else "暂定结果（入户调查尚未截止）"
    out.print(f"截至{cn_date(day)}乡镇绩效评分：{kind}", highlight=False)
    rules = [p.label for p in sheet.scores[0].breakdown[:3]] if sheet.scores else []
    table = Table("名次", "乡镇", "得分", *rules, "扣分", "经费补助（元）", "通报批评")
    for s in sheet.scores:
        base = [f"{p.points:.2f}" for p in s.breakdown[:3]]
        deducted = sum(p.points for p in s.breakdown[3:])
        table.add_row(str(s.rank), s.name, f"{s.score:.2f}", *base, f"{deducted:.2f}" if deducted else "",
                      f"{s.subsidy:,.2f}", "；".join(s.reasons))  # fmt: skip
    out.print(table)


def summary(
    as_of: str = AsOf,
    out_dir: Path = typer.Option(None, "--out", help="输出文件夹，默认 var/notices/<日期>-<文号>"),
    as_json: bool = Json,
) -> None:
    """撰写全民参保登记工作总结暨提升社保服务质量的报告（.docx 和 HTML），完成“形成工作总结”工作节点。"""
    from tasks.comparison.registry import NoComparison
    from tasks.documents.closing_figures import write_summary_report

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
