"""The supervisors' report shows the inspectors' ledger beside the spot-check error rates (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl

from models.campaign.spec import Campaign
from tasks.documents.supervisors_report import TOTAL, build_report, render_html, write_workbook
from tasks.inspection.ledger import ledger_entries, township_ledgers
from tasks.inspection.ledger_records import Ledger
from tests.tasks.documents.test_report_core import _inputs

FENGCHENG, PENGLAI = "350524100", "350524101"
AS_OF = date(2017, 6, 5)


def _ledger(campaign: Campaign) -> Ledger:
    rows = [
        {"finding_id": 1, "visit_id": 1, "visited_on": date(2017, 5, 20), "township_code": FENGCHENG,
         "villages": "350524100001", "inspectors": "张三", "village_code": "350524100001",
         "problem": "3户漏访，联系电话13812345678", "requirement": "补访", "deadline": date(2017, 6, 1),
         "reported_on": None, "note": None},
        {"finding_id": 2, "visit_id": 2, "visited_on": date(2017, 5, 22), "township_code": PENGLAI,
         "villages": "", "inspectors": "王五", "village_code": "", "problem": "台账不全", "requirement": "完善台账",
         "deadline": date(2017, 6, 1), "reported_on": date(2017, 5, 30), "note": "已完善"},
    ]  # fmt: skip
    entries = ledger_entries(campaign, rows, AS_OF)
    rates = {t.code: (0, 0, None) for t in campaign.townships} | {FENGCHENG: (20, 2, 0.1), PENGLAI: (10, 0, 0.0)}
    return Ledger(AS_OF, entries, township_ledgers(campaign, entries), rates)


def test_the_ledger_and_the_error_rates_are_in_the_report(campaign: Campaign, tmp_path: Path) -> None:
    report = build_report(replace(_inputs(campaign, AS_OF), ledger=_ledger(campaign)))
    summary = report.tables["督查整改"].set_index("乡镇")
    assert summary.loc["凤城镇", "抽查差错率"] == 0.1
    assert (summary.loc["凤城镇", "督查发现问题"], summary.loc["凤城镇", "逾期未整改"]) == (1, 1)
    assert (summary.loc["蓬莱镇", "已整改"], summary.loc["蓬莱镇", "逾期未整改"]) == (1, 0)
    assert summary.loc["湖头镇", "抽查差错率"] == "未抽查"
    assert summary.loc[TOTAL, "抽查差错率"] == 2 / 30 and summary.loc[TOTAL, "督查发现问题"] == 2
    listed = report.tables["督查问题清单"]
    assert list(listed["整改情况"]) == ["逾期未整改（逾期4天）", "已整改"]
    assert listed.loc[0, "发现问题"] == "3户漏访，联系电话138****5678"  # masked, so the report is made
    assert listed.loc[0, "整改期限"] == "2017年6月1日"
    book = openpyxl.load_workbook(write_workbook(report, tmp_path / "r.xlsx"))
    assert "督查整改" in book.sheetnames and "督查问题清单" in book.sheetnames
    page = render_html(report)
    assert "七、督查抽查和整改情况" in page and "逾期未整改（逾期4天）" in page and "10.0%" in page


def test_a_report_without_a_ledger_still_lists_every_township(campaign: Campaign) -> None:
    report = build_report(_inputs(campaign, AS_OF))
    summary = report.tables["督查整改"]
    assert len(summary) == len(campaign.townships) + 1
    assert set(summary["抽查差错率"]) == {"未抽查"}
    assert report.tables["督查问题清单"].empty
