"""The townships' on-time share of their milestones for the performance scores, each completion event counted
once: milestones completed by the same event (the same `completed_by`, e.g. the survey that completes both the
household survey and its data entry) make one item, worth the mean of their credits. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from models.campaign.spec import Campaign
from tasks.plan.status import MilestoneStatus


def event_key(campaign: Campaign, milestone_key: str) -> str:
    """The completion event a milestone belongs to: its `completed_by`, else the milestone itself."""
    milestone = campaign.milestone(milestone_key)
    by = milestone.completed_by if milestone is not None else None
    return f"event:{by}" if by else f"milestone:{milestone_key}"


def milestone_shares(campaign: Campaign, statuses: Iterable[MilestoneStatus], as_of: date) -> dict[str, float | None]:
    """Per township: credit over the events due by `as_of` or done by then (on time 1, late
    `ranking.late_credit`, not done 0); None when none is due yet."""
    credit = campaign.ranking.late_credit
    items: dict[str, dict[str, list[float]]] = {t.code: defaultdict(list) for t in campaign.townships}
    for s in statuses:
        events = items.get(s.owner)
        if events is None or not (s.due <= as_of or s.done):
            continue
        value = 1.0 if s.state == "done_on_time" else credit if s.state == "done_late" else 0.0
        events[event_key(campaign, s.key)].append(value)
    return {
        code: (sum(sum(v) / len(v) for v in events.values()) / len(events) if events else None)
        for code, events in items.items()
    }
