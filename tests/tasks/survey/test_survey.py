"""Visits from returned work lists, and what each visit does to a person's record (pure)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.campaign.spec import Campaign
from models.campaign.values import VisitRecord
from tasks.survey.visits import (
    apply_visit,
    category_of,
    check_visit,
    completion_facts,
    correction_lists,
    overlay_visits,
    parse_corrections,
    returned_visits,
)

RECEIVED = date(2017, 5, 20)
WINDOW = (date(2017, 5, 1), date(2017, 6, 30))


@pytest.mark.parametrize(
    ("text", "expected", "problems"),
    [
        ("联系电话：13905951234", {"phone": "13905951234"}, 0),
        ("电话: 139 0595 1234；住址：凤城镇新街1号", {"phone": "13905951234", "address": "凤城镇新街1号"}, 0),
        ("手机＝13905951234\n工作单位：安溪茶厂", {"phone": "13905951234", "employer": "安溪茶厂"}, 0),
        ("姓名：王 小 明", {"name": "王小明"}, 0),
        ("性别：女性", {"sex": "女"}, 0),
        ("出生日期：1980年1月2日", {"birth_date": "1980-01-02"}, 0),
        ("联系电话：1390595", {"phone": "1390595"}, 0),  # a 7-digit local number is a number
        ("联系电话：139059512345", {}, 1),
        ("性别：未知", {}, 1),
        ("出生日期：去年", {}, 1),
        ("血型：A", {}, 1),
        ("随便写点什么", {}, 1),
        ("联系电话：", {}, 1),
        ("", {}, 0),
        ("联系电话：13905951234；联系电话：13905951235", {"phone": "13905951235"}, 0),
    ],
)
def test_parse_corrections(campaign: Campaign, text: str, expected: dict[str, str], problems: int) -> None:
    found, reasons = parse_corrections(text, campaign.survey)
    assert found == expected
    assert len(reasons) == problems
    assert all(isinstance(r, str) and r for r in reasons)


@pytest.mark.parametrize(
    ("outcome", "corrections", "visited", "code", "day", "reason"),
    [
        ("已登记参保", "", "2017-05-10", "registered", date(2017, 5, 10), None),
        ("registered", "", "", "registered", RECEIVED, None),  # a blank date is the day the list came back
        (" 外地 参保 ", "", "2017/5/10", "insured_elsewhere", date(2017, 5, 10), None),
        ("异地参保", "", "20170510", "insured_elsewhere", date(2017, 5, 10), None),
        ("死亡", "", "2017.5.10", "deceased", date(2017, 5, 10), None),
        ("", "联系电话：13905951234", "2017-05-10", "corrected", date(2017, 5, 10), None),
        ("信息更正", "", "2017-05-10", "corrected", date(2017, 5, 10), "未填写更正信息"),
        ("乱写", "", "2017-05-10", None, date(2017, 5, 10), "走访结果无法识别"),
        ("已登记参保", "", "五月十日", "registered", None, "走访日期无法识别"),
        ("已登记参保", "", "2017-05-21", "registered", date(2017, 5, 21), "晚于收到日期"),
        ("已登记参保", "", "2017-04-30", "registered", date(2017, 4, 30), "早于入户调查开始日期"),
        ("已登记参保", "血型：A", "2017-05-10", "registered", date(2017, 5, 10), "不是可更正的项目"),
    ],
)
def test_check_visit(
    campaign: Campaign,
    outcome: str,
    corrections: str,
    visited: str,
    code: str | None,
    day: date | None,
    reason: str | None,
) -> None:
    got_code, _fixes, got_day, reasons = check_visit(campaign.survey, WINDOW, outcome, corrections, visited, RECEIVED)
    assert got_code == code
    assert got_day == day
    if reason is None:
        assert reasons == []
    else:
        assert any(reason in r for r in reasons), reasons


def _accepted(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ("name", "outcome", "corrections", "visitor", "issues"):
        if column not in frame:
            frame[column] = ""
    frame["file"] = "回收.xlsx"
    frame["sheet"] = "入户调查名单"
    frame["row"] = range(3, 3 + len(frame))
    frame["visited_on"] = pd.to_datetime(frame.get("visited_on"))
    return frame


def test_returned_rows_are_recorded_pending_or_rejected_with_a_reason(campaign: Campaign) -> None:
    listed = {"A": ("350524100", "350524100201"), "B": ("350524100", "350524100201")}
    accepted = _accepted(
        [
            {"id_number": "A", "outcome": "已登记参保", "visited_on": "2017-05-10", "visitor": "张三"},
            {"id_number": "B", "outcome": "", "visited_on": None},  # not visited yet
            {"id_number": "C", "outcome": "已登记参保", "visited_on": "2017-05-10"},  # on no list
            {"id_number": "B", "outcome": "乱写", "visited_on": "2017-05-10"},
            {"id_number": "B", "outcome": "", "visited_on": None, "issues": "日期无法识别：五月（走访日期）"},
        ]
    )
    result = returned_visits(accepted, campaign, listed, RECEIVED)
    assert [(v.id_number, v.outcome, v.visited_on, v.visitor, v.channel) for v in result.visits] == [
        ("A", "registered", date(2017, 5, 10), "张三", "file")
    ]
    assert result.visits[0].village_code == "350524100201"
    assert result.visits[0].origin == "回收.xlsx:入户调查名单:3"
    assert result.pending == 2
    assert list(result.rejected["row"]) == [5, 6]
    assert "不在本县任何村（社区）的入户调查名单中" in result.rejected["reason"].iloc[0]
    assert "走访结果无法识别" in result.rejected["reason"].iloc[1]


def test_a_visit_key_depends_on_person_outcome_date_and_corrections_only() -> None:
    base = dict(township_code="t", village_code="v", outcome="registered", visited_on=date(2017, 5, 1))
    a = VisitRecord(id_number="A", received_on=RECEIVED, channel="file", visitor="张三", **base)  # type: ignore[arg-type]
    b = VisitRecord(id_number="A", received_on=date(2017, 6, 1), channel="web", visitor="李四", **base)  # type: ignore[arg-type]
    c = VisitRecord(id_number="A", received_on=RECEIVED, channel="file", corrections={"phone": "1"}, **base)  # type: ignore[arg-type]
    assert a.key == b.key
    assert a.key != c.key


def _person(**changes: object) -> dict[str, object]:
    person: dict[str, object] = {
        "name": "王五", "sex": "男", "birth_date": date(1980, 1, 1), "household_type": "农业", "address": "旧址",
        "phone": "13800000000", "employer": "", "deceased": False, "pension": "missing", "medical": "missing",
        "injury": "missing", "maternity": "not_applicable", "unemployment": "missing", "category": "uninsured",
        "survey_outcome": "", "surveyed_on": None, "moved_out": False, "registered_on": None,
    }  # fmt: skip
    person.update(changes)
    return person


def _visit(outcome: str, day: date = date(2017, 5, 10), **corrections: str) -> VisitRecord:
    return VisitRecord("A", "t", "v", outcome, day, RECEIVED, "file", "张三", "", corrections)


@pytest.mark.parametrize(
    ("outcome", "corrections", "expected"),
    [
        # A visit registers; it never enrols: the statuses stay as the lists have them.
        (
            "registered",
            {},
            {"pension": "missing", "medical": "missing", "registered_on": date(2017, 5, 10), "category": "uninsured"},
        ),
        (
            "insured_elsewhere",
            {},
            {"pension": "elsewhere", "medical": "elsewhere", "unemployment": "missing", "category": "partial"},
        ),
        ("deceased", {}, {"deceased": True, "pension": "not_applicable", "category": "deceased"}),
        ("refused", {}, {"pension": "missing", "category": "uninsured"}),
        ("moved", {}, {"moved_out": True, "pension": "not_applicable", "category": "moved_out"}),
        (
            "corrected",
            {"phone": "13905951234", "birth_date": "1981-02-03"},
            {"phone": "13905951234", "birth_date": date(1981, 2, 3)},
        ),
    ],
)
def test_apply_visit_changes_the_record_and_reports_each_change(
    campaign: Campaign, outcome: str, corrections: dict[str, str], expected: dict[str, object]
) -> None:
    person = _person()
    changes = apply_visit(person, _visit(outcome, **corrections), campaign.survey)
    for name, value in expected.items():
        assert person[name] == value, name
    assert person["survey_outcome"] == outcome
    assert person["surveyed_on"] == date(2017, 5, 10)
    changed = {c[0] for c in changes}
    assert {"survey_outcome", "surveyed_on"} <= changed
    assert all(before != after for _, before, after in changes)
    assert changed == {k for k, v in _person().items() if person[k] != v}


def test_an_older_visit_arriving_late_does_not_replace_the_latest_outcome(campaign: Campaign) -> None:
    person = _person()
    apply_visit(person, _visit("refused", date(2017, 5, 20)), campaign.survey)
    apply_visit(person, _visit("registered", date(2017, 5, 10)), campaign.survey)
    assert person["survey_outcome"] == "refused"
    assert person["surveyed_on"] == date(2017, 5, 20)
    assert person["registered_on"] == date(2017, 5, 10)  # its effect on the record still counts
    assert person["pension"] == "missing"  # registered, not enrolled


@pytest.mark.parametrize(
    ("statuses", "deceased", "category"),
    [
        (["insured", "insured", "not_applicable", "not_applicable", "not_applicable"], False, "insured_full"),
        (["missing", "insured", "not_applicable", "not_applicable", "not_applicable"], False, "partial"),
        (["missing", "missing", "not_applicable", "not_applicable", "not_applicable"], False, "uninsured"),
        (["elsewhere", "missing", "not_applicable", "not_applicable", "not_applicable"], False, "partial"),
        (["missing", "missing", "missing", "missing", "missing"], True, "deceased"),
    ],
)
def test_category_of(statuses: list[str], deceased: bool, category: str) -> None:
    person = dict(zip(["pension", "medical", "injury", "maternity", "unemployment"], statuses, strict=True))
    assert category_of({**person, "deceased": deceased}) == category


def test_overlay_reapplies_visits_on_a_fresh_comparison(campaign: Campaign) -> None:
    persons = pd.DataFrame([{**_person(), "id_number": "A"}, {**_person(), "id_number": "B"}]).drop(
        columns=["survey_outcome", "surveyed_on"]
    )
    persons["category"] = persons["category"].astype("category")
    persons["birth_date"] = pd.to_datetime(persons["birth_date"])
    visits = [_visit("corrected", date(2017, 5, 12), phone="13905951234"), _visit("registered", date(2017, 5, 10))]
    result = overlay_visits(persons, visits, campaign.survey).set_index("id_number")
    assert result.loc["A", "phone"] == "13905951234"
    assert result.loc["A", "pension"] == "missing"  # registered is not enrolled
    assert result.loc["A", "registered_on"] == date(2017, 5, 10)
    assert result.loc["A", "survey_outcome"] == "corrected"
    assert result.loc["A", "surveyed_on"] == date(2017, 5, 12)
    assert result.loc["B", "phone"] == "13800000000"
    assert result.loc["B", "survey_outcome"] == ""
    assert len(result) == 2


def test_correction_lists_go_to_the_department_named_in_the_campaign(campaign: Campaign) -> None:
    visits = [_visit("deceased"), _visit("corrected", phone="13905951234", address="新址"), _visit("refused")]
    lists = correction_lists(
        visits, campaign.survey, {"A": {"name": "王五", "phone": "13800000000", "address": "旧址"}}
    )
    assert [row["finding"] for row in lists["police"]] == ["已死亡"]
    assert [row["finding"] for row in lists["health"]] == ["已死亡"]  # 卫计 stops the medical scheme
    # 现居住地 is the registration's own record (人社), not the police's household register.
    assert [(row["finding"], row["field"], row["before"], row["after"]) for row in lists["hrss"]] == [
        ("已死亡", "", "", ""),  # 人社 stops the pensions
        ("信息更正", "联系电话", "13800000000", "13905951234"),
        ("信息更正", "现居住地", "旧址", "新址"),
    ]
    assert set(lists) == {"police", "hrss", "health"}


def test_survey_milestones_complete_on_the_day_the_last_listed_person_was_visited(campaign: Campaign) -> None:
    to_visit = pd.DataFrame(
        {
            "village_code": ["350524100201", "350524100201", "350524101201"],
            "township_code": ["350524100", "350524100", "350524101"],
            "id_number": ["A", "B", "C"],
        }
    )
    visits = pd.DataFrame(
        {
            "id_number": ["A", "B", "B", "C"],
            "visited_on": pd.to_datetime(["2017-05-03", "2017-05-09", "2017-05-04", "2017-06-02"]),
            "outcome": ["registered", "refused", "registered", "registered"],
        }
    )
    facts = completion_facts(campaign, to_visit, visits, date(2017, 5, 31))
    assert {(f.milestone, f.owner, f.done_on) for f in facts} == {
        ("household_survey", "350524100", date(2017, 5, 4)),
        ("survey_data_entry", "350524100", date(2017, 5, 4)),
    }
