"""Daily survey reminders, escalation and the survey ranking (pure)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.campaign.spec import COUNTY_TAG, Campaign
from tasks.messages.survey_reminders import consecutive_behind, plan_survey_reminders, survey_standings
from tasks.plan.workdays import WorkCalendar
from tasks.survey.progress import ProgressRules, township_progress, village_progress

RULES = ProgressRules(start=date(2017, 5, 1), deadline=date(2017, 6, 30), behind_margin=0.10, pace_days=7)
T1, T2 = "350524100", "350524101"
V1, V2, V3 = "350524100201", "350524100202", "350524101201"


def _frames(as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """T1 has a finished village V1 and an untouched V2 (behind); T2's V3 is complete."""
    to_visit = pd.DataFrame(
        {
            "village_code": [V1, V1, V2, V2, V2, V3],
            "township_code": [T1, T1, T1, T1, T1, T2],
            "id_number": ["a", "b", "c", "d", "e", "f"],
        }
    )
    visits = pd.DataFrame(
        {
            "id_number": ["a", "b", "f"],
            "visited_on": pd.to_datetime(["2017-05-02", "2017-05-03", "2017-05-04"]),
            "outcome": ["registered", "refused", "registered"],
        }
    )
    villages = village_progress(to_visit, visits, RULES, as_of)
    return township_progress(villages, RULES, as_of), villages


def test_only_behind_townships_are_reminded_naming_their_lagging_villages(campaign: Campaign) -> None:
    as_of = date(2017, 5, 31)  # a Wednesday, a working day
    townships, villages = _frames(as_of)
    planned = plan_survey_reminders(campaign, townships, villages, {T1: 1}, as_of, WorkCalendar())
    assert [(m.kind, m.owner, m.tags) for m in planned] == [("survey_behind", T1, (T1,))]
    message = planned[0]
    assert message.key == f"{campaign.key}:survey_behind:{T1}:2017-05-31"
    assert [v["code"] for v in message.context["lagging"]] == [V2]
    assert message.context["visited"] == 2
    assert message.context["to_visit"] == 5


@pytest.mark.parametrize("day", [date(2017, 5, 28), date(2017, 5, 29), date(2017, 5, 30), date(2017, 6, 3)])
def test_no_survey_reminders_on_days_off(campaign: Campaign, day: date) -> None:
    townships, villages = _frames(day)
    assert plan_survey_reminders(campaign, townships, villages, {T1: 5}, day, WorkCalendar()) == []


def test_saturday_make_up_workday_reminds(campaign: Campaign) -> None:
    day = date(2017, 5, 27)  # Saturday, a make-up workday before the Dragon Boat holiday
    townships, villages = _frames(day)
    assert [m.owner for m in plan_survey_reminders(campaign, townships, villages, {}, day, WorkCalendar())] == [T1]


def test_outside_the_survey_window_nobody_is_reminded(campaign: Campaign) -> None:
    day = date(2017, 7, 3)
    townships, villages = _frames(day)
    assert plan_survey_reminders(campaign, townships, villages, {T1: 9}, day, WorkCalendar()) == []


@pytest.mark.parametrize(("days", "escalated"), [(1, False), (2, False), (3, True), (7, True)])
def test_escalation_after_the_configured_working_days(campaign: Campaign, days: int, escalated: bool) -> None:
    as_of = date(2017, 5, 31)
    townships, villages = _frames(as_of)
    planned = plan_survey_reminders(campaign, townships, villages, {T1: days}, as_of, WorkCalendar())
    county = [m for m in planned if m.owner == COUNTY_TAG]
    assert bool(county) == escalated
    if escalated:
        assert county[0].kind == "survey_escalation"
        assert [t["days_behind"] for t in county[0].context["townships"]] == [days]


def test_consecutive_behind_counts_back_from_the_latest_day() -> None:
    def frame(*behind: str) -> pd.DataFrame:
        return pd.DataFrame({"township_code": [T1, T2], "behind": [T1 in behind, T2 in behind]})

    assert consecutive_behind([frame(T1, T2), frame(T1), frame(T1, T2)]) == {T1: 3, T2: 1}
    assert consecutive_behind([frame(T1), frame()]) == {}


def test_survey_standings_rank_on_completion_and_share_ranks_on_ties(campaign: Campaign) -> None:
    townships = pd.DataFrame(
        {
            "township_code": [T1, T2, "350524102"],
            "to_visit": [10, 20, 10],
            "visited": [5, 10, 9],
            "registered": [1, 2, 3],
            "rate": [0.5, 0.5, 0.9],
            "expected_rate": [0.5, 0.5, 0.5],
            "projected_done": pd.to_datetime(["2017-06-01", None, "2017-05-20"]),
            "behind": [False, True, False],
        }
    )
    standings = survey_standings(campaign, townships)
    assert len(standings) == len(campaign.townships)
    by_code = {s.code: s for s in standings}
    assert by_code["350524102"].rank < by_code[T2].rank
    assert by_code[T1].rank == by_code[T2].rank  # equal rates share a rank
    assert standings.index(by_code[T2]) < standings.index(by_code[T1])  # more visited first within the tie
    assert by_code["350524103"].rate == 1.0  # nobody to visit: complete
