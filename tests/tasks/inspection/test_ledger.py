"""The inspectors' ledger's rules (pure): checking a finding, where it stands on a day, the reminders it earns."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from models.campaign.spec import COUNTY_TAG, Campaign
from tasks.inspection.ledger import (
    Entry,
    check_finding,
    conflict,
    ledger_entries,
    split_names,
    state_of,
    township_ledgers,
)
from tasks.messages.outbox import render_planned
from tasks.messages.rectification_reminders import plan_rectification_reminders

FENGCHENG, PENGLAI = "350524100", "350524101"
RECORDED = date(2017, 5, 25)


def values(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "visited_on": date(2017, 5, 20),
        "township": "凤城镇",
        "villages": "新安社区",
        "inspectors": "张三、李四",
        "problem": "入户调查登记表未由被调查人签名",
        "requirement": "补齐签名",
        "deadline": date(2017, 6, 1),
    }
    return {**base, **changes}


def test_a_complete_finding_is_accepted(campaign: Campaign) -> None:
    finding, reasons = check_finding(campaign, values(), recorded_on=RECORDED)
    assert reasons == []
    assert finding is not None
    assert finding.township_code == FENGCHENG
    assert finding.villages == ("350524100001",)
    assert finding.village_code == "350524100001"
    assert finding.inspectors == ("张三", "李四")
    assert finding.deadline == date(2017, 6, 1)


def test_the_default_deadline_is_the_campaign_period_after_the_inspection(campaign: Campaign) -> None:
    finding, _ = check_finding(campaign, values(deadline=None), recorded_on=RECORDED)
    assert finding is not None
    within = campaign.inspection.rectification.within_days
    assert finding.deadline == date(2017, 5, 20) + timedelta(days=within)


def test_one_inspection_whatever_the_order_of_its_inspectors(campaign: Campaign) -> None:
    a, _ = check_finding(campaign, values(inspectors="张三、李四"), recorded_on=RECORDED)
    b, _ = check_finding(campaign, values(inspectors="李四 张三"), recorded_on=RECORDED)
    c, _ = check_finding(campaign, values(inspectors="李四"), recorded_on=RECORDED)
    assert a is not None and b is not None and c is not None
    assert a.fingerprint == b.fingerprint != c.fingerprint


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"problem": ""}, "缺少必填项：发现问题"),
        ({"requirement": ""}, "缺少必填项：整改要求"),
        ({"inspectors": ""}, "缺少必填项：督查人员"),
        ({"township": ""}, "缺少必填项：乡镇"),
        ({"visited_on": None}, "缺少必填项：督查日期"),
        ({"visited_on": None, "visited_on_text": "五月二十"}, "督查日期无法识别：五月二十"),
        ({"deadline": None, "deadline_text": "尽快"}, "整改期限无法识别：尽快"),
        ({"township": "不存在镇"}, "乡镇不存在：不存在镇"),
        ({"villages": "山盘村、不存在村"}, "村（社区）“不存在村”不是凤城镇的村（社区）"),
        ({"deadline": date(2017, 5, 19)}, "整改期限2017年5月19日早于督查日期2017年5月20日"),
        ({"visited_on": date(2017, 5, 26)}, "督查日期2017年5月26日晚于登记日期2017年5月25日，督查尚未进行"),
        ({"visited_on": date(2016, 12, 1)}, "早于全民参保登记工作开始日期2017年2月1日"),
    ],
)
def test_bad_values_are_refused_with_the_reason(campaign: Campaign, changes: dict[str, Any], reason: str) -> None:
    finding, reasons = check_finding(campaign, values(**changes), recorded_on=RECORDED)
    assert finding is None
    assert any(reason in r for r in reasons), reasons


def test_the_same_problem_with_another_deadline_conflicts(campaign: Campaign) -> None:
    first, _ = check_finding(campaign, values(), recorded_on=RECORDED, file="a.xlsx", row=3)
    same, _ = check_finding(campaign, values(), recorded_on=RECORDED, file="b.xlsx", row=4)
    other, _ = check_finding(campaign, values(deadline=date(2017, 6, 9)), recorded_on=RECORDED)
    assert first is not None and same is not None and other is not None
    assert conflict(first, same) is None
    why = conflict(first, other)
    assert why is not None and "a.xlsx第 3 行" in why


def test_names_are_split_on_the_separators_people_write() -> None:
    assert split_names("张三、李四,王五，赵六 钱七") == ("张三", "李四", "王五", "赵六", "钱七")
    assert split_names("  ") == ()


@pytest.mark.parametrize(
    ("reported", "as_of", "state"),
    [
        (None, date(2017, 6, 1), "open"),  # the deadline's own day is still in time
        (None, date(2017, 6, 2), "overdue"),
        (date(2017, 6, 3), date(2017, 6, 2), "overdue"),  # a report after the day is not known that day
        (date(2017, 6, 3), date(2017, 6, 3), "rectified"),
        (date(2017, 5, 30), date(2017, 5, 31), "rectified"),
    ],
)
def test_state_on_a_day(reported: date | None, as_of: date, state: str) -> None:
    assert state_of(date(2017, 6, 1), reported, as_of) == state


def row(finding: int, township: str, deadline: date, reported: date | None = None, **other: Any) -> dict[str, Any]:
    return {
        "finding_id": finding,
        "visit_id": other.get("visit", finding),
        "visited_on": other.get("visited_on", date(2017, 5, 20)),
        "township_code": township,
        "villages": other.get("villages", ""),
        "inspectors": "张三、李四",
        "village_code": other.get("village", ""),
        "problem": other.get("problem", f"问题{finding}"),
        "requirement": f"要求{finding}",
        "deadline": deadline,
        "reported_on": reported,
        "note": "已整改" if reported else None,
    }


def test_the_ledger_of_a_day_counts_each_township(campaign: Campaign) -> None:
    rows = [
        row(1, FENGCHENG, date(2017, 6, 1), date(2017, 6, 3)),  # rectified late
        row(2, FENGCHENG, date(2017, 6, 1)),  # overdue
        row(3, PENGLAI, date(2017, 6, 10)),  # open
        row(4, PENGLAI, date(2017, 6, 30), visited_on=date(2017, 6, 20)),  # not inspected yet on 6-5
    ]
    entries = ledger_entries(campaign, rows, date(2017, 6, 5))
    assert [e.finding_id for e in entries] == [1, 2, 3]
    assert entries[0].rectified_late and entries[0].state == "rectified"
    assert entries[1].days_overdue == 4
    counts = {t.code: t for t in township_ledgers(campaign, entries)}
    assert (counts[FENGCHENG].findings, counts[FENGCHENG].rectified, counts[FENGCHENG].overdue) == (2, 1, 1)
    assert (counts[PENGLAI].findings, counts[PENGLAI].open) == (1, 1)
    assert len(counts) == len(campaign.townships)
    only = ledger_entries(campaign, rows, date(2017, 6, 5), PENGLAI)
    assert [e.finding_id for e in only] == [3]


# -- reminders ------------------------------------------------------------------------------------------------


def entries_on(campaign: Campaign, rows: list[dict[str, Any]], day: date) -> list[Entry]:
    return ledger_entries(campaign, rows, day)


def plan(campaign: Campaign, rows: list[dict[str, Any]], day: date) -> list[Any]:
    return plan_rectification_reminders(campaign, entries_on(campaign, rows, day), day)


def test_no_reminder_before_the_first_step_nor_for_rectified_findings(campaign: Campaign) -> None:
    rows = [row(1, FENGCHENG, date(2017, 6, 10)), row(2, PENGLAI, date(2017, 6, 1), date(2017, 5, 30))]
    assert plan(campaign, rows, date(2017, 6, 6)) == []  # 4 days before; the first step is 3 days before
    assert plan(campaign, rows, date(2017, 6, 5)) == []


def test_a_township_is_reminded_before_its_deadline_then_told_it_is_overdue(campaign: Campaign) -> None:
    rows = [row(1, FENGCHENG, date(2017, 6, 10)), row(2, FENGCHENG, date(2017, 6, 10), village="350524100001")]
    before = plan(campaign, rows, date(2017, 6, 7))
    assert [(m.kind, m.owner) for m in before] == [("rectification_reminder", FENGCHENG)]
    assert before[0].key.endswith(f"{FENGCHENG}:2017-06-10:before3")
    assert [f["number"] for f in before[0].context["findings"]] == [1, 2]
    after = plan(campaign, rows, date(2017, 6, 11))
    assert [(m.kind, m.owner) for m in after] == [("rectification_overdue", FENGCHENG)]
    assert after[0].key.endswith("after1")
    # Days without a new step plan the step already reached: the outbox sends its key once.
    assert [m.key for m in plan(campaign, rows, date(2017, 6, 12))] == [after[0].key]


def test_the_county_is_told_from_the_escalation_step(campaign: Campaign) -> None:
    rows = [row(1, FENGCHENG, date(2017, 6, 1)), row(2, PENGLAI, date(2017, 6, 1)), row(3, PENGLAI, date(2017, 6, 1))]
    escalate = campaign.inspection.rectification.escalate_after_days
    day = date(2017, 6, 1) + timedelta(days=escalate)
    planned = plan(campaign, rows, day)
    county = [m for m in planned if m.owner == COUNTY_TAG]
    assert [m.kind for m in county] == ["rectification_escalation"]
    assert [t["name"] for t in county[0].context["townships"]] == ["凤城镇", "蓬莱镇"]
    assert county[0].context["findings_total"] == 3
    earlier = plan(campaign, rows, day - timedelta(days=1))
    assert all(m.owner != COUNTY_TAG for m in earlier)


def test_the_periods_are_the_campaign_files(campaign: Campaign) -> None:
    rules = campaign.inspection.rectification.model_copy(update={"before_days": [5], "after_days": [2]})
    changed = campaign.model_copy(
        update={"inspection": campaign.inspection.model_copy(update={"rectification": rules})}
    )
    rows = [row(1, FENGCHENG, date(2017, 6, 10))]
    assert [m.kind for m in plan(changed, rows, date(2017, 6, 5))] == ["rectification_reminder"]
    assert plan(changed, rows, date(2017, 6, 11))[0].key.endswith("before5")  # after2 is not reached yet
    assert plan(changed, rows, date(2017, 6, 12))[0].key.endswith("after2")


def test_the_messages_read_as_the_office_writes(campaign: Campaign) -> None:
    rows = [
        row(1, FENGCHENG, date(2017, 6, 1), village="350524100001", problem="3户未走访，电话13812345678"),
        row(2, PENGLAI, date(2017, 6, 1)),
    ]
    planned = plan(campaign, rows, date(2017, 6, 4))
    texts = {m.kind + m.owner: render_planned(campaign, m) for m in planned}
    overdue = texts["rectification_overdue" + FENGCHENG]
    assert overdue.title == "【整改督办】凤城镇督查发现问题逾期未整改"
    assert "督查组于2017年5月20日督查发现你镇（乡）存在以下问题，整改期限为2017年6月1日" in overdue.body
    assert "已逾期3天" in overdue.body
    assert "1. 新安社区：3户未走访" in overdue.body
    assert "13812345678" not in overdue.body and "138****5678" in overdue.body
    report_by = date(2017, 6, 4) + timedelta(days=campaign.inspection.rectification.report_within_days)
    assert (
        f"请立即落实整改，并于{report_by.year}年{report_by.month}月{report_by.day}日前将整改情况书面报送"
        in overdue.body
    )
    escalation = texts["rectification_escalation" + COUNTY_TAG]
    assert escalation.title == "【整改逾期报告】2个乡镇督查发现问题逾期未整改"
    assert escalation.body.startswith("安溪县全民参保登记工作领导小组：")
    for text in texts.values():
        assert "贵" not in text.body and "2017-" not in text.body
    reminder = render_planned(campaign, plan(campaign, [row(3, FENGCHENG, date(2017, 6, 10))], date(2017, 6, 8))[0])
    assert reminder.title == "【整改提醒】凤城镇督查发现问题的整改期限将至"
    assert "距期限还有2天" in reminder.body and "于2017年6月10日前将整改情况书面报送" in reminder.body
