"""`canbao progress`: how far each township and village has come with the household survey."""

from __future__ import annotations

from rich.table import Table

from canbao.cli.common import AsOf, Json, emit_json, err, out, parse_date, today_in, workspace


def progress(as_of: str = AsOf, as_json: bool = Json) -> None:
    """入户调查进度：各乡镇、村（社区）应访、已访、完成率、序时进度、近7天进度、预计完成日期、是否滞后、预警。"""
    from tasks.survey.figures import load_progress
    from tasks.survey.progress_report import progress_json

    day = parse_date(as_of, "--as-of")
    with workspace() as ws:
        _cid, campaign = ws.campaign()
        campaign, figures = load_progress(ws, day or today_in(campaign))
    data = progress_json(campaign, figures)
    if as_json:
        emit_json(data)
        return
    out.print(
        f"入户调查进度（截至 {data['as_of']}，序时进度 {data['expected_rate']:.0%}，截止 {data['deadline']}）",
        highlight=False,
    )
    table = Table("乡镇", "应访", "已访", "已登记", "完成率", "近7天日均", "预计完成", "滞后", "预警", "滞后村（社区）")
    villages = campaign.village_names()
    for t in data["townships"]:
        lagging = "、".join(villages.get(code, code) for code in t["lagging_villages"][:5])
        more = len(t["lagging_villages"]) - 5
        table.add_row(
            t["name"],
            str(t["to_visit"]),
            str(t["visited"]),
            str(t["registered"]),
            f"{t['rate']:.0%}",
            f"{t['pace_7d']:.1f}",
            t["projected_done"] or "—",
            "是" if t["behind"] else "",
            t["warning"] or "",
            lagging + (f" 等{len(t['lagging_villages'])}个" if more > 0 else ""),
        )
    out.print(table)
    if "calendar_note" in data:
        err.print(data["calendar_note"], highlight=False)
