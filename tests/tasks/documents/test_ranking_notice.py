"""The weekly ranking notice: its days, its number in the series, its recipients and the townships it names."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact
from tasks.documents.ranking_notice import bottom_townships, is_ranking_day, ranking_serial
from tasks.messages.notices import plan_ranking_notice
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships


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
