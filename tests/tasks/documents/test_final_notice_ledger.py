"""The final notice reports the spot checks' error rates and the inspectors' findings, naming the townships whose
findings are overdue with a date to report by; without either it has no such section (pure)."""

from __future__ import annotations

from datetime import date, timedelta

from models.campaign.spec import Campaign
from tasks.documents.final_notice import final_document
from tasks.inspection.ledger import ledger_entries, township_ledgers
from tasks.inspection.ledger_records import Ledger
from tasks.messages.notices import plan_final_notice
from tasks.messages.outbox import render_planned
from tasks.scoring.scores import TownshipFacts, score_townships

AS_OF = date(2017, 7, 1)
FENGCHENG, PENGLAI = "350524100", "350524101"


def _scored(campaign: Campaign) -> tuple[list[TownshipFacts], list]:
    facts = [TownshipFacts(t.code, t.name, 100, 100, 1.0, 0.1, 10, 20.0) for t in campaign.townships]
    return facts, score_townships(facts, campaign.scoring, final=True, survey_days=60)


def _ledger(campaign: Campaign) -> Ledger:
    def row(n: int, township: str, reported: date | None) -> dict[str, object]:
        return {
            "finding_id": n, "visit_id": n, "visited_on": date(2017, 6, 1), "township_code": township, "villages": "",
            "inspectors": "张三", "village_code": "", "problem": f"问题{n}", "requirement": "整改",
            "deadline": date(2017, 6, 15), "reported_on": reported, "note": None,
        }  # fmt: skip

    rows = [row(1, FENGCHENG, None), row(2, FENGCHENG, None), row(3, PENGLAI, date(2017, 6, 10))]
    entries = ledger_entries(campaign, rows, AS_OF)
    rates = {t.code: (0, 0, None) for t in campaign.townships} | {FENGCHENG: (20, 3, 0.15), PENGLAI: (20, 1, 0.05)}
    return Ledger(AS_OF, entries, township_ledgers(campaign, entries), rates)


def _texts(campaign: Campaign, ledger: Ledger | None) -> tuple[str, list[str], list[str | None]]:
    facts, scores = _scored(campaign)
    message = plan_final_notice(campaign, facts, scores, AS_OF, ledger=ledger)[0]
    document = final_document(campaign, facts, scores, AS_OF, ledger)
    paragraphs = [p for s in document.sections for p in s.paragraphs]
    return render_planned(campaign, message).body, paragraphs, [s.heading for s in document.sections]


def test_the_ledger_and_error_rates_are_in_the_final_notice(campaign: Campaign) -> None:
    body, paragraphs, headings = _texts(campaign, _ledger(campaign))
    assert headings[-2:] == ["督查抽查和整改情况", "工作要求"]
    report_by = AS_OF + timedelta(days=campaign.inspection.rectification.report_within_days)
    by = f"{report_by.year}年{report_by.month}月{report_by.day}日"
    expected = [
        "共核查40人，发现差错4人，差错率10.0%。抽查发现差错的乡镇：凤城镇（15.0%）、蓬莱镇（5.0%）。",
        "督查组共开展督查3次，发现问题3个，已整改1个。",
        f"凤城镇（2个）共2个问题逾期未整改，予以通报。请上述乡镇立即落实整改，于{by}前将整改情况书面报送",
    ]
    for text in (body, "".join(paragraphs)):
        for part in expected:
            assert part in text, part
    assert "四、督查抽查和整改情况" in body and "五、工作要求" in body  # after 三、通报表扬; nothing criticised


def test_without_checks_or_findings_there_is_no_such_section(campaign: Campaign) -> None:
    empty = Ledger(AS_OF, [], township_ledgers(campaign, []), {t.code: (0, 0, None) for t in campaign.townships})
    for ledger in (None, empty):
        body, _paragraphs, headings = _texts(campaign, ledger)
        assert "督查抽查和整改情况" not in body and "督查抽查和整改情况" not in headings
        assert "四、工作要求" in body
