"""户籍外参保 (enrolled in the county, absent from its household register) is information, never an anomaly: the
supervisors' report and the closing report state it apart, and nothing asks a department to correct it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from models.campaign.spec import Campaign
from tasks.documents.closing_report import figures_json, suggestions, summary_document
from tasks.documents.official import to_html
from tasks.documents.supervisors_report import anomaly_table, build_report, render_html
from tests.tasks.documents.test_report_core import TOTAL, _inputs
from tests.tasks.documents.test_summary_report import figures

AS_OF = date(2017, 5, 26)


def _stored_counts(campaign: Campaign) -> pd.DataFrame:
    """As models.report.anomaly_counts answers: outside-register rows carry no village."""
    village = campaign.townships[0].villages[0].code
    return pd.DataFrame(
        [(village, "duplicate_enrolment", 2), (village, "inconsistent_identity", 1), (None, "outside_register", 37)],
        columns=["village_code", "kind", "persons"],
    )


def test_the_anomaly_table_leaves_outside_register_out(campaign: Campaign) -> None:
    table = anomaly_table(_stored_counts(campaign), campaign)
    assert "户籍外参保" not in table.columns
    assert "村（社区）不详" not in set(table["乡镇"])  # its rows have no village: no row for them either
    assert table.set_index("乡镇").loc[TOTAL, TOTAL] == 3
    assert len(table) == len(campaign.townships) + 1


def test_the_supervisors_report_states_it_as_information(campaign: Campaign) -> None:
    inputs = replace(_inputs(campaign, AS_OF), anomalies=_stored_counts(campaign))
    report = build_report(inputs)
    note = report.notes["数据异常"]
    assert "户籍外参保37人" in note and "不计入数据异常" in note
    assert "户籍外参保" not in report.tables["数据异常"].columns
    page = render_html(report)
    assert "户籍外参保37人" in page and "<th>户籍外参保</th>" not in page


def test_the_closing_report_counts_it_apart_and_asks_no_one_to_correct_it(campaign: Campaign) -> None:
    f = figures(anomalies={"重复参保": 50, "死亡未停保": 20}, outside_register=200)
    lines = suggestions(f)
    quality = next(line for line in lines if line.startswith("数据质量"))
    assert "数据异常共70人" in quality and "户籍外参保" not in quality
    assert not any("户籍外参保" in line for line in lines)  # no suggestion to correct it
    text = to_html(summary_document(campaign, f, serial=11))
    assert "比对发现数据异常：重复参保50人，死亡未停保20人。另有户籍外参保200人" in text
    assert "不作为数据异常" in text
    assert figures_json(f)["outside_register"] == 200
    assert "户籍外参保" not in figures_json(f)["anomalies"]


def test_no_outside_register_no_sentence(campaign: Campaign) -> None:
    text = to_html(summary_document(campaign, figures(anomalies={"重复参保": 50}, outside_register=0), serial=11))
    assert "户籍外参保" not in text
