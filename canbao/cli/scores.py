"""`canbao scores`: the townships' performance scores, ranks, subsidies and criticisms."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from canbao.cli.common import AsOf, Json, cn_date, emit_json, out, parse_date, today_in, workspace
from tasks.wording.glossary import yuan

DEDUCTIONS = typer.Option(None, "--deductions", help="另写出绩效考核扣分表（.xlsx，A4 打印），供县效能办使用")


def scores(as_of: str = AsOf, as_json: bool = Json, deductions: Path | None = DEDUCTIONS) -> None:
    """各乡镇绩效评分、排名、经费补助和通报批评（截止日后为最终结果，之前为暂定）。"""
    from tasks.documents.deductions_workbook import write_deductions_workbook
    from tasks.scoring.sheet import score_sheet

    with workspace() as ws:
        _cid, campaign = ws.campaign()
        day = parse_date(as_of, "--as-of") or today_in(campaign)
        sheet = score_sheet(ws, day)
    if deductions is not None:
        listed = write_deductions_workbook(campaign, sheet, deductions)
        if not as_json:
            out.print(f"绩效考核扣分表（{listed}项扣分）：{deductions}", highlight=False)
    if as_json:
        emit_json(sheet.to_json())
        return
    kind = "最终结果（按截止日完成情况）" if sheet.final else "暂定结果（入户调查尚未截止）"
    out.print(f"截至{cn_date(day)}乡镇绩效评分：{kind}", highlight=False)
    rules = [p.label for p in sheet.scores[0].measured] if sheet.scores else []
    table = Table("名次", "乡镇", "得分", *rules, "扣分", "经费补助（元）", "通报批评")
    for s in sheet.scores:
        base = [f"{p.points:.2f}" for p in s.measured]
        deducted = s.deducted
        table.add_row(str(s.rank), s.name, f"{s.score:.2f}", *base, f"{deducted:.2f}" if deducted else "",
                      yuan(s.subsidy), "；".join(s.reasons))  # fmt: skip
    out.print(table)
    out.print(f"评分、扣分和经费补助按《{campaign.scoring.rules_name}》计算。", highlight=False)
