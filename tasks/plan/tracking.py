"""Where a campaign stands on a day: every milestone's status, and one phase's milestones per owner."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from models.campaign.spec import Campaign
from tasks.plan.status import STATE_NAMES, MilestoneStatus, milestone_statuses
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in


def statuses_as_of(ws: Workspace, as_of: date | None) -> tuple[int, Campaign, date, list[MilestoneStatus]]:
    """The campaign and its milestones' statuses on `as_of` (default: today in the campaign's time zone)."""
    campaign_id, campaign, completions = ws.state()
    as_of = as_of or today_in(campaign)
    return campaign_id, campaign, as_of, milestone_statuses(campaign, completions, as_of)


def phase_table(statuses: list[MilestoneStatus], phase_key: str) -> list[dict[str, str]]:
    """One row per assignment of the phase's milestones, headed in Chinese."""
    return [
        {
            "工作任务": s.name,
            "责任单位": s.owner_name,
            "完成时限": cn_date(s.due),
            "状态": STATE_NAMES[s.state],
            "完成日期": cn_date(s.done_on) if s.done_on else "",
        }
        for s in statuses
        if s.phase == phase_key
    ]


def phase_summary(campaign: Campaign, statuses: list[MilestoneStatus], phase_key: str, as_of: date) -> dict[str, Any]:
    """The phase's assignments counted by state, and whether the phase is under way on `as_of`."""
    phase = campaign.phases[phase_key]
    mine = [s for s in statuses if s.phase == phase_key]
    counts: Counter[str] = Counter(s.state for s in mine)
    return {
        "phase": phase_key,
        "as_of": as_of.isoformat(),
        "active": phase.start <= as_of <= phase.end,
        "assignments": len(mine),
        "states": {state: counts.get(state, 0) for state in STATE_NAMES},
    }
