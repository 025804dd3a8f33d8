"""The subsidy threshold of the campaign's [scoring] reached exactly: 50,000 yuan for a survey finished, otherwise
50,000 × rate from a rate of 0.8 up, nothing below it. With 35 persons to visit, 28 visited is 0.8 exactly
(subsidy 40,000), 27 is 0.7714… (nothing), 34 is 0.9714… (48,571.43), 35 is finished (the full amount)."""

from __future__ import annotations

import pytest

from models.campaign.spec import Campaign
from tasks.scoring.scores import TownshipFacts, score_townships


def _scored(campaign: Campaign, visited: int, *, final: bool = True) -> tuple[float, bool, dict[str, float]]:
    (score,) = score_townships([TownshipFacts("350524100", "凤城镇", 35, visited, 1.0, 0.0)], campaign.scoring,
                               final=final)  # fmt: skip
    return score.subsidy, score.finished, {p.rule: p.points for p in score.breakdown}


def test_the_campaign_rules_worked_out_here(campaign: Campaign) -> None:
    subsidy = campaign.scoring.subsidy
    assert (subsidy.amount, subsidy.rule, subsidy.minimum_rate) == (50000, "proportional", 0.8)
    assert campaign.scoring.deductions.unfinished == 10


@pytest.mark.parametrize(
    ("visited", "subsidy", "finished"),
    [
        (35, 50000.0, True),  # every listed person visited: the full amount
        (34, 48571.43, False),  # one short of finished: proportional, 50,000 × 34/35
        (28, 40000.0, False),  # exactly the minimum rate: proportional
        (27, 0.0, False),  # one person below the minimum rate: nothing
    ],
)
def test_the_subsidy_at_its_thresholds(campaign: Campaign, visited: int, subsidy: float, finished: bool) -> None:
    got, got_finished, points = _scored(campaign, visited)
    assert got == subsidy
    assert got_finished is finished
    assert ("unfinished" in points) is not finished
    if not finished:
        assert points["unfinished"] == -10


def test_finishing_exactly_is_not_penalised_and_one_short_is(campaign: Campaign) -> None:
    _subsidy, _finished, points = _scored(campaign, 35)
    assert points == {"survey_completion": 60, "milestone_timeliness": 25, "inspection_accuracy": 15}
    _subsidy, _finished, points = _scored(campaign, 34)
    assert points == {"survey_completion": 58.29, "milestone_timeliness": 25, "inspection_accuracy": 15,
                      "unfinished": -10}  # fmt: skip
