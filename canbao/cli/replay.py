"""`canbao replay`: the whole campaign replayed day by day in a workspace of its own, and what came of it."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from canbao.cli.common import Json, emit_json, fail, load_settings, out, parse_date, run_flow


def replay(
    start: str = typer.Option(None, "--start", help="回放开始日期，默认活动开始"),
    end: str = typer.Option(None, "--end", help="回放结束日期，默认活动结束"),
    seed: int = typer.Option(2017, "--seed", help="模拟的随机种子"),
    persons: int = typer.Option(20_000, "--persons", min=100, help="模拟县的户籍人数"),
    as_json: bool = Json,
) -> None:
    """在独立的工作区里逐日回放整个活动（模拟各部门交付数据、各乡镇的工作进度）。"""
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if first and last and last < first:
        fail("--end 早于 --start")
    from flows.replay import replay_campaign

    summary = run_flow(replay_campaign, needs_campaign=False, start=first, end=last, seed=seed, persons=persons)
    if as_json:
        emit_json(summary)
        return
    _print_summary(summary)


def _print_summary(summary: dict[str, Any]) -> None:
    """The replay's outcome as tables and lines: townships, data, survey, scores, analysis, messages."""
    out.print(_townships_table(summary))
    if summary["data"].get("compared_on"):
        out.print(_data_line(summary["data"]), highlight=False)
    survey = summary.get("survey")
    if survey:
        out.print(_survey_table(survey))
    scores = summary.get("scores")
    if scores:
        out.print(_scores_table(scores))
    for line in _analysis_lines(summary):
        out.print(line, highlight=False)
    out.print(_closing_line(summary), highlight=False)


def _townships_table(summary: dict[str, Any]) -> Table:
    table = Table(
        "名次",
        "乡镇",
        "模拟类型",
        "按时",
        "逾期完成",
        "未完成",
        "收到催办",
        "得分",
        title=f"回放 {summary['start']} 至 {summary['end']}（种子 {summary['seed']}）",
    )
    for t in summary["townships"]:
        table.add_row(
            str(t["final_rank"]),
            t["name"],
            t["profile_name"],
            str(t["on_time"]),
            str(t["late"]),
            str(t["missed"]),
            str(t["reminders_received"]),
            f"{t['score']:.1f}",
        )
    return table


def _data_line(data: dict[str, Any]) -> str:
    return (
        f"模拟县 {data['persons']} 人，{data['compared_on']} 完成数据比对："
        f"未参保 {data['categories']['uninsured']} 人，未参全 {data['categories']['partial']} 人；"
        f"入户调查名单 {data['to_visit']} 人：{data['worklists']}"
    )


def _survey_table(survey: dict[str, Any]) -> Table:
    from tasks.simulation.owners import PROFILE_NAMES

    table = Table("乡镇", "模拟类型", "登记方式", "应访", "截止时完成率", "期末完成率", "进度提醒", "结果",
                  title=f"入户调查（截止 {survey['deadline']}）")  # fmt: skip
    for t in survey["townships"]:
        verdict = "未按期完成" if t["missed_deadline"] else ("提醒后赶上" if t["recovered"] else "按期完成")
        table.add_row(
            t["name"],
            PROFILE_NAMES.get(t["profile"] or "", ""),
            "网页" if t["channel"] == "web" else "纸质名单",
            str(t["to_visit"]),
            f"{t['rate_at_deadline']:.0%}",
            f"{t['rate_at_end']:.0%}",
            str(t["survey_reminders"]),
            verdict,
        )
    return table


def _scores_table(scores: dict[str, Any]) -> Table:
    kind = "最终" if scores["final"] else "暂定"
    table = Table("名次", "乡镇", "截止时完成率", "得分", "经费补助（元）", "通报批评",
                  title=f"乡镇绩效评分（{kind}，{scores['as_of']}）")  # fmt: skip
    for t in scores["townships"]:
        table.add_row(str(t["rank"]), t["name"], f"{t['rate']:.0%}", f"{t['score']:.2f}", f"{t['subsidy']:,.0f}",
                      "；".join(t["reasons"]))  # fmt: skip
    return table


def _analysis_lines(summary: dict[str, Any]) -> list[str]:
    """The data exchange, the supervisors' report and the closing report, those the replay got to."""
    analysis = summary.get("analysis", {})
    lines = []
    if "exchange" in analysis:
        changes = analysis["exchange"]["changes"]
        lines.append(
            f"{analysis['exchange']['on']} 数据交换：新增死亡 {changes['deaths']} 人，"
            f"新增参保 {changes['enrolments']} 人次（其中登记后已参保 {changes.get('registered_enrolled', 0)} 人次），"
            f"新增应保未保 {changes['new_gaps']} 人次；"
            f"报告：{analysis['exchange']['report']}"
        )
    if "report" in summary:
        lines.append(f"督查报告：{summary['report']['html']}（及 .xlsx）")
    if "closing" in analysis:
        lines.append(f"工作总结：{analysis['closing']['files'][0]}")
    return lines


def _closing_line(summary: dict[str, Any]) -> str:
    from flows.replay import summary_path

    return (
        f"共发送消息 {summary['messages_sent']} 条，排名通报 {summary['ranking_notices']} 期。"
        f"摘要：{summary_path(load_settings())}；消息：{summary['mailbox']}"
    )
