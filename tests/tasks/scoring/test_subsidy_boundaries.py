"""The campaign's [scoring] at its boundaries, table-driven: a survey finished exactly on the deadline against one
a day late (the visits counted at the deadline then miss one person), the subsidy by the quality of the work
and the deductions with their reasons. Figures worked out by hand from the campaign file's numbers: 50 × rate,
5 × days early / 60, 10 × mean days early / 60, 20 × share, 15 × accuracy; subsidy 50,000 × (0.5 + 0.5 ×
(accuracy + share) / 2) for a survey finished by the deadline, nothing otherwise; −10 not finished."""

from __future__ import annotations

from datetime import date

import pytest

from models.campaign.spec import Campaign
from tasks.scoring.deductions import deduction_standard, township_deductions
from tasks.scoring.scores import TownshipFacts, score_townships
from tasks.scoring.sheet import survey_days

DEADLINE = date(2017, 6, 30)


def _one(
    campaign: Campaign,
    visited: int,
    *,
    days_early: int | None,
    pace: float | None,
    share: float | None = 1.0,
    error: float | None = 0.0,
    final: bool = True,
) -> tuple[TownshipFacts, dict[str, float], float, bool]:
    fact = TownshipFacts("350524100", "凤城镇", 35, visited, share, error, days_early, pace)
    (score,) = score_townships([fact], campaign.scoring, final=final, survey_days=survey_days(campaign))
    return fact, {p.rule: p.points for p in score.breakdown}, score.subsidy, score.criticised


def test_the_campaign_rules_worked_out_here(campaign: Campaign) -> None:
    rules = campaign.scoring
    assert (rules.subsidy.amount, rules.subsidy.rule, rules.subsidy.floor) == (50000, "quality", 0.5)
    assert (rules.subsidy.accuracy_weight, rules.subsidy.punctuality_weight) == (1, 1)
    w = rules.weights
    assert (w.survey_completion, w.survey_earliness, w.survey_pace, w.milestone_timeliness,
            w.inspection_accuracy) == (50, 5, 10, 20, 15)  # fmt: skip
    assert (rules.deductions.unfinished, rules.deductions.bottom, rules.deductions.bottom_count) == (10, 5, 3)
    assert rules.earliness_days is None and survey_days(campaign) == 60  # May 1 to June 30


@pytest.mark.parametrize(
    ("case", "visited", "days_early", "pace", "points", "subsidy", "criticised"),
    [
        # Every listed person visited, the last on June 30 itself: finished, no earliness, no deduction.
        ("on the deadline", 35, 0, 10.0,
         {"survey_completion": 50, "survey_earliness": 0, "survey_pace": 1.67, "milestone_timeliness": 20,
          "inspection_accuracy": 15}, 50000.0, False),
        # The last person visited on July 1: at the deadline one of 35 is missing.
        ("a day late", 34, None, None,
         {"survey_completion": 48.57, "survey_earliness": 0, "survey_pace": 0, "milestone_timeliness": 20,
          "inspection_accuracy": 15, "unfinished": -10}, 0.0, True),
        # Finished a day early: 1 / 60 of the earliness points.
        ("a day early", 35, 1, 10.0,
         {"survey_completion": 50, "survey_earliness": 0.08, "survey_pace": 1.67, "milestone_timeliness": 20,
          "inspection_accuracy": 15}, 50000.0, False),
        # Finished on the survey's first day, everyone visited then: the full timing points.
        ("on the first day", 35, 60, 60.0,
         {"survey_completion": 50, "survey_earliness": 5, "survey_pace": 10, "milestone_timeliness": 20,
          "inspection_accuracy": 15}, 50000.0, False),
        # Earlier than the survey's length (visits before the phase): capped at the full points.
        ("before the phase", 35, 70, 65.0,
         {"survey_completion": 50, "survey_earliness": 5, "survey_pace": 10, "milestone_timeliness": 20,
          "inspection_accuracy": 15}, 50000.0, False),
        # Nobody visited at all.
        ("nothing done", 0, None, None,
         {"survey_completion": 0, "survey_earliness": 0, "survey_pace": 0, "milestone_timeliness": 20,
          "inspection_accuracy": 15, "unfinished": -10}, 0.0, True),
    ],
)  # fmt: skip
def test_finished_on_the_deadline_against_a_day_late(
    campaign: Campaign,
    case: str,
    visited: int,
    days_early: int | None,
    pace: float | None,
    points: dict[str, float],
    subsidy: float,
    criticised: bool,
) -> None:
    _fact, got, got_subsidy, got_criticised = _one(campaign, visited, days_early=days_early, pace=pace)
    assert got == pytest.approx(points), case
    assert got_subsidy == subsidy, case
    assert got_criticised is criticised, case


@pytest.mark.parametrize(
    ("error", "share", "subsidy"),
    [
        (0.0, 1.0, 50000.0),  # quality 1: the full amount
        (0.1, 1.0, 48750.0),  # quality (0.9 + 1) / 2 = 0.95 → 0.975
        (0.0, 0.6, 45000.0),  # quality 0.8 → 0.9
        (0.2, 0.5, 41250.0),  # quality 0.65 → 0.825
        (1.0, 0.0, 25000.0),  # quality 0: the floor
        (None, None, 50000.0),  # never checked, alone (accuracy 1), no milestone due (share 1)
        (0.03, 0.9, 48375.0),  # quality (0.97 + 0.9) / 2 = 0.935 → 0.9675
    ],
)
def test_the_subsidy_is_scaled_by_the_quality_of_the_work(
    campaign: Campaign, error: float | None, share: float | None, subsidy: float
) -> None:
    _fact, _points, got, _criticised = _one(campaign, 35, days_early=5, pace=20.0, share=share, error=error)
    assert got == subsidy


@pytest.mark.parametrize("visited", [34, 28, 0])
def test_a_township_that_missed_the_deadline_gets_no_subsidy_whatever_its_quality(
    campaign: Campaign, visited: int
) -> None:
    _fact, _points, got, criticised = _one(campaign, visited, days_early=None, pace=None)
    assert got == 0.0 and criticised


def test_provisional_scores_pay_a_township_finished_so_far_and_deduct_nothing(campaign: Campaign) -> None:
    _fact, points, subsidy, criticised = _one(campaign, 34, days_early=None, pace=None, final=False)
    assert "unfinished" not in points and subsidy == 0.0 and not criticised
    _fact, points, subsidy, criticised = _one(campaign, 35, days_early=20, pace=30.0, final=False)
    assert subsidy == 50000.0 and not criticised


@pytest.mark.parametrize(
    ("visited", "expected"),
    [
        (35, []),
        (34, [("unfinished", "未按期完成入户调查扣分",
               "截至2017年6月30日，入户调查应访35人，已访34人，完成率97.1%，未按期完成", -10.0)]),
    ],
)  # fmt: skip
def test_the_deductions_carry_their_reason(campaign: Campaign, visited: int, expected: list[tuple]) -> None:
    fact = TownshipFacts("350524100", "凤城镇", 35, visited, 1.0, 0.0, 0 if visited == 35 else None, 5.0)
    (score,) = score_townships([fact], campaign.scoring, final=True, survey_days=60)
    found = township_deductions(score, fact, campaign.scoring, DEADLINE)
    assert [(d.rule, d.label, d.reason, d.points) for d in found] == expected


def test_the_bottom_deduction_names_the_subtotal_and_the_places(campaign: Campaign) -> None:
    facts = [TownshipFacts(str(i), f"乡{i}", 100, 100, 1.0 - i / 10, 0.0, 10, 20.0) for i in range(5)]
    scores = {s.township: s for s in score_townships(facts, campaign.scoring, final=True, survey_days=60)}
    # Subtotals 50 + 0.83 + 3.33 + 20 × share + 15: 89.16, 87.16, 85.16, 83.16, 81.16 → the lowest three lose 5.
    assert {c for c, s in scores.items() if s.criticised} == {"2", "3", "4"}
    (only,) = township_deductions(scores["4"], facts[4], campaign.scoring, DEADLINE)
    assert (only.rule, only.points) == ("bottom", -5.0)
    assert only.reason == "综合得分（扣分前）81.16分，排名后3位"
    assert scores["4"].score == 76.16 and scores["4"].deducted == -5.0


def test_the_deduction_standard_is_the_offices_own(campaign: Campaign) -> None:
    text = deduction_standard(campaign.scoring)
    assert text.startswith("扣分标准按《全民参保登记工作考评办法》执行")
    assert "扣10分" in text and "后3位的各扣5分" in text
    assert "计划规定" not in text and "方案规定" not in text
