"""Which milestones the data itself completes: deliveries of every source, publication of work lists."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact


def delivery_completions(campaign: Campaign, delivered: Mapping[str, date]) -> list[CompletionFact]:
    """A department's delivery milestone is done on the day its last source arrived."""
    facts = []
    for milestone in campaign.milestones:
        if milestone.completed_by != "delivery":
            continue
        for owner in campaign.owners_of(milestone):
            sources = [s.key for s in campaign.sources.values() if s.department == owner]
            if sources and all(s in delivered for s in sources):
                facts.append(CompletionFact(milestone.key, owner, max(delivered[s] for s in sources)))
    return facts


def worklist_completions(campaign: Campaign, published_on: date) -> list[CompletionFact]:
    return [
        CompletionFact(m.key, owner, published_on)
        for m in campaign.milestones
        if m.completed_by == "worklists"
        for owner in campaign.owners_of(m)
    ]


def missing_sources(campaign: Campaign, delivered: Mapping[str, date]) -> dict[str, list[str]]:
    """Per department, the sources not yet delivered."""
    missing: dict[str, list[str]] = {}
    for source in campaign.sources.values():
        if source.key not in delivered:
            missing.setdefault(source.department, []).append(source.key)
    return missing


def analysis_completions(campaign: Campaign, milestone: str | None, day: date) -> list[CompletionFact]:
    """The analysis milestone `milestone` done on `day`, for its owners, once the analysis phase has begun."""
    phase = campaign.phases.get(campaign.analysis.phase)
    found = campaign.milestone(milestone) if milestone else None
    if found is None or phase is None or day < phase.start:
        return []
    return [CompletionFact(found.key, owner, day) for owner in campaign.owners_of(found)]
