"""The scoring rules of tasks.scoring.scores, table-driven: points, deductions, ties, missing data, subsidies."""

from __future__ import annotations

import pytest

from tasks.scoring.scores import TownshipFacts, TownshipScore, score_townships
from tests.tasks.scoring.legacy import NO_TIMING, legacy_rules

RULES = legacy_rules()  # weights 60 / 25 / 15; deductions 10 unfinished, 5 bottom ×3; subsidy 50,000 ≥ 0.8


def facts(
    code: str, to_visit: int = 100, visited: int = 100, share: float | None = 1.0, error: float | None = 0.0
) -> TownshipFacts:
    return TownshipFacts(code, f"乡{code}", to_visit, visited, share, error)


def by_code(scores: list[TownshipScore]) -> dict[str, TownshipScore]:
    return {s.township: s for s in scores}


def points(score: TownshipScore) -> dict[str, float]:
    return {p.rule: p.points for p in score.breakdown}


@pytest.mark.parametrize(
    ("fact", "final", "expected_points", "score"),
    [
        # Everything done: full marks.
        (facts("a"), True, {"survey_completion": 60, "milestone_timeliness": 25, "inspection_accuracy": 15}, 100),
        # 90% visited by the deadline: 54 points and the deduction for not finishing.
        (
            facts("a", visited=90),
            True,
            {"survey_completion": 54, "milestone_timeliness": 25, "inspection_accuracy": 15, "unfinished": -10},
            84,
        ),
        # The same before the deadline: no deduction yet.
        (
            facts("a", visited=90),
            False,
            {"survey_completion": 54, "milestone_timeliness": 25, "inspection_accuracy": 15},
            94,
        ),
        # Two thirds of the milestones on time, a 10% spot-check error rate.
        (
            facts("a", share=2 / 3, error=0.1),
            True,
            {"survey_completion": 60, "milestone_timeliness": 16.67, "inspection_accuracy": 13.5},
            90.17,
        ),
        # No milestone due yet: full weight.
        (
            facts("a", share=None),
            False,
            {"survey_completion": 60, "milestone_timeliness": 25, "inspection_accuracy": 15},
            100,
        ),
        # Nobody to visit: the survey is complete.
        (
            facts("a", to_visit=0, visited=0),
            True,
            {"survey_completion": 60, "milestone_timeliness": 25, "inspection_accuracy": 15},
            100,
        ),
    ],
)
def test_points_of_a_single_township(
    fact: TownshipFacts, final: bool, expected_points: dict[str, float], score: float
) -> None:
    (result,) = score_townships([fact], RULES, final=final)
    assert points(result) == pytest.approx({**NO_TIMING, **expected_points})
    assert result.score == pytest.approx(score)
    assert result.score == pytest.approx(sum(p.points for p in result.breakdown))
    assert result.rank == 1


def test_the_breakdown_carries_rule_labels_and_figures() -> None:
    (result,) = score_townships([facts("a", visited=87, share=0.5, error=0.2)], RULES, final=True)
    rows = {p.rule: p for p in result.breakdown}
    assert rows["survey_completion"].value == 0.87 and rows["survey_completion"].label == "入户调查完成率"
    assert rows["milestone_timeliness"].value == 0.5
    assert rows["inspection_accuracy"].value == 0.8
    assert rows["unfinished"].points == -10
    assert result.to_json()["breakdown"][0] == {
        "rule": "survey_completion",
        "label": "入户调查完成率",
        "value": 0.87,
        "points": 52.2,
    }


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("average", 15 * 0.85), ("full", 15.0), ("zero", 0.0)],
)
def test_a_township_never_spot_checked(policy: str, expected: float) -> None:
    rules = legacy_rules(inspection_missing=policy)
    scores = by_code(score_townships([facts("a", error=0.1), facts("b", error=0.2), facts("c", error=None)], rules,
                                     final=True))  # fmt: skip
    inspection = {p.rule: p for p in scores["c"].breakdown}["inspection_accuracy"]
    assert inspection.value is None
    assert inspection.points == pytest.approx(round(expected, 2))


def test_nobody_spot_checked_means_full_weight_under_average() -> None:
    (result,) = score_townships([facts("a", error=None)], RULES, final=True)
    assert points(result)["inspection_accuracy"] == 15


def test_the_bottom_townships_lose_points_and_are_criticised() -> None:
    township_facts = [facts(str(i), visited=100 - i) for i in range(6)]  # 0 is best, 5 worst
    scores = by_code(score_townships(township_facts, RULES, final=False))
    assert {c for c, s in scores.items() if s.criticised} == {"3", "4", "5"}
    assert points(scores["5"])["bottom"] == -5
    assert scores["5"].reasons == ("综合得分排名后3位",)
    assert "bottom" not in points(scores["2"])
    assert [s.township for s in score_townships(township_facts, RULES, final=False)] == ["0", "1", "2", "3", "4", "5"]


def test_a_tie_at_the_bottom_boundary_adds_nobody() -> None:
    # Subtotals: 100, 99.4, 99.4, 99.4, 97 → the 4th lowest is 99.4; only the one strictly below it is bottom.
    township_facts = [facts("a"), facts("b", visited=99), facts("c", visited=99), facts("d", visited=99),
                      facts("e", visited=95)]  # fmt: skip
    scores = by_code(score_townships(township_facts, RULES, final=False))
    assert {c for c, s in scores.items() if s.criticised} == {"e"}


def test_all_equal_means_nobody_is_bottom() -> None:
    scores = score_townships([facts("a"), facts("b")], RULES, final=True)
    assert not any(s.criticised for s in scores)
    assert [s.rank for s in scores] == [1, 1]


def test_ties_share_a_rank_and_are_broken_by_documented_keys() -> None:
    # b and c: same score, same rate, same share → same rank, listed by code.
    # a: same score as b/c but a higher survey rate (and worse milestones) → ranked first.
    # 60·0.95 + 25·1 = 82 ... a: 60·1 + 25·0.88 = 82 as well.
    township_facts = [
        facts("c", visited=95, error=None),
        facts("b", visited=95, error=None),
        facts("a", visited=100, share=0.88, error=None),
        facts("d", visited=50, error=None),
    ]
    rules = legacy_rules(inspection_missing="zero")
    ranked = score_townships(township_facts, rules, final=False)
    assert [(s.township, s.rank, s.score) for s in ranked[:3]] == [("a", 1, 82.0), ("b", 2, 82.0), ("c", 2, 82.0)]
    assert ranked[3].rank == 4


@pytest.mark.parametrize(
    ("visited", "rule", "subsidy"),
    [
        (100, "proportional", 50000.0),
        (90, "proportional", 45000.0),
        (80, "proportional", 40000.0),
        (79, "proportional", 0.0),
        (90, "on_time_only", 0.0),
        (100, "on_time_only", 50000.0),
    ],
)
def test_subsidy(visited: int, rule: str, subsidy: float) -> None:
    rules = legacy_rules(subsidy={"rule": rule})
    (result,) = score_townships([facts("a", visited=visited)], rules, final=True)
    assert result.subsidy == subsidy


def test_not_finishing_by_the_deadline_is_criticised_only_when_final() -> None:
    late = facts("a", visited=99)
    (final,) = score_townships([late], RULES, final=True)
    (provisional,) = score_townships([late], RULES, final=False)
    assert final.criticised and final.reasons == ("入户调查未按期完成",)
    assert not provisional.criticised


def test_a_score_never_drops_below_zero() -> None:
    rules = legacy_rules(deductions={"unfinished": 500})
    scores = by_code(score_townships([facts("a"), facts("b", visited=0, share=0, error=1)], rules, final=True))
    assert scores["b"].score == 0


def test_weights_from_the_campaign_file() -> None:
    rules = legacy_rules(weights={"survey_completion": 80, "milestone_timeliness": 20,
                                                "inspection_accuracy": 0})  # fmt: skip
    (result,) = score_townships([facts("a", visited=50, share=0.5)], rules, final=False)
    assert points(result) == {"survey_completion": 40, "milestone_timeliness": 10, "inspection_accuracy": 0,
                              **NO_TIMING}  # fmt: skip
