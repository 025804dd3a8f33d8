"""Who is reminded of what, on which date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.campaign.spec import Campaign, ReminderPolicy
from models.campaign.values import CompletionFact
from tasks.messages.reminders import (
    bottom_townships,
    current_step,
    is_ranking_day,
    plan_ranking_notice,
    plan_reminders,
    ranking_serial,
)
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships

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


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2017, 5, 5), True), (date(2017, 5, 4), False), (date(2017, 4, 28), False), (date(2017, 6, 30), True),
     (date(2017, 7, 7), False)],
)  # fmt: skip
def test_ranking_days_are_fridays_of_the_survey(campaign: Campaign, day: date, expected: bool) -> None:
    assert is_ranking_day(campaign, day) is expected


def test_ranking_notice_series_and_recipients(campaign: Campaign) -> None:
    assert ranking_serial(campaign, date(2017, 5, 5)) == 1
    assert ranking_serial(campaign, date(2017, 6, 30)) == 9
    as_of = date(2017, 5, 12)
    standings = rank_townships(campaign, milestone_statuses(campaign, [], as_of), as_of)
    planned = plan_ranking_notice(campaign, standings, as_of)
    assert {m.owner for m in planned} == {*campaign.township_codes, "county"}
    assert all(m.milestone is None and m.kind == "weekly_ranking" for m in planned)
    assert planned[0].context["doc_number"] == "安参保办〔2017〕2号"


def test_bottom_townships_widen_for_ties(campaign: Campaign) -> None:
    as_of = date(2017, 4, 10)
    done = [
        CompletionFact(m.key, code, as_of - timedelta(days=20))
        for m, code in campaign.assignments()
        if code in campaign.township_codes[:20]
    ]
    standings = rank_townships(campaign, milestone_statuses(campaign, done, as_of), as_of)
    # the last four did nothing: all four tie at the bottom, though only three are asked for
    assert {s.code for s in bottom_townships(standings, 3)} == set(campaign.township_codes[20:])
    assert bottom_townships(standings, 0) == []
