"""Reminder steps on their very day, with the campaign's policy (7, 3, 1 days before the due date; 1, 3, 7, 14,
28 days after; the county told from 3 days overdue): the day a step starts plans that step, the day before still
plans the previous one (which an outbox already holds under its key). The township's leading group is due on
2017-03-31; every date and step below is counted by hand from it."""

from __future__ import annotations

from datetime import date

import pytest

from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact
from tasks.messages.planned import PlannedMessage
from tasks.messages.reminders import plan_reminders
from tasks.plan.status import milestone_statuses

MILESTONE = "township_leading_group"
TOWNSHIP = "350524100"


def _planned(campaign: Campaign, as_of: date, done_on: date | None = None) -> list[PlannedMessage]:
    facts = [CompletionFact(MILESTONE, TOWNSHIP, done_on)] if done_on else []
    statuses = [s for s in milestone_statuses(campaign, facts, as_of) if s.key == MILESTONE and s.owner == TOWNSHIP]
    assert len(statuses) == 1
    return plan_reminders(campaign, statuses, as_of)


def test_the_policy_and_due_date_worked_out_here(campaign: Campaign) -> None:
    milestone = campaign.milestone(MILESTONE)
    assert milestone is not None and milestone.due == date(2017, 3, 31)
    policy = campaign.reminders
    assert sorted(policy.before_days) == [1, 3, 7] and sorted(policy.after_days) == [1, 3, 7, 14, 28]
    assert policy.escalate_after_days == 3


@pytest.mark.parametrize(
    ("as_of", "step", "kind", "escalated"),
    [
        (date(2017, 3, 23), None, None, False),  # the day before the first step: nothing yet
        (date(2017, 3, 24), "before7", "reminder", False),  # 7 days before: the first step's very day
        (date(2017, 3, 27), "before7", "reminder", False),  # the day before "3 days before"
        (date(2017, 3, 28), "before3", "reminder", False),
        (date(2017, 3, 29), "before3", "reminder", False),
        (date(2017, 3, 30), "before1", "reminder", False),
        (date(2017, 3, 31), "before1", "reminder", False),  # the due date itself is not overdue
        (date(2017, 4, 1), "after1", "overdue", False),  # the day after the due date
        (date(2017, 4, 2), "after1", "overdue", False),  # the day before escalation
        (date(2017, 4, 3), "after3", "overdue", True),  # 3 days overdue: the county is told that very day
        (date(2017, 4, 6), "after3", "overdue", True),
        (date(2017, 4, 7), "after7", "overdue", True),
        (date(2017, 4, 27), "after14", "overdue", True),
        (date(2017, 4, 28), "after28", "overdue", True),
    ],
)
def test_the_step_planned_on_and_around_its_day(
    campaign: Campaign, as_of: date, step: str | None, kind: str | None, escalated: bool
) -> None:
    planned = _planned(campaign, as_of)
    to_township = [m for m in planned if m.owner == TOWNSHIP]
    to_county = [m for m in planned if m.owner == "county"]
    if step is None:
        assert planned == []
        return
    assert len(to_township) == 1
    (message,) = to_township
    assert message.kind == kind
    assert message.key.endswith(f":{MILESTONE}:{TOWNSHIP}:{step}")
    assert message.context["days_left"] == (date(2017, 3, 31) - as_of).days
    if escalated:
        assert [(m.kind, m.key.rsplit(":", 1)[-1]) for m in to_county] == [("escalation", step)]
    else:
        assert to_county == []


@pytest.mark.parametrize(
    ("done_on", "as_of"),
    [
        (date(2017, 3, 31), date(2017, 4, 1)),  # done on the due date: no overdue notice the day after
        (date(2017, 4, 3), date(2017, 4, 3)),  # done late, recorded the day escalation would start
        (date(2017, 3, 24), date(2017, 3, 24)),  # done on the first step's very day
    ],
)
def test_a_milestone_done_by_the_step_day_is_not_reminded(campaign: Campaign, done_on: date, as_of: date) -> None:
    assert _planned(campaign, as_of, done_on) == []


def test_a_completion_dated_the_day_after_is_still_reminded(campaign: Campaign) -> None:
    planned = _planned(campaign, date(2017, 3, 31), done_on=date(2017, 4, 1))
    assert [m.key.rsplit(":", 1)[-1] for m in planned] == ["before1"]
