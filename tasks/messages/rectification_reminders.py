"""Who is reminded of which rectification (督查整改) on a day. Pure planning, like tasks.messages.reminders.

* A township's findings not yet rectified are grouped by deadline; each group follows the steps of
  `[inspection.rectification]` (`before_days` before its deadline: rectification_reminder; `after_days` after it:
  rectification_overdue), and a run plans the latest step reached, keyed by township, deadline and step: a rerun
  or a run after a missed day never repeats a step and never skips the latest one.
* From `escalate_after_days` overdue, the county leading group gets one message per deadline and step naming
  every township still overdue (rectification_escalation).
* An overdue township is asked to report within `report_within_days` of the reminder.
* A finding rectified by the day is never reminded; one whose inspection comes after the day is not known yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from models.campaign.spec import COUNTY_TAG, Campaign, ReminderPolicy
from tasks.identity.masking import mask_text
from tasks.inspection.ledger import Entry
from tasks.messages.planned import PlannedMessage
from tasks.messages.reminders import current_step

KINDS = ("rectification_reminder", "rectification_overdue", "rectification_escalation")


def rectification_policy(campaign: Campaign) -> ReminderPolicy:
    rules = campaign.inspection.rectification
    return ReminderPolicy(
        before_days=rules.before_days, after_days=rules.after_days, escalate_after_days=rules.escalate_after_days
    )


def plan_rectification_reminders(campaign: Campaign, entries: Iterable[Entry], as_of: date) -> list[PlannedMessage]:
    """`entries`: the ledger on `as_of` (tasks.inspection.ledger.ledger_entries)."""
    policy = rectification_policy(campaign)
    names = campaign.owner_names()
    groups: dict[tuple[str, date], list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.state != "rectified" and entry.visited_on <= as_of:
            groups[(entry.township_code, entry.deadline)].append(entry)
    planned: list[PlannedMessage] = []
    escalations: dict[tuple[date, str], list[dict[str, Any]]] = defaultdict(list)
    for (township, deadline), findings in sorted(groups.items()):
        step = current_step(deadline, as_of, policy)
        if step is None:
            continue
        overdue = step.days_after_due > 0
        planned.append(
            PlannedMessage.for_owner(
                campaign,
                "rectification_overdue" if overdue else "rectification_reminder",
                township,
                key=(township, deadline.isoformat(), step.name),
                as_of=as_of,
                owner_name=names.get(township, township),
                context={
                    "deadline": deadline,
                    "days_left": (deadline - as_of).days,
                    "days_overdue": (as_of - deadline).days,
                    "report_by": as_of + timedelta(days=campaign.inspection.rectification.report_within_days),
                    "findings": [_finding(e) for e in findings],
                    "inspected_on": sorted({e.visited_on for e in findings}),
                },
            )
        )
        if overdue and step.days_after_due >= policy.escalate_after_days:
            escalations[(deadline, step.name)].append(
                {"name": names.get(township, township), "findings": [_finding(e) for e in findings]}
            )
    for (deadline, step_name), townships in sorted(escalations.items()):
        planned.append(
            PlannedMessage.for_owner(
                campaign,
                "rectification_escalation",
                COUNTY_TAG,
                key=(COUNTY_TAG, deadline.isoformat(), step_name),
                as_of=as_of,
                owner_name=names[COUNTY_TAG],
                context={
                    "deadline": deadline,
                    "days_overdue": (as_of - deadline).days,
                    "townships": townships,
                    "findings_total": sum(len(t["findings"]) for t in townships),
                },
            )
        )
    return planned


def _finding(entry: Entry) -> dict[str, Any]:
    """What a message says of a finding: no personal data, the village and the problem as inspectors wrote it."""
    return {
        "number": entry.finding_id,
        "visited_on": entry.visited_on,
        "village": entry.village,
        "problem": mask_text(entry.problem),
        "requirement": mask_text(entry.requirement),
    }
