"""Who should be told what on a given date: reminders before a due date, overdue notices after it, and
escalation to the county. Pure planning; rendering and sending happen elsewhere.

Each reminder belongs to a step of the policy (7, 3, 1 days before; 1, 3, 7… days after). A run on any
date plans the latest step already reached, and the step is part of the message key: a rerun, or a run
after a missed day, never repeats a step and never skips the latest one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from models.campaign.spec import COUNTY_TAG, Campaign, ReminderPolicy
from tasks.messages.planned import PlannedMessage
from tasks.plan.status import MilestoneStatus


@dataclass(frozen=True)
class Step:
    name: str
    on: date
    days_after_due: int


def current_step(due: date, as_of: date, policy: ReminderPolicy) -> Step | None:
    """The latest reminder step reached by `as_of`, if any."""
    steps = [Step(f"before{d}", due - timedelta(days=d), -d) for d in policy.before_days]
    steps += [Step(f"after{d}", due + timedelta(days=d), d) for d in policy.after_days]
    reached = [s for s in steps if s.on <= as_of]
    return max(reached, key=lambda s: s.on) if reached else None


def plan_reminders(
    campaign: Campaign,
    statuses: Iterable[MilestoneStatus],
    as_of: date,
    pending_sources: Mapping[str, Sequence[str]] | None = None,
) -> list[PlannedMessage]:
    """`pending_sources`: per department, the data sources not delivered yet, named in its reminders."""
    policy = campaign.reminders
    pending_sources = pending_sources or {}
    names = campaign.owner_names()
    townships = {t.code for t in campaign.townships}
    planned: list[PlannedMessage] = []
    escalations: dict[tuple[str, str], list[MilestoneStatus]] = defaultdict(list)
    for status in statuses:
        if status.done:
            continue
        step = current_step(status.due, as_of, policy)
        if step is None:
            continue
        milestone = campaign.milestone(status.key)
        assert milestone is not None
        kind = "overdue" if step.days_after_due > 0 else "reminder"
        planned.append(
            PlannedMessage.for_owner(
                campaign,
                kind,
                status.owner,
                key=(status.key, status.owner, step.name),
                as_of=as_of,
                milestone=status.key,
                owner_name=status.owner_name,
                context={
                    # Only townships are assessed (五（三）); departments and the county office are reminded.
                    "is_township": status.owner in townships,
                    "rules_name": campaign.scoring.rules_name,
                    "milestone": milestone.model_dump(),
                    "phase": campaign.phases[milestone.phase].model_dump(),
                    "due": status.due,
                    "days_left": (status.due - as_of).days,
                    "days_overdue": (as_of - status.due).days,
                    "pending_sources": [
                        campaign.sources[key].name
                        for key in pending_sources.get(status.owner, [])
                        if milestone.completed_by == "delivery"
                    ],
                },
            )
        )
        escalate = step.days_after_due > 0 and step.days_after_due >= policy.escalate_after_days
        if escalate and status.owner != COUNTY_TAG:
            escalations[(status.key, step.name)].append(status)
    for (milestone_key, step_name), laggards in escalations.items():
        milestone = campaign.milestone(milestone_key)
        assert milestone is not None
        planned.append(
            PlannedMessage.for_owner(
                campaign,
                "escalation",
                COUNTY_TAG,
                key=(milestone_key, COUNTY_TAG, step_name),
                as_of=as_of,
                milestone=milestone_key,
                owner_name=names[COUNTY_TAG],
                context={
                    "milestone": milestone.model_dump(),
                    "due": milestone.due,
                    "days_overdue": (as_of - milestone.due).days,
                    "laggards": [s.owner_name for s in laggards],
                },
            )
        )
    return planned
