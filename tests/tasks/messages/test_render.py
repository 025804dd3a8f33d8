"""Messages in Chinese, as a county office writes them."""

from __future__ import annotations

from datetime import date

import pytest

from models.campaign.spec import Campaign
from tasks.identity.masking import find_unmasked
from tasks.messages.notices import plan_ranking_notice
from tasks.messages.outbox import render_planned
from tasks.messages.reminders import plan_reminders
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships
from tasks.wording.render import TEMPLATES_DIR, cn_date


@pytest.mark.parametrize(
    ("day", "text"),
    [(date(2017, 6, 30), "2017年6月30日"), (date(2017, 3, 1), "2017年3月1日"), ("2017-12-09", "2017年12月9日")],
)
def test_cn_date_has_no_leading_zeros(day: date | str, text: str) -> None:
    assert cn_date(day) == text


def test_every_notice_kind_has_its_template(campaign: Campaign) -> None:
    for template in campaign.notices.templates.values():
        assert (TEMPLATES_DIR / template).is_file()


def test_reminders_render_in_chinese(campaign: Campaign) -> None:
    as_of = date(2017, 4, 25)
    planned = plan_reminders(campaign, milestone_statuses(campaign, [], as_of), as_of)
    by_kind = {m.kind: m for m in planned}
    assert set(by_kind) == {"reminder", "overdue", "escalation"}
    overdue = render_planned(campaign, by_kind["overdue"])
    assert overdue.title.startswith("【逾期催办】") and "已逾期" in overdue.title
    assert "2017年4月25日" in overdue.body and campaign.notices.issuer in overdue.body
    escalation = render_planned(campaign, by_kind["escalation"])
    assert "仍未报告完成" in escalation.body
    reminder = render_planned(campaign, by_kind["reminder"])
    assert reminder.title.startswith("【催办提醒】")


def test_ranking_notice_names_the_bottom_townships(campaign: Campaign) -> None:
    as_of = date(2017, 5, 5)
    standings = rank_townships(campaign, milestone_statuses(campaign, [], as_of), as_of)
    notice = render_planned(campaign, plan_ranking_notice(campaign, standings, as_of)[0])
    # One numbering per notice: its 文号, no 期号 beside it.
    assert notice.title == "【通报】关于全民参保登记工作进展情况的通报"
    assert "安参保办〔2017〕1号" in notice.body and "第1期" not in notice.title + notice.body
    assert "进度靠后乡镇" in notice.body
    assert all(t.name in notice.body for t in campaign.townships)
    assert "入户调查阶段工作必须于2017年6月30日前全面完成" in notice.body
    assert find_unmasked(notice.body) == []


def test_a_department_reminder_names_the_data_it_has_not_delivered(campaign: Campaign) -> None:
    as_of = date(2017, 4, 17)  # three days before the delivery date
    statuses = [s for s in milestone_statuses(campaign, [], as_of) if s.key == "data_delivery"]
    pending = {"hrss": ["pension_employee", "injury"], "police": []}
    planned = {m.owner: m for m in plan_reminders(campaign, statuses, as_of, pending)}
    hrss = render_planned(campaign, planned["hrss"]).body
    assert "尚未提供的数据：职工基本养老保险参保人员、工伤保险参保人员。" in hrss
    assert "尚未提供的数据" not in render_planned(campaign, planned["police"]).body


@pytest.mark.parametrize(
    ("owner_group", "key", "as_of", "assessed", "addressed"),
    [
        ("departments", "data_delivery", date(2017, 4, 25), False, "你单位"),  # overdue since April 20
        ("townships", "township_leading_group", date(2017, 4, 5), True, "你镇（乡）"),  # overdue since March 31
        ("departments", "data_delivery", date(2017, 4, 17), False, "你单位"),  # reminder before the due date
        ("townships", "township_leading_group", date(2017, 3, 28), False, "你镇（乡）"),
    ],
)
def test_departments_are_reminded_never_threatened_with_the_townships_assessment(
    campaign: Campaign, owner_group: str, key: str, as_of: date, assessed: bool, addressed: str
) -> None:
    statuses = [s for s in milestone_statuses(campaign, [], as_of) if s.key == key]
    owners = campaign.township_codes if owner_group == "townships" else [d.key for d in campaign.departments]
    messages = [m for m in plan_reminders(campaign, statuses, as_of) if m.owner in owners]
    assert messages
    for message in messages:
        body = render_planned(campaign, message).body
        assert ("绩效考核" in body) is assessed
        assert ("《全民参保登记工作考评办法》" in body) is assessed
        assert addressed in body and "贵单位" not in body
