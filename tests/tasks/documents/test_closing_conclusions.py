"""The closing report's conclusions follow from its figures: it says 基本摸清了全县户籍人员参保底数 only when the
registers were compared and the work lists visited, names the insurance and the township with the lowest
coverage, writes about the county as 我县 and cites the plan by its own title and number."""

from __future__ import annotations

import io

from docx import Document

from models.campaign.spec import Campaign
from tasks.documents.closing_report import baseline_finding, coverage_finding, summary_document
from tasks.documents.official import to_docx
from tasks.wording.glossary import offences
from tests.tasks.documents.test_summary_report import figures

KNOWN = "基本摸清了全县户籍人员参保底数"


def _text(campaign: Campaign, **changes: object) -> str:
    word = Document(io.BytesIO(to_docx(summary_document(campaign, figures(**changes), serial=11))))
    return "\n".join(
        [*(p.text for p in word.paragraphs), *(c.text for t in word.tables for r in t.rows for c in r.cells)]
    )


def test_the_base_is_known_only_when_the_lists_were_visited(campaign: Campaign) -> None:
    assert KNOWN in baseline_finding(campaign, figures())  # 5990 of 6000 visited
    short = baseline_finding(campaign, figures(visited=4000, visited_by_deadline=3900))
    assert KNOWN not in short and "尚有2000人未入户核实" in short and "有待进一步核实" in short
    assert KNOWN not in baseline_finding(campaign, figures(compared_on=None, persons=0))
    assert "尚未摸清" in baseline_finding(campaign, figures(compared_on=None, persons=0))


def test_the_lowest_coverage_is_named(campaign: Campaign) -> None:
    sentence = coverage_finding(figures())
    assert "工伤保险覆盖率最低，为72.0%，应保未保1400人" in sentence
    assert "应保未保人员最多的乡镇是金谷镇（80人）" in sentence
    assert coverage_finding(figures(insurances=[], township_gaps={})) == ""


def test_the_report_speaks_as_the_county_and_cites_the_plan(campaign: Campaign) -> None:
    text = _text(campaign)
    assert "按照《安溪县“全民参保登记计划”工作方案》（安政办〔2017〕37号）部署，我县于2017年" in text
    assert "安溪县于" not in text and "活动计划" not in text
    assert "工伤保险覆盖率最低" in text and "1个乡镇未按期完成（金谷镇）" in text
    assert "兑现工作经费补助合计5万元" in text and "50,000" in text and "50,000.00" not in text
    assert offences(text) == []
    unvisited = _text(campaign, visited=4000, visited_by_deadline=3900)
    assert KNOWN not in unvisited and "有待进一步核实" in unvisited
