"""Performance scores (绩效评分) of the townships, by the rules in the campaign file's `[scoring]` (the county
office's own 考评办法: the work plan says who is rewarded and who is criticised, not by how much). Pure.

A township's points, each rounded to 0.01 so that its breakdown adds up to its score exactly; every measured part
is continuous, so townships that did the same work differently score differently:
- survey_completion = weight × rate, the rate being the share of its listed persons visited — registered or
  otherwise resolved by a recorded outcome — (by the deadline once the survey is cut off; by `as_of` before).
  A township with nobody to visit has rate 1.
- survey_earliness = weight × min(days, E) / E, `days` being how many days before the deadline the survey was
  finished (0 on the deadline; nothing when not finished by the deadline, or so far when provisional) and E
  `earliness_days` (default: the survey phase's length). Its breakdown value is `days` (null when unfinished).
- survey_pace = weight × min(pace, E) / E, `pace` being how many days before the deadline its listed persons were
  first visited, on average (keeping ahead of 序时进度 rather than finishing in a rush); only for a finished
  survey, like survey_earliness. Its breakdown value is `pace` (null when unfinished).
- milestone_timeliness = weight × the on-time share of its milestones due so far, milestones completed by the same
  event (the same `completed_by`, e.g. the survey) counting once; a late one counts `ranking.late_credit`, as in
  the weekly ranking; full weight while none is due.
- inspection_accuracy = weight × (1 − spot-check error rate). A township never checked gets, by
  `inspection_missing`, the mean accuracy of those checked ("average"; full weight if none was checked), full
  weight ("full") or nothing ("zero"); its breakdown value is then null.
- unfinished (final scores only): −deduction when the survey was not finished by the deadline.
- bottom: −deduction for the townships whose subtotal (everything above) is among the `bottom_count` lowest.
  A tie at the boundary never adds townships: those tied with the first township outside the bottom are left
  out, so at most `bottom_count` are named (fewer when the last places are tied).
The score is the sum, never below 0.

Ranking: score, then survey rate, then milestone share (all descending), then township code; townships equal
in score, rate and share share a rank (1, 2, 2, 4).
Subsidy (工作经费补助), by `subsidy.rule`:
- "quality" (default): only a survey finished by the deadline (so far, when provisional) earns it:
  amount × (floor + (1 − floor) × quality), quality = (a × accuracy + p × share) / (a + p) with a, p the
  `accuracy_weight` and `punctuality_weight`, accuracy and share as scored above (1 when both weights are 0).
  Rounded to 0.01 yuan; a township that missed the deadline gets none.
- "on_time_only": the full amount for a finished survey, none otherwise.
- "proportional": the full amount for a finished survey, otherwise amount × rate when the rate reaches
  `minimum_rate`, else 0.
Criticised (通报批评): not finished by the deadline (final scores only), or among the bottom townships. The
deductions (扣分) are the negative points, each with its reason; they go to the county's performance assessment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from models.campaign.spec import Scoring

RULE_LABELS = {
    "survey_completion": "入户调查完成率",
    "survey_earliness": "入户调查提前完成",
    "survey_pace": "入户调查平均提前走访",
    "milestone_timeliness": "工作任务按时完成率",
    "inspection_accuracy": "督查抽查准确率",
    "unfinished": "未按期完成入户调查扣分",
    "bottom": "综合排名靠后扣分",
}
# The negative points: deductions for the performance assessment; the other rules measure the work done.
DEDUCTION_RULES = ("unfinished", "bottom")


@dataclass(frozen=True)
class TownshipFacts:
    """What a township's score is computed from."""

    code: str
    name: str
    to_visit: int
    visited: int  # listed persons visited by the deadline (final) or by as_of (provisional)
    milestone_share: float | None  # on-time share of the milestones due so far; None: none due yet
    error_rate: float | None  # spot-check error rate; None: never checked
    days_early: int | None = None  # days the survey was finished before the deadline; None: not finished
    pace_days: float | None = None  # days before the deadline its listed persons were first visited, on average

    @property
    def rate(self) -> float:
        return self.visited / self.to_visit if self.to_visit else 1.0

    @property
    def finished(self) -> bool:
        return self.visited >= self.to_visit


@dataclass(frozen=True)
class Points:
    rule: str
    label: str
    value: float | None
    points: float


@dataclass(frozen=True)
class TownshipScore:
    township: str
    name: str
    rank: int
    score: float
    breakdown: tuple[Points, ...]
    subsidy: float
    criticised: bool
    reasons: tuple[str, ...]  # why criticised, in Chinese
    finished: bool
    rate: float

    @property
    def measured(self) -> tuple[Points, ...]:
        return tuple(p for p in self.breakdown if p.rule not in DEDUCTION_RULES)

    @property
    def deducted(self) -> float:
        return round(sum(p.points for p in self.breakdown if p.rule in DEDUCTION_RULES), 2) + 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["breakdown"] = [asdict(p) for p in self.breakdown]
        data["reasons"] = list(self.reasons)
        return data


def score_townships(
    facts: Sequence[TownshipFacts], rules: Scoring, *, final: bool, survey_days: int | None = None
) -> list[TownshipScore]:
    """Scores, ranks, subsidies and criticism of every township, best first. `survey_days`: the survey phase's
    length, the default for `earliness_days`."""
    weights, deductions = rules.weights, rules.deductions
    missing_accuracy = _missing_accuracy(facts, rules)
    full_days = rules.earliness_days or survey_days or 1
    parts: dict[str, list[Points]] = {}
    for f in facts:
        accuracy = None if f.error_rate is None else 1 - f.error_rate
        share = f.milestone_share
        early = _earliness(f.days_early, f, full_days)
        pace = _earliness(f.pace_days, f, full_days)
        points = [
            _points("survey_completion", f.rate, weights.survey_completion * f.rate),
            _points("survey_earliness", f.days_early if f.finished else None, weights.survey_earliness * early),
            _points("survey_pace", f.pace_days if f.finished else None, weights.survey_pace * pace),
            _points("milestone_timeliness", share, weights.milestone_timeliness * (1.0 if share is None else share)),
            _points(
                "inspection_accuracy",
                accuracy,
                weights.inspection_accuracy * (missing_accuracy if accuracy is None else accuracy),
            ),
        ]
        if final and not f.finished:
            points.append(_points("unfinished", f.rate, -deductions.unfinished))
        parts[f.code] = points

    subtotals = {code: _total(points) for code, points in parts.items()}
    bottom = _bottom(subtotals, deductions.bottom_count)
    for code in bottom:
        parts[code].append(_points("bottom", subtotals[code], -deductions.bottom))

    unranked: list[tuple[TownshipFacts, TownshipScore]] = []
    for f in facts:
        why = []
        if final and not f.finished:
            why.append("入户调查未按期完成")
        if f.code in bottom:
            why.append(f"综合得分排名后{deductions.bottom_count}位")
        total = max(_total(parts[f.code]), 0.0)
        breakdown = tuple(parts[f.code])
        unranked.append(
            (f, TownshipScore(f.code, f.name, 0, total, breakdown, _subsidy(f, rules, missing_accuracy), bool(why),
                              tuple(why), f.finished, f.rate))
        )  # fmt: skip
    unranked.sort(key=lambda item: (-item[1].score, -item[0].rate, -_share(item[0]), item[0].code))

    result: list[TownshipScore] = []
    previous_key: tuple[float, float, float] | None = None
    for position, (f, scored) in enumerate(unranked, start=1):
        key = (scored.score, f.rate, _share(f))
        rank = result[-1].rank if key == previous_key else position
        result.append(replace(scored, rank=rank))
        previous_key = key
    return result


def _points(rule: str, value: float | None, points: float) -> Points:
    return Points(rule, RULE_LABELS[rule], None if value is None else round(value, 4), round(points, 2) + 0.0)


def _total(points: Sequence[Points]) -> float:
    return round(sum(p.points for p in points), 2)


def _share(f: TownshipFacts) -> float:
    return 1.0 if f.milestone_share is None else f.milestone_share


def _missing_accuracy(facts: Sequence[TownshipFacts], rules: Scoring) -> float:
    if rules.inspection_missing == "zero":
        return 0.0
    checked = [1 - f.error_rate for f in facts if f.error_rate is not None]
    if rules.inspection_missing == "full" or not checked:
        return 1.0
    return sum(checked) / len(checked)


def _bottom(subtotals: dict[str, float], count: int) -> set[str]:
    """At most `count` townships: those whose subtotal lies strictly below the (count+1)-th lowest."""
    if count <= 0 or not subtotals:
        return set()
    ordered = sorted(subtotals.values())
    if count >= len(ordered):
        # Everyone would be "bottom": only those below the best.
        return {code for code, value in subtotals.items() if value < ordered[-1]}
    threshold = ordered[count]
    return {code for code, value in subtotals.items() if value < threshold}


def _earliness(days: float | None, f: TownshipFacts, full_days: int) -> float:
    """0–1: `days` before the deadline over `full_days` (nothing when the survey is not finished)."""
    if not f.finished or days is None or days < 0:
        return 0.0
    return min(days, full_days) / full_days


def subsidy_quality(f: TownshipFacts, rules: Scoring, missing_accuracy: float) -> float:
    """0–1: the weighted mean of the spot-check accuracy and the milestones' on-time share."""
    subsidy = rules.subsidy
    total_weight = subsidy.accuracy_weight + subsidy.punctuality_weight
    if total_weight == 0:
        return 1.0
    accuracy = missing_accuracy if f.error_rate is None else 1 - f.error_rate
    return (subsidy.accuracy_weight * accuracy + subsidy.punctuality_weight * _share(f)) / total_weight


def _subsidy(f: TownshipFacts, rules: Scoring, missing_accuracy: float) -> float:
    subsidy = rules.subsidy
    if subsidy.rule == "quality":
        if not f.finished:
            return 0.0
        quality = subsidy_quality(f, rules, missing_accuracy)
        return round(subsidy.amount * (subsidy.floor + (1 - subsidy.floor) * quality), 2) + 0.0
    if f.finished:
        return round(subsidy.amount, 2)
    if subsidy.rule == "proportional" and f.rate >= subsidy.minimum_rate:
        return round(subsidy.amount * f.rate, 2)
    return 0.0
