"""`canbao scores`: the townships' performance scores, ranks, subsidies and criticisms."""

from __future__ import annotations

from rich.table import Table

from canbao.cli.common import AsOf, Json, emit_json, out, parse_date, workspace
from tasks.wording.render import cn_date
from tasks.workspace import today_in


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
