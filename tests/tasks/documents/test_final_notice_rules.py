"""The final notice states the consequences as the county office's 考评办法 sets them: the subsidy by how the
work was done for the townships that finished, none and the assessment's deductions for those that did not."""

from __future__ import annotations

from datetime import date

import pytest

from models.campaign.spec import Campaign
from tasks.documents.final_notice import final_document
from tasks.messages.notices import plan_final_notice
from tasks.messages.outbox import render_planned
from tasks.scoring.scores import TownshipFacts, score_townships

AS_OF = date(2017, 7, 1)


@pytest.fixture
def scored(campaign: Campaign) -> tuple[list[TownshipFacts], list]:
    towns = campaign.townships
    facts = [TownshipFacts(t.code, t.name, 100, 100, 1.0, 0.1, 10, 20.0) for t in towns[:-1]]
    facts.append(TownshipFacts(towns[-1].code, towns[-1].name, 100, 80, 0.5, 0.0))
    return facts, score_townships(facts, campaign.scoring, final=True, survey_days=60)


def _texts(campaign: Campaign, facts: list[TownshipFacts], scores: list) -> list[str]:
    message = plan_final_notice(campaign, facts, scores, AS_OF)[0]
    document = final_document(campaign, facts, scores, AS_OF)
    paragraphs = "".join(p for s in document.sections for p in s.paragraphs)
    return [render_planned(campaign, message).body, paragraphs]


def test_the_rules_are_the_offices_and_the_consequences_as_it_sets_them(
    campaign: Campaign, scored: tuple[list[TownshipFacts], list]
) -> None:
    facts, scores = scored
    last = campaign.townships[-1].name
    missed = next(s for s in scores if s.name == last)
    assert missed.subsidy == 0.0 and missed.deducted == -15.0  # unfinished and the only one at the bottom
    for text in _texts(campaign, facts, scores):
        assert "现按《全民参保登记工作考评办法》" in text
        assert "按工作落实情况兑现工作经费补助" in text
        assert f"{last}：入户调查未按期完成，综合得分排名后3位，不予兑现经费补助，年度绩效考核扣15分。" in text
        assert "全额兑现" not in text and "按完成率" not in text and "计划规定" not in text
    finished = next(s for s in scores if s.name != last)
    assert finished.subsidy == 48750.0  # quality (0.9 + 1) / 2 = 0.95: 50,000 × 0.975
