"""Ranking townships on milestones, ties included."""

from __future__ import annotations

from datetime import date, timedelta

from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships

AS_OF = date(2017, 4, 10)  # the launch milestones (due 3-31) are due; training ones not yet


def facts(campaign: Campaign, code: str, offset_days: int, keys: list[str] | None = None) -> list[CompletionFact]:
    return [
        CompletionFact(m.key, code, m.due + timedelta(days=offset_days))
        for m, owner in campaign.assignments()
        if owner == code and m.due <= AS_OF and (keys is None or m.key in keys)
    ]


def test_scores_order_and_tie_breaks(campaign: Campaign) -> None:
    a, b, c, d, e = campaign.township_codes[:5]
    done = (
        facts(campaign, a, -10)  # all on time, well ahead
        + facts(campaign, b, -1)  # all on time, just in time
        + facts(campaign, c, 5)  # all late (before AS_OF)
        + facts(campaign, d, -2, ["township_leading_group"])  # one of three on time
    )
    standings = rank_townships(campaign, milestone_statuses(campaign, done, AS_OF), AS_OF)
    by_code = {s.code: s for s in standings}
    assert by_code[a].score == 100.0 and by_code[b].score == 100.0
    assert by_code[a].rank == 1 and by_code[b].rank == 2  # equal score: the earlier finisher first
    assert by_code[c].score == 50.0 and by_code[c].late == 3
    assert by_code[d].score == round(100 / 3, 1) and by_code[d].overdue == 2
    assert by_code[e].score == 0.0 and by_code[e].overdue == 3
    assert by_code[c].rank < by_code[d].rank < by_code[e].rank


def test_equal_townships_share_a_rank(campaign: Campaign) -> None:
    standings = rank_townships(campaign, milestone_statuses(campaign, [], AS_OF), AS_OF)
    assert {s.rank for s in standings} == {1}
    assert [s.code for s in standings] == sorted(campaign.township_codes)


def test_milestones_done_early_count_before_they_are_due(campaign: Campaign) -> None:
    code = campaign.township_codes[0]
    early = [CompletionFact("township_training", code, date(2017, 4, 5))]
    standing = next(s for s in rank_townships(campaign, milestone_statuses(campaign, early, AS_OF), AS_OF)
                    if s.code == code)  # fmt: skip
    assert standing.considered == 4 and standing.on_time == 1


def test_milestones_completed_by_one_event_count_once(campaign: Campaign) -> None:
    """The survey completes both the household survey and its data entry: one item, not two."""
    code = campaign.township_codes[0]
    survey_keys = [m.key for m in campaign.milestones if m.completed_by == "survey"]
    assert len(survey_keys) == 2
    as_of = date(2017, 7, 5)
    done = [CompletionFact(key, code, date(2017, 6, 20)) for key in survey_keys]
    standing = next(s for s in rank_townships(campaign, milestone_statuses(campaign, done, as_of), as_of)
                    if s.code == code)  # fmt: skip
    townships_milestones = {m.key for m, owner in campaign.assignments() if owner == code and m.due <= as_of}
    assert standing.considered == len(townships_milestones) - 1
    assert standing.on_time == 1 and standing.overdue == len(townships_milestones) - 2
