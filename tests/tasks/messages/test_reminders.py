"""Who is reminded of what, on which date."""

from __future__ import annotations

from datetime import date

import pytest

from models.campaign.spec import Campaign, ReminderPolicy
from models.campaign.values import CompletionFact
from tasks.messages.reminders import current_step, plan_reminders
from tasks.plan.status import milestone_statuses

DUE = date(2017, 3, 31)
POLICY = ReminderPolicy(before_days=[7, 3, 1], after_days=[1, 3, 7, 14, 28], escalate_after_days=3)


@pytest.mark.parametrize(
    ("as_of", "step"),
    [
        (date(2017, 3, 23), None),
        (date(2017, 3, 24), "before7"),
        (date(2017, 3, 27), "before7"),
        (date(2017, 3, 28), "before3"),
        (date(2017, 3, 30), "before1"),
        (date(2017, 3, 31), "before1"),
        (date(2017, 4, 1), "after1"),
        (date(2017, 4, 3), "after3"),
        (date(2017, 4, 13), "after7"),
        (date(2017, 4, 28), "after28"),
        (date(2017, 12, 31), "after28"),
    ],
)
def test_current_step(as_of: date, step: str | None) -> None:
    found = current_step(DUE, as_of, POLICY)
    assert (found.name if found else None) == step


def township_milestone(campaign: Campaign, as_of: date, done: dict[str, date]) -> list:
    facts = [CompletionFact("township_leading_group", code, on) for code, on in done.items()]
    statuses = [s for s in milestone_statuses(campaign, facts, as_of) if s.key == "township_leading_group"]
    return plan_reminders(campaign, statuses, as_of)


def test_reminds_exactly_the_owners_not_done(campaign: Campaign) -> None:
    done = {"350524100": date(2017, 3, 20), "350524105": date(2017, 3, 27), "350524210": date(2017, 3, 28)}
    planned = township_milestone(campaign, date(2017, 3, 28), done)
    assert {m.owner for m in planned} == set(campaign.township_codes) - set(done)
    assert {m.kind for m in planned} == {"reminder"}
    assert all(m.tags == (m.owner,) and m.milestone == "township_leading_group" for m in planned)
    assert all(m.key.endswith(":before3") for m in planned)


def test_a_completion_recorded_for_a_later_date_still_gets_reminded(campaign: Campaign) -> None:
    planned = township_milestone(campaign, date(2017, 3, 28), {"350524100": date(2017, 3, 29)})
    assert "350524100" in {m.owner for m in planned}


def test_overdue_owners_are_reminded_and_the_county_gets_one_escalation(campaign: Campaign) -> None:
    done = {code: date(2017, 3, 30) for code in campaign.township_codes[:20]}
    planned = township_milestone(campaign, date(2017, 4, 3), done)
    overdue = [m for m in planned if m.kind == "overdue"]
    escalations = [m for m in planned if m.kind == "escalation"]
    assert {m.owner for m in overdue} == set(campaign.township_codes[20:])
    assert len(escalations) == 1
    [escalation] = escalations
    assert escalation.tags == ("county",)
    assert escalation.context["laggards"] == [t.name for t in campaign.townships[20:]]


def test_no_escalation_before_the_policy_says(campaign: Campaign) -> None:
    planned = township_milestone(campaign, date(2017, 4, 1), {})
    assert {m.kind for m in planned} == {"overdue"}


def test_county_milestones_overdue_are_not_escalated_to_the_county_itself(campaign: Campaign) -> None:
    statuses = [s for s in milestone_statuses(campaign, [], date(2017, 4, 10)) if s.owner == "county"]
    planned = plan_reminders(campaign, statuses, date(2017, 4, 10))
    assert planned and {m.kind for m in planned} == {"overdue"}


def test_nothing_when_everyone_is_done(campaign: Campaign) -> None:
    done = {code: date(2017, 3, 1) for code in campaign.township_codes}
    assert township_milestone(campaign, date(2017, 4, 20), done) == []


def test_message_keys_are_stable_between_days_of_the_same_step(campaign: Campaign) -> None:
    first = {m.key for m in township_milestone(campaign, date(2017, 4, 3), {})}
    again = {m.key for m in township_milestone(campaign, date(2017, 4, 5), {})}
    assert first == again
