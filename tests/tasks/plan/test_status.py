"""Milestone states over frozen dates."""

from __future__ import annotations

from datetime import date

import pytest

from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact
from tasks.plan.status import milestone_statuses, state_of

DUE = date(2017, 3, 31)


@pytest.mark.parametrize(
    ("done_on", "as_of", "state"),
    [
        (None, date(2017, 3, 1), "not_due"),
        (None, date(2017, 3, 23), "not_due"),  # 8 days before: outside the 7-day window
        (None, date(2017, 3, 24), "due"),  # 7 days before
        (None, date(2017, 3, 31), "due"),  # the due date itself
        (None, date(2017, 4, 1), "overdue"),
        (date(2017, 3, 10), date(2017, 3, 20), "done_on_time"),
        (date(2017, 3, 31), date(2017, 3, 31), "done_on_time"),
        (date(2017, 4, 2), date(2017, 4, 5), "done_late"),
        (date(2017, 4, 2), date(2017, 4, 1), "overdue"),  # recorded for a later date: not done yet
        (date(2017, 3, 30), date(2017, 3, 29), "due"),
    ],
)
def test_state_of(done_on: date | None, as_of: date, state: str) -> None:
    assert state_of(due=DUE, done_on=done_on, as_of=as_of, window_days=7) == state


def test_one_status_per_milestone_and_owner(campaign: Campaign) -> None:
    statuses = milestone_statuses(campaign, [], date(2017, 4, 10))
    assert len(statuses) == len(list(campaign.assignments()))
    assert len({(s.key, s.owner) for s in statuses}) == len(statuses)


def test_completions_after_the_date_are_not_yet_done(campaign: Campaign) -> None:
    facts = [
        CompletionFact("township_leading_group", "350524100", date(2017, 3, 20)),
        CompletionFact("township_leading_group", "350524101", date(2017, 4, 3)),
    ]
    by_owner = {
        s.owner: s for s in milestone_statuses(campaign, facts, date(2017, 4, 1)) if s.key == "township_leading_group"
    }
    assert by_owner["350524100"].state == "done_on_time"
    assert by_owner["350524100"].done_on == date(2017, 3, 20)
    assert by_owner["350524101"].state == "overdue"
    assert by_owner["350524101"].done_on is None
    assert by_owner["350524102"].state == "overdue"
