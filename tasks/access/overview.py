"""The campaign at a glance for one principal (the console's first page): the phase, the days left to the survey's
deadline, the milestones of the owners in scope by state with the overdue ones, and the survey figures of the
townships in scope added up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tasks.access.reads import progress_for, status_for
from tasks.access.roles import Principal
from tasks.access.scope import Forbidden, may_change
from tasks.plan.status import STATE_NAMES
from tasks.workspace import Workspace


@dataclass(frozen=True)
class SurveyTotals:
    to_visit: int
    visited: int
    registered: int
    rate: float
    expected_rate: float
    townships_behind: list[str]  # names
    townships_warned: list[str]  # names


@dataclass(frozen=True)
class Overview:
    campaign_name: str
    as_of: date
    phase: str | None  # the phase's name
    deadline: date  # the survey's last day
    days_left: int  # negative once the deadline has passed
    states: dict[str, int]  # state name (Chinese) → milestones
    overdue: list[dict[str, Any]]  # status --json rows, earliest due first
    due: list[dict[str, Any]]  # inside the reminder window, earliest due first
    may_change: bool  # whether the principal may mark these done (a supervisor may not)
    survey: SurveyTotals | None  # None for a department
    owners: list[str] = field(default_factory=list)  # owner names in scope


def overview(ws: Workspace, principal: Principal, as_of: date) -> Overview:
    _campaign_id, campaign = ws.campaign()
    status = status_for(ws, principal, as_of)
    milestones = status["milestones"]
    counts = Counter(m["state"] for m in milestones)
    overdue, due = (
        sorted((m for m in milestones if m["state"] == state), key=lambda m: (m["due"], m["owner"]))
        for state in ("overdue", "due")
    )
    phase = campaign.phase_on(as_of)
    deadline = campaign.survey_window()[1]
    return Overview(
        campaign_name=campaign.name,
        as_of=as_of,
        phase=phase.name if phase else None,
        deadline=deadline,
        days_left=(deadline - as_of).days,
        states={STATE_NAMES[s]: counts.get(s, 0) for s in STATE_NAMES},
        overdue=overdue,
        due=due,
        may_change=may_change(principal),
        survey=_survey(ws, principal, as_of),
        owners=sorted({m["owner_name"] for m in milestones}),
    )


def _survey(ws: Workspace, principal: Principal, as_of: date) -> SurveyTotals | None:
    try:
        progress = progress_for(ws, principal, as_of)
    except Forbidden:
        return None
    townships = progress["townships"]
    to_visit = sum(int(t["to_visit"]) for t in townships)
    visited = sum(int(t["visited"]) for t in townships)
    return SurveyTotals(
        to_visit=to_visit,
        visited=visited,
        registered=sum(int(t["registered"]) for t in townships),
        rate=visited / to_visit if to_visit else 0.0,
        expected_rate=float(progress["expected_rate"]),
        townships_behind=[t["name"] for t in townships if t["behind"]],
        townships_warned=[t["name"] for t in townships if t["warning"]],
    )
