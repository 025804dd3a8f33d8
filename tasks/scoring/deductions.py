"""The deductions (绩效考核扣分) of each township, with the reason for each, for the county's performance
assessment: the negative points of its score (tasks.scoring.scores), set by the county office's 考评办法. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.campaign.spec import Scoring
from tasks.scoring.scores import DEDUCTION_RULES, TownshipFacts, TownshipScore
from tasks.wording.render import cn_date


@dataclass(frozen=True)
class Deduction:
    rule: str
    label: str
    reason: str  # in Chinese, with the figures it rests on
    points: float  # negative


def township_deductions(score: TownshipScore, fact: TownshipFacts, rules: Scoring, deadline: date) -> list[Deduction]:
    """The township's deductions, in the order of its breakdown; none when it lost no point."""
    found = []
    for p in score.breakdown:
        if p.rule not in DEDUCTION_RULES:
            continue
        if p.rule == "unfinished":
            reason = (
                f"截至{cn_date(deadline)}，入户调查应访{fact.to_visit}人，已访{fact.visited}人，"
                f"完成率{fact.rate * 100:.1f}%，未按期完成"
            )
        else:
            subtotal = p.value if p.value is not None else 0.0
            reason = f"综合得分（扣分前）{subtotal:.2f}分，排名后{rules.deductions.bottom_count}位"
        found.append(Deduction(p.rule, p.label, reason, p.points))
    return found


def deduction_standard(rules: Scoring) -> str:
    """The deduction rules in one sentence, named as the county office's own."""
    d = rules.deductions
    return (
        f"扣分标准按《{rules.rules_name}》执行：入户调查未按期完成的扣{d.unfinished:g}分；"
        f"综合得分排名后{d.bottom_count}位的各扣{d.bottom:g}分（末位并列时不扩大扣分范围）。"
    )
