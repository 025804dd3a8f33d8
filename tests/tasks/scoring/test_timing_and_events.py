"""The parts of the score that tell townships apart: how early the survey was finished and how early its persons
were visited (tasks.scoring.sheet.survey_timing and the earliness and pace points), and the milestones' on-time
share with the milestones one event completes counted once (tasks.scoring.punctuality)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact
from models.survey.first_visits import FIRST_VISIT_COLUMNS
from tasks.plan.status import milestone_statuses
from tasks.scoring.punctuality import milestone_shares
from tasks.scoring.scores import TownshipFacts, score_townships
from tasks.scoring.sheet import SurveyTiming, survey_timing

DEADLINE = date(2017, 6, 30)
AS_OF = date(2017, 7, 5)


def _first(rows: list[tuple[str, str, str, date | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=FIRST_VISIT_COLUMNS, dtype=object)


def test_survey_timing_is_the_last_first_visit_and_the_mean() -> None:
    first = _first([
        ("t1", "v1", "A", date(2017, 6, 20)),  # 10 days early
        ("t1", "v1", "B", date(2017, 6, 10)),  # 20
        ("t1", "v2", "A", date(2017, 6, 20)),  # the same person listed in another village counts there too
        ("t2", "v3", "C", date(2017, 6, 30)),  # on the deadline: 0 days early
        ("t3", "v4", "D", date(2017, 5, 1)),
        ("t3", "v4", "E", None),  # not visited: t3 has not finished
    ])  # fmt: skip
    timing = survey_timing(first, DEADLINE)
    assert timing == {"t1": SurveyTiming(10, 40 / 3), "t2": SurveyTiming(0, 0.0)}


@pytest.mark.parametrize(
    ("days_a", "pace_a", "days_b", "pace_b", "order", "ranks"),
    [
        (20, 30.0, 10, 30.0, ["a", "b"], [1, 2]),  # finished earlier: ahead
        (10, 35.0, 10, 30.0, ["a", "b"], [1, 2]),  # same day, visits made earlier on average: ahead
        (10, 30.0, 10, 30.0, ["a", "b"], [1, 1]),  # the same in every respect: a shared rank
        (0, 0.0, None, None, ["a", "b"], [1, 2]),  # on the deadline beats not finished
    ],
)
def test_timing_tells_townships_apart_and_ties_share_a_rank(
    campaign: Campaign,
    days_a: int,
    pace_a: float,
    days_b: int | None,
    pace_b: float | None,
    order: list[str],
    ranks: list[int],
) -> None:
    visited_b = 100 if days_b is not None else 99
    facts = [TownshipFacts("b", "乙", 100, visited_b, 1.0, 0.0, days_b, pace_b),
             TownshipFacts("a", "甲", 100, 100, 1.0, 0.0, days_a, pace_a)]  # fmt: skip
    ranked = score_townships(facts, campaign.scoring, final=True, survey_days=60)
    assert [s.township for s in ranked] == order
    assert [s.rank for s in ranked] == ranks
    assert (ranked[0].score == ranked[1].score) is (ranks == [1, 1])


def test_earliness_days_from_the_campaign_file_set_the_span(campaign: Campaign) -> None:
    rules = campaign.scoring.model_copy(update={"earliness_days": 10})
    fact = TownshipFacts("a", "甲", 10, 10, 1.0, 0.0, 5, 20.0)
    (score,) = score_townships([fact], rules, final=True, survey_days=60)
    timing = {p.rule: (p.value, p.points) for p in score.breakdown}
    assert timing["survey_earliness"] == (5, 2.5)  # 5 × 5 / 10
    assert timing["survey_pace"] == (20.0, 10.0)  # capped at the full points


def _township_milestones(campaign: Campaign) -> list[str]:
    return [m.key for m in campaign.milestones if "townships" in m.owners]


@pytest.mark.parametrize(
    ("survey_done", "others_on_time", "share"),
    [
        # Four milestones of their own plus one survey event (household_survey and survey_data_entry), all on time.
        (date(2017, 6, 20), True, 1.0),
        # The survey finished late: one event at the late credit 0.5, not two — (4 + 0.5) / 5.
        (date(2017, 7, 3), True, 0.9),
        # The survey not finished: one event missing — 4 / 5, where counting it twice gave 4 / 6.
        (None, True, 0.8),
        # Nothing else done, the survey on time: 1 / 5.
        (date(2017, 6, 20), False, 0.2),
    ],
)
def test_milestones_completed_by_one_event_count_once(
    campaign: Campaign, survey_done: date | None, others_on_time: bool, share: float
) -> None:
    township = campaign.townships[0].code
    survey = {m.key for m in campaign.milestones if m.completed_by == "survey"}
    assert survey == {"household_survey", "survey_data_entry"}
    completions = []
    for key in _township_milestones(campaign):
        milestone = campaign.milestone(key)
        assert milestone is not None
        if key in survey:
            if survey_done is not None:
                completions.append(CompletionFact(key, township, survey_done))
        elif others_on_time:
            completions.append(CompletionFact(key, township, milestone.due))
    assert len(_township_milestones(campaign)) == 6  # four of their own and the two the survey completes
    shares = milestone_shares(campaign, milestone_statuses(campaign, completions, AS_OF), AS_OF)
    assert shares[township] == pytest.approx(share)


def test_no_milestone_due_yet_has_no_share(campaign: Campaign) -> None:
    shares = milestone_shares(campaign, milestone_statuses(campaign, [], date(2017, 1, 1)), date(2017, 1, 1))
    assert set(shares) == {t.code for t in campaign.townships}
    assert all(v is None for v in shares.values())
