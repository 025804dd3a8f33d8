"""The deductions list for the county's performance office: each deduction with its reason and points, the
townships without one listed as such, a summary sheet, set up for A4."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl

from models.campaign.spec import Campaign
from tasks.documents.deductions_workbook import write_deductions_workbook
from tasks.scoring.scores import TownshipFacts, score_townships
from tasks.scoring.sheet import ScoreSheet


def test_the_deductions_workbook(campaign: Campaign, tmp_path: Path) -> None:
    towns = campaign.townships[:5]
    facts = [TownshipFacts(t.code, t.name, 100, 100, 1.0 - i / 10, 0.0, 10, 20.0) for i, t in enumerate(towns[:4])]
    facts.append(TownshipFacts(towns[4].code, towns[4].name, 100, 90, 0.5, 0.0))  # not finished
    scores = score_townships(facts, campaign.scoring, final=True, survey_days=60)
    sheet = ScoreSheet(date(2017, 7, 5), date(2017, 6, 30), True, True, facts, scores, campaign.scoring)
    path = tmp_path / "扣分表.xlsx"
    assert write_deductions_workbook(campaign, sheet, path) == 4  # unfinished + bottom for one, bottom for two

    book = openpyxl.load_workbook(path)
    detail = book["扣分明细"]
    assert int(detail.page_setup.paperSize) == 9 and detail.page_setup.orientation == "portrait"
    assert detail.sheet_properties.pageSetUpPr.fitToPage and detail.page_setup.fitToWidth == 1
    assert detail.print_title_rows == "$3:$3"
    assert "《全民参保登记工作考评办法》" in str(detail["A2"].value)
    rows = [r for r in detail.iter_rows(min_row=4, values_only=True)]
    by_name: dict[str, list[tuple]] = {}
    for r in rows[:-1]:
        by_name.setdefault(r[1], []).append((r[3], r[5]))
    last = towns[4].name
    assert by_name[last] == [("未按期完成入户调查扣分", -10), ("综合排名靠后扣分", -5)]
    assert by_name[towns[0].name] == [("无", 0)]
    assert by_name[towns[3].name] == [("综合排名靠后扣分", -5)] and by_name[towns[2].name] == [("综合排名靠后扣分", -5)]
    assert rows[-1][1] == "合计" and rows[-1][5] == -25
    assert any("完成率90.0%" in str(r[4]) for r in rows)

    summary = book["乡镇汇总"]
    assert int(summary.page_setup.paperSize) == 9  # A4
    listed = [r for r in summary.iter_rows(min_row=4, values_only=True)]
    assert [r[1] for r in listed] == [s.name for s in scores]
    assert listed[-1][4] == -15 and listed[-1][5] == "是"
