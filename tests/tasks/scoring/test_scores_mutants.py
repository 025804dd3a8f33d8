"""Scores, ranks and subsidies with hand-computed figures: the cases the table in test_scoring.py leaves open."""

from __future__ import annotations

import json
import math

import pytest

from tasks.scoring.scores import TownshipFacts, TownshipScore, score_townships
from tests.tasks.scoring.legacy import legacy_rules


def facts(
    code: str, to_visit: int = 100, visited: int = 100, share: float | None = 1.0, error: float | None = 0.0
) -> TownshipFacts:
    return TownshipFacts(code, f"乡{code}", to_visit, visited, share, error)


def rows(score: TownshipScore) -> dict[str, tuple[float | None, float]]:
    return {p.rule: (p.value, p.points) for p in score.breakdown}


def test_each_township_is_judged_by_its_own_spot_checks() -> None:
    # Error rates 0.1 and 0.3: 15 × 0.9 = 13.5 and 15 × 0.7 = 10.5, not the mean accuracy 0.8 for both.
    township_facts = [facts("a", error=0.1), facts("b", error=0.3)]
    scores = {s.township: s for s in score_townships(township_facts, legacy_rules(), final=False)}
    assert rows(scores["a"])["inspection_accuracy"] == (0.9, 13.5)
    assert rows(scores["b"])["inspection_accuracy"] == (0.7, 10.5)


def test_a_single_bottom_place_names_the_lowest_township() -> None:
    rules = legacy_rules(deductions={"bottom_count": 1})
    scores = {s.township: s for s in score_townships([facts("a"), facts("b", visited=90)], rules, final=False)}
    assert rows(scores["b"])["bottom"] == (94.0, -5.0)  # value: the subtotal 54 + 25 + 15
    assert scores["b"].reasons == ("综合得分排名后1位",)
    assert not scores["a"].criticised


def test_the_unfinished_deduction_shows_the_rate_it_was_made_for() -> None:
    (result,) = score_townships([facts("a", to_visit=3, visited=2)], legacy_rules(), final=True)
    assert rows(result)["unfinished"] == (0.6667, -10.0)  # the value is kept to 4 decimals
    assert rows(result)["survey_completion"] == (0.6667, 40.0)


def test_a_deduction_of_nothing_is_written_as_zero_not_minus_zero() -> None:
    rules = legacy_rules(deductions={"unfinished": 0})
    (result,) = score_townships([facts("a", visited=50)], rules, final=True)
    unfinished = rows(result)["unfinished"][1]
    assert unfinished == 0 and math.copysign(1.0, unfinished) == 1.0
    assert '"points": 0.0' in json.dumps(result.to_json()["breakdown"][-1])


def test_a_score_carries_the_townships_name_state_and_rate() -> None:
    (result,) = score_townships([facts("350524100", visited=45, to_visit=50)], legacy_rules(), final=False)
    assert (result.township, result.name, result.rank) == ("350524100", "乡350524100", 1)
    assert (result.finished, result.rate) == (False, 0.9)
    (done,) = score_townships([facts("a")], legacy_rules(), final=False)
    assert done.finished is True


def test_to_json_lists_the_breakdown_and_the_reasons() -> None:
    (result,) = score_townships([facts("a", visited=90)], legacy_rules(), final=True)
    data = result.to_json()
    assert data["breakdown"] == [
        {"rule": "survey_completion", "label": "入户调查完成率", "value": 0.9, "points": 54.0},
        {"rule": "survey_earliness", "label": "入户调查提前完成", "value": None, "points": 0.0},
        {"rule": "survey_pace", "label": "入户调查平均提前走访", "value": None, "points": 0.0},
        {"rule": "milestone_timeliness", "label": "工作任务按时完成率", "value": 1.0, "points": 25.0},
        {"rule": "inspection_accuracy", "label": "督查抽查准确率", "value": 1.0, "points": 15.0},
        {"rule": "unfinished", "label": "未按期完成入户调查扣分", "value": 0.9, "points": -10.0},
    ]
    assert data["reasons"] == ["入户调查未按期完成"]
    assert isinstance(data["reasons"], list)
    assert json.loads(json.dumps(data)) == data


def test_equal_score_and_rate_are_ranked_by_the_milestone_share() -> None:
    # With milestones weighing nothing, the share decides only the order: the higher one first.
    rules = legacy_rules(weights={"milestone_timeliness": 0})
    ranked = score_townships([facts("a", share=0.5), facts("b", share=1.0)], rules, final=False)
    assert [(s.township, s.rank) for s in ranked] == [("b", 1), ("a", 2)]


def test_no_milestone_due_ranks_like_a_full_share() -> None:
    rules = legacy_rules(weights={"milestone_timeliness": 0})
    ranked = score_townships([facts("a", share=1.0), facts("b", share=None)], rules, final=False)
    assert [(s.township, s.rank) for s in ranked] == [("a", 1), ("b", 1)]


@pytest.mark.parametrize(
    ("amount", "visited", "subsidy"),
    [
        (1234.567, 6, 1234.57),  # finished: the full amount, to the fen
        (1000, 5, 833.33),  # 5 of 6 ≥ 0.8: proportional, to the fen
    ],
)
def test_a_subsidy_is_paid_to_the_fen(amount: float, visited: int, subsidy: float) -> None:
    rules = legacy_rules(subsidy={"amount": amount})
    (result,) = score_townships([facts("a", to_visit=6, visited=visited)], rules, final=True)
    assert result.subsidy == subsidy


def test_the_subsidy_threshold_exactly_reached_pays_in_proportion() -> None:
    rules = legacy_rules(subsidy={"amount": 1000, "minimum_rate": 0.75})
    township_facts = [facts("a", to_visit=4, visited=3), facts("b", to_visit=4, visited=2)]
    scores = {s.township: s for s in score_townships(township_facts, rules, final=True)}
    assert scores["a"].subsidy == 750.0
    assert scores["b"].subsidy == 0.0
