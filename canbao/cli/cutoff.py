"""`canbao cutoff`: the survey frozen at its deadline; visits recorded later are marked late."""

from __future__ import annotations

from rich.table import Table

from canbao.cli.common import AsOf, Json, emit_json, fail, out, parse_date, run_flow


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
