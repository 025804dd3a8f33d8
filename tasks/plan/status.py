"""Where every milestone stands for every owner on a given date. Pure: no clock, no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact

State = Literal["done_on_time", "done_late", "due", "overdue", "not_due"]
DONE_STATES: tuple[State, ...] = ("done_on_time", "done_late")

STATE_NAMES: dict[str, str] = {
    "done_on_time": "按时完成",
    "done_late": "逾期完成",
    "due": "即将到期",
    "overdue": "已逾期",
    "not_due": "未到期",
}


@dataclass(frozen=True)
class MilestoneStatus:
    key: str
    name: str
    phase: str
    owner: str
    owner_name: str
    due: date
    state: State
    done_on: date | None

    @property
    def done(self) -> bool:
        return self.state in DONE_STATES


def state_of(*, due: date, done_on: date | None, as_of: date, window_days: int) -> State:
    """A completion dated after `as_of` has not happened yet as of that date."""
    if done_on is not None and done_on <= as_of:
        return "done_on_time" if done_on <= due else "done_late"
    if as_of > due:
        return "overdue"
    if as_of >= due - timedelta(days=window_days):
        return "due"
    return "not_due"


def milestone_statuses(campaign: Campaign, completions: Iterable[CompletionFact], as_of: date) -> list[MilestoneStatus]:
    """One status per milestone and owner, in the campaign file's order."""
    done = {(c.milestone, c.owner): c.done_on for c in completions}
    names = campaign.owner_names()
    window = campaign.reminders.window_days
    statuses = []
    for milestone, owner in campaign.assignments():
        done_on = done.get((milestone.key, owner))
        state = state_of(due=milestone.due, done_on=done_on, as_of=as_of, window_days=window)
        statuses.append(
            MilestoneStatus(
                key=milestone.key,
                name=milestone.name,
                phase=milestone.phase,
                owner=owner,
                owner_name=names[owner],
                due=milestone.due,
                state=state,
                done_on=done_on if done_on is not None and done_on <= as_of else None,
            )
        )
    return statuses


def status_json(campaign: Campaign, statuses: Iterable[MilestoneStatus], as_of: date) -> dict[str, Any]:
    """`canbao status --json` (and the API's /status): {"as_of", "phase", "milestones": [{"key", "name", "owner",
    "owner_name", "due", "state", "done_on"}]}."""
    phase = campaign.phase_on(as_of)
    return {
        "as_of": as_of.isoformat(),
        "phase": phase.key if phase else None,
        "milestones": [
            {
                "key": s.key,
                "name": s.name,
                "owner": s.owner,
                "owner_name": s.owner_name,
                "due": s.due.isoformat(),
                "state": s.state,
                "done_on": s.done_on.isoformat() if s.done_on else None,
            }
            for s in statuses
        ],
    }
