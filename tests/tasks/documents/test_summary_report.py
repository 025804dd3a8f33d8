"""The closing report: its sections and suggestions follow the figures it is given."""

from __future__ import annotations

from datetime import date

from docx import Document

from models.campaign.spec import Campaign
from tasks.documents.closing_report import InsuranceFigures, SummaryFigures, suggestions, summary_document
from tasks.documents.official import to_docx, to_html
from tasks.identity.masking import find_unmasked
from tasks.scoring.scores import Points, TownshipScore


def score(code: str, name: str, rank: int, finished: bool) -> TownshipScore:
    points = (Points("survey_completion", "入户调查完成率", 1.0, 60.0),)
    return TownshipScore(code, name, rank, 90.0, points, 50000.0 if finished else 0.0, not finished,
                         () if finished else ("入户调查未按期完成",), finished, 1.0 if finished else 0.5)  # fmt: skip


def figures(**changes: object) -> SummaryFigures:
    base = SummaryFigures(
        as_of=date(2017, 8, 31),
        milestones={"done_on_time": 150, "done_late": 10, "overdue": 3},
        milestones_total=163,
        compared_on=date(2017, 4, 20),
        persons=20000,
        categories={"insured_full": 15000, "partial": 3000, "uninsured": 1500, "deceased": 500},
        anomalies={"死亡未停保": 200, "重复参保": 50},
        outside_register=120,
        to_visit=6000,
        visited_by_deadline=5800,
        visited=5990,
        registered=3000,
        late_visits=190,
        scores=[score("1", "凤城镇", 1, True), score("2", "金谷镇", 2, False)],
        insurances=[
            InsuranceFigures("pension", "养老保险", 15000, 14000, 200, 800, 50),
            InsuranceFigures("injury", "工伤保险", 5000, 3500, 100, 1400, 1150),
            InsuranceFigures("maternity", "生育保险", 0, 0, 0, 0, 0),
        ],
        township_gaps={"凤城镇": 30, "金谷镇": 80, "湖头镇": 10, "龙门镇": 5},
    )
    return SummaryFigures(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_suggestions_name_what_the_figures_show() -> None:
    lines = suggestions(figures())
    assert lines[0].startswith("扩面重点：工伤保险（覆盖率72.0%") and "养老保险" in lines[0]
    assert "金谷镇（80人）、凤城镇（30人）、湖头镇（10人）" in lines[1]
    assert "数据异常共250人" in lines[2] and "死亡未停保" in lines[2]
    assert lines[3].startswith("工作落实：金谷镇")
    assert "入户调查中登记3000人" in lines[4]


def test_no_problems_left_gives_one_plain_suggestion() -> None:
    lines = suggestions(figures(insurances=[], township_gaps={}, anomalies={}, registered=0,
                                scores=[score("1", "凤城镇", 1, True)]))  # fmt: skip
    assert lines == ["各项工作已按计划完成，建议保持部门间数据交换，动态更新全民参保登记数据库。"]


def test_the_document_reads_as_a_closing_report(campaign: Campaign, tmp_path: object) -> None:
    import io

    doc = summary_document(campaign, figures(), serial=11)
    assert doc.doc_number == "安参保办〔2017〕11号"
    assert doc.title == "安溪县全民参保登记工作总结暨提升社会保险服务质量的报告"
    word = Document(io.BytesIO(to_docx(doc)))
    text = "\n".join(p.text for p in word.paragraphs)
    cells = "\n".join(c.text for t in word.tables for r in t.rows for c in r.cells)
    for heading in ("工作开展情况", "数据比对结果", "入户调查情况", "绩效评分与经费补助", "提升社会保险服务质量的建议"):
        assert heading in text
    assert "按时完成150项" in text and "完成率96.7%" in text and "逾期走访190条" in text
    assert "金谷镇" in cells and "72.0%" in cells and "—" in cells  # no one should have maternity insurance
    assert find_unmasked(text + cells + to_html(doc)) == []


def test_the_registered_are_shown_apart_from_coverage(campaign: Campaign) -> None:
    """Registration is not enrolment: the report says how many registered persons no list holds yet, beside the
    gap, and its coverage is the departments' lists' alone."""
    pension = InsuranceFigures("pension", "养老保险", 1000, 800, 50, 150, 0, registered_pending=40)
    shown = figures(registered_pending=120, insurances=[pension])
    assert pension.coverage == (800 + 50) / 1000  # the registered are not in it
    lines = suggestions(shown)
    assert any(line.startswith("动员参保") and "120人尚未出现在部门参保名单中" in line for line in lines)
    text = to_html(summary_document(campaign, shown, 3))
    assert "其中截至2017年4月20日仍有120人尚未参保" in text
    assert "其中已登记待参保" in text and ">40<" in text
