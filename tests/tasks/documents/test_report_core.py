"""The supervisors' report's pure core: cumulative rates, section tables, the CJK font in the charts, the
workbook and the page, and the refusal of personal data."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import matplotlib
import openpyxl
import pandas as pd
import pytest

from models.campaign.spec import INSURANCES, Campaign
from tasks.documents.charts import (
    font_path,
    heatmap_chart,
    new_figure,
    png_bytes,
    progress_chart,
    score_chart,
    use_cjk_font,
)
from tasks.documents.supervisors_report import (
    CHARTS_SHEET,
    SECTIONS,
    TOTAL,
    PersonalDataInReport,
    ReportInputs,
    anomaly_table,
    build_report,
    cumulative_rates,
    expected_series,
    gap_table,
    render_html,
    write_workbook,
)
from tasks.identity.masking import find_unmasked
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships
from tasks.scoring.scores import TownshipFacts, score_townships

START, DEADLINE = date(2017, 5, 1), date(2017, 6, 30)


def _days(rows: list[tuple[str, date | None, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["township_code", "first_visited_on", "entries"])


def test_cumulative_rates_per_township_and_day() -> None:
    days = _days(
        [
            ("A", None, 6),
            ("A", date(2017, 5, 1), 1),
            ("A", date(2017, 5, 3), 2),
            ("A", date(2017, 5, 9), 1),  # after the end: not counted
            ("B", date(2017, 5, 2), 4),
        ]
    )
    rates, listed = cumulative_rates(days, ["A", "B", "C"], START, date(2017, 5, 4))
    assert listed.to_dict() == {"A": 10, "B": 4, "C": 0}
    assert list(rates.index) == [START + timedelta(days=k) for k in range(4)]
    assert rates["A"].tolist() == pytest.approx([0.1, 0.1, 0.3, 0.3])
    assert rates["B"].tolist() == pytest.approx([0.0, 1.0, 1.0, 1.0])
    assert rates["C"].tolist() == [1.0] * 4  # nobody to visit, as in the scores


def test_no_curve_before_the_survey_starts() -> None:
    rates, listed = cumulative_rates(_days([("A", None, 3)]), ["A"], START, date(2017, 4, 20))
    assert len(rates) == 0 and listed.to_dict() == {"A": 3}


def test_expected_series_runs_from_start_to_deadline(campaign: Campaign) -> None:
    start, deadline = campaign.survey_window()
    expected = expected_series(campaign, start, deadline)
    assert expected.index[0] == start and expected.index[-1] == deadline
    assert expected.iloc[-1] == pytest.approx(1.0)
    assert expected.is_monotonic_increasing


def test_anomaly_and_gap_tables_count_per_township_with_a_total(campaign: Campaign) -> None:
    first, second = campaign.townships[0], campaign.townships[1]
    counts = pd.DataFrame(
        [
            (first.villages[0].code, "duplicate_enrolment", 2),
            (first.villages[1].code, "duplicate_enrolment", 1),
            (second.villages[0].code, "outside_register", 4),
            (None, "deceased_enrolled", 1),
        ],
        columns=["village_code", "kind", "persons"],
    )
    table = anomaly_table(counts, campaign)
    # 户籍外参保 is information, not an anomaly: no column of its own, not in the totals.
    assert list(table.columns) == ["乡镇", "重复参保", "死亡未停保", "信息不一致", TOTAL]
    by_name = table.set_index("乡镇")
    assert by_name.loc[first.name, "重复参保"] == 3
    assert by_name.loc[second.name, TOTAL] == 0
    assert by_name.loc["村（社区）不详", "死亡未停保"] == 1
    assert by_name.loc[TOTAL, TOTAL] == 4
    assert len(table) == len(campaign.townships) + 2

    gaps = pd.DataFrame(
        [(first.code, 100, 10, 20, 5, 3, 2, 1, 0)],
        columns=["township_code", "residents", "uninsured", "partial", *INSURANCES],
    )
    names = {
        i: n for i, n in zip(INSURANCES, ["养老保险", "医疗保险", "工伤保险", "生育保险", "失业保险"], strict=True)
    }
    table = gap_table(gaps, campaign, names)
    assert list(table.columns)[:4] == ["乡镇", "户籍人数", "未参保", "未参全"]
    assert table.iloc[0]["养老保险应保未保"] == 5 and table.iloc[1]["户籍人数"] == 0
    assert table.iloc[-1]["乡镇"] == TOTAL and table.iloc[-1]["户籍人数"] == 100


def test_the_cjk_font_is_registered_from_the_package_and_used() -> None:
    assert font_path().name == "NotoSansCJKsc-Regular.otf"
    assert use_cjk_font() == "Noto Sans CJK SC"
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    figure = score_chart(["凤城镇", "蓬莱镇"], [88.5, -0.0], "各乡镇绩效得分（暂定）")
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    assert "凤城镇" in svg and "各乡镇绩效得分" in svg
    families = set(re.findall(r"font-family:\s*'?([^';\"]+)", svg))
    assert families and all("Noto Sans CJK SC" in f for f in families), families


def test_charts_draw_every_chinese_glyph(campaign: Campaign) -> None:
    names = {t.code: t.name for t in campaign.townships}
    days = _days(
        [(code, START + timedelta(days=k % 30), 5) for k, code in enumerate(names)] + [(c, None, 20) for c in names]
    )
    rates, _listed = cumulative_rates(days, list(names), START, date(2017, 6, 2))
    expected = expected_series(campaign, START, DEADLINE)
    heat = pd.DataFrame({"养老保险": [1, 2], "失业保险": [3, 0]}, index=["凤城镇", "福田乡"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a UserWarning
        for figure in (
            progress_chart(rates, expected, names, START, DEADLINE),
            heatmap_chart(heat, "各乡镇分险种应保未保人数"),
            score_chart(list(names.values()), [float(k) for k in range(len(names))], "得分"),
        ):
            assert png_bytes(figure).startswith(b"\x89PNG")


def test_a_figure_without_the_font_would_miss_glyphs() -> None:
    """The check above can fail: a font without CJK glyphs makes matplotlib warn."""
    figure = new_figure(2, 1)
    figure.text(0.1, 0.5, "凤城镇", fontfamily="DejaVu Sans")
    with pytest.warns(UserWarning, match="missing from font"):
        png_bytes(figure)


def _inputs(campaign: Campaign, as_of: date) -> ReportInputs:
    codes = [t.code for t in campaign.townships]
    days = _days(
        [(c, START + timedelta(days=k % 20), 10 + k) for k, c in enumerate(codes)] + [(c, None, 30) for c in codes]
    )
    visited = {c: 10 + k for k, c in enumerate(codes)}
    facts = [
        TownshipFacts(t.code, t.name, 40 + visited[t.code], visited[t.code], 1.0, None) for t in campaign.townships
    ]
    scores = score_townships(facts, campaign.scoring, final=False)
    standings = rank_townships(campaign, milestone_statuses(campaign, [], as_of), as_of)
    anomalies = pd.DataFrame(
        [(campaign.townships[0].villages[0].code, "duplicate_enrolment", 2)],
        columns=["village_code", "kind", "persons"],
    )
    gaps = pd.DataFrame(
        [(c, 100, 10, 20, 5, 3, 2, 1, 0) for c in codes],
        columns=["township_code", "residents", "uninsured", "partial", *INSURANCES],
    )
    return ReportInputs(campaign, as_of, False, False, facts, scores, standings, days, anomalies, gaps)


def test_the_report_as_a_workbook_and_a_page(campaign: Campaign, tmp_path: Path) -> None:
    inputs = _inputs(campaign, date(2017, 5, 26))
    report = build_report(inputs)
    assert list(report.tables) == list(SECTIONS)
    assert [c.key for c in report.charts] == ["progress", "scores", "gaps"]
    assert report.overview.listed == sum(f.to_visit for f in inputs.facts)
    phase = campaign.phase_on(date(2017, 5, 26))
    assert phase is not None and report.overview.phase == phase.name
    path = write_workbook(report, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*SECTIONS, CHARTS_SHEET]
    assert len(book[CHARTS_SHEET]._images) == 3
    header = [c.value for c in book["排名与评分"][3]]
    assert header[:4] == ["名次", "乡镇", "乡镇代码", "得分"]
    assert book["排名与评分"]["G4"].number_format == "0.0%"
    page = render_html(report)
    assert page.count('src="data:image/png;base64,') == 3
    assert "http" not in page
    for name in (t.name for t in campaign.townships):
        assert name in page


def test_a_report_that_would_show_personal_data_is_refused(campaign: Campaign) -> None:
    inputs = _inputs(campaign, date(2017, 5, 26))
    leaked = replace(inputs.facts[0], name="张三13905951234")
    scores = score_townships([leaked, *inputs.facts[1:]], campaign.scoring, final=False)
    with pytest.raises(PersonalDataInReport):
        build_report(replace(inputs, facts=[leaked, *inputs.facts[1:]], scores=scores))
    assert find_unmasked("张三13905951234")  # what the guard looks for
