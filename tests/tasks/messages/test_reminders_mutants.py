"""Reminder planning, to the letter: what each message carries, on a step's very day, pending sources, escalation.

Statuses are written by hand here (not derived from completion facts) so each case says exactly who is
where on which date.
"""

from __future__ import annotations

from datetime import date, timedelta

from models.campaign.spec import Campaign, ReminderPolicy
from tasks.messages.planned import PlannedMessage
from tasks.messages.reminders import plan_reminders
from tasks.plan.status import MilestoneStatus, State

LEADING_GROUP = "township_leading_group"  # launch phase, due 2017-03-31, owned by the townships
DELIVERY = "data_delivery"  # training phase, due 2017-04-20, owned by the departments, completed by delivery


def status(campaign: Campaign, key: str, owner: str, state: State, done_on: date | None = None) -> MilestoneStatus:
    milestone = campaign.milestone(key)
    assert milestone is not None
    return MilestoneStatus(
        key, milestone.name, milestone.phase, owner, campaign.owner_names()[owner], milestone.due, state, done_on
    )


def only(planned: list[PlannedMessage], kind: str) -> list[PlannedMessage]:
    return [m for m in planned if m.kind == kind]


def test_an_owner_already_done_does_not_stop_the_owners_after_it(campaign: Campaign) -> None:
    fengcheng, penglai = campaign.township_codes[:2]
    statuses = [
        status(campaign, LEADING_GROUP, fengcheng, "done_on_time", date(2017, 3, 20)),
        status(campaign, LEADING_GROUP, penglai, "overdue"),
    ]
    planned = plan_reminders(campaign, statuses, date(2017, 4, 1))
    assert [m.owner for m in planned] == [penglai]


def test_a_reminder_carries_the_date_the_owner_and_its_days(campaign: Campaign) -> None:
    code = campaign.township_codes[0]  # 凤城镇
    as_of = date(2017, 3, 28)  # before3 of March 31
    [message] = plan_reminders(campaign, [status(campaign, LEADING_GROUP, code, "due")], as_of)
    milestone = campaign.milestone(LEADING_GROUP)
    assert milestone is not None
    assert message.kind == "reminder"
    assert message.key == f"anxi-2017:reminder:{LEADING_GROUP}:{code}:before3"
    assert message.as_of == as_of
    assert message.milestone == LEADING_GROUP
    assert message.context == {
        "owner_name": "凤城镇",
        "is_township": True,
        "rules_name": "全民参保登记工作考评办法",
        "milestone": milestone.model_dump(),
        "phase": campaign.phases["launch"].model_dump(),
        "due": date(2017, 3, 31),
        "days_left": 3,
        "days_overdue": -3,
        "pending_sources": [],
    }


def test_on_the_due_day_it_is_still_a_reminder_and_the_day_after_it_is_overdue(campaign: Campaign) -> None:
    code = campaign.township_codes[0]
    [on_the_day] = plan_reminders(campaign, [status(campaign, LEADING_GROUP, code, "due")], date(2017, 3, 31))
    [day_after] = plan_reminders(campaign, [status(campaign, LEADING_GROUP, code, "overdue")], date(2017, 4, 1))
    assert (on_the_day.kind, on_the_day.key.rsplit(":", 1)[1]) == ("reminder", "before1")
    assert (day_after.kind, day_after.key.rsplit(":", 1)[1]) == ("overdue", "after1")
    assert day_after.context["days_overdue"] == 1


def test_a_departments_reminder_names_its_own_pending_sources(campaign: Campaign) -> None:
    statuses = [status(campaign, DELIVERY, "hrss", "due"), status(campaign, DELIVERY, "health", "due")]
    pending = {"hrss": ["employment", "injury"], "health": ["medical_resident"]}
    planned = {m.owner: m for m in plan_reminders(campaign, statuses, date(2017, 4, 19), pending)}
    assert planned["hrss"].context["pending_sources"] == ["用工备案和劳动合同信息", "工伤保险参保人员"]
    assert planned["health"].context["pending_sources"] == ["新型农村合作医疗参保人员"]


def test_pending_sources_are_named_only_for_a_milestone_completed_by_delivery(campaign: Campaign) -> None:
    code = campaign.township_codes[0]
    statuses = [status(campaign, LEADING_GROUP, code, "due")]
    [message] = plan_reminders(campaign, statuses, date(2017, 3, 30), {code: ["household"]})
    assert message.context["pending_sources"] == []


def test_the_escalation_to_the_county_carries_the_milestone_and_its_laggards(campaign: Campaign) -> None:
    fengcheng, penglai = campaign.township_codes[:2]
    statuses = [status(campaign, LEADING_GROUP, c, "overdue") for c in (fengcheng, penglai)]
    as_of = date(2017, 4, 3)  # after3: the policy escalates from 3 days after the due date
    [escalation] = only(plan_reminders(campaign, statuses, as_of), "escalation")
    milestone = campaign.milestone(LEADING_GROUP)
    assert milestone is not None
    assert escalation.owner == "county"
    assert escalation.key == f"anxi-2017:escalation:{LEADING_GROUP}:county:after3"
    assert escalation.as_of == as_of
    assert escalation.milestone == LEADING_GROUP
    assert escalation.context == {
        "owner_name": "安溪县",
        "milestone": milestone.model_dump(),
        "due": date(2017, 3, 31),
        "days_overdue": 3,
        "laggards": ["凤城镇", "蓬莱镇"],
    }


def test_escalation_starts_on_the_very_day_of_the_step_the_policy_names(campaign: Campaign) -> None:
    policy = ReminderPolicy(before_days=[1], after_days=[1, 2], escalate_after_days=1)
    strict = campaign.model_copy(update={"reminders": policy})
    statuses = [status(strict, LEADING_GROUP, strict.township_codes[0], "overdue")]
    due = date(2017, 3, 31)
    assert only(plan_reminders(strict, statuses, due), "escalation") == []
    [escalation] = only(plan_reminders(strict, statuses, due + timedelta(days=1)), "escalation")
    assert escalation.key.endswith(":county:after1")


def test_an_owner_with_no_step_reached_yet_does_not_stop_the_owners_after_it(campaign: Campaign) -> None:
    # On April 1 the data delivery (due April 20) is not yet at its first step; the leading group is overdue.
    code = campaign.township_codes[0]
    statuses = [status(campaign, DELIVERY, "hrss", "not_due"), status(campaign, LEADING_GROUP, code, "overdue")]
    planned = plan_reminders(campaign, statuses, date(2017, 4, 1))
    assert [(m.owner, m.kind) for m in planned] == [(code, "overdue")]
