"""Tracking one phase's milestones as of a date: the shared body of the phase flows."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.steps import statuses_as_of
from tasks.messages.render import cn_date
from tasks.plan.status import STATE_NAMES
from tasks.workspace import Workspace


@task(name="track-phase", cache_policy=NO_CACHE)
def run_phase_tracking(ws: Workspace, phase_key: str, as_of: date | None = None) -> dict[str, Any]:
    """Completion of the phase's milestones per owner as of `as_of`, published as a Prefect artifact."""
    _campaign_id, campaign, as_of, statuses = statuses_as_of(ws, as_of)
    phase = campaign.phases[phase_key]
    mine = [s for s in statuses if s.phase == phase_key]
    create_table_artifact(
        key=f"phase-{phase_key.replace('_', '-')}",
        table=[
            {
                "工作节点": s.name,
                "责任单位": s.owner_name,
                "完成时限": cn_date(s.due),
                "状态": STATE_NAMES[s.state],
                "完成日期": cn_date(s.done_on) if s.done_on else "",
            }
            for s in mine
        ],
        description=f"{phase.name}工作节点完成情况（截至{cn_date(as_of)}）",
    )
    counts: Counter[str] = Counter(s.state for s in mine)
    return {
        "phase": phase_key,
        "as_of": as_of.isoformat(),
        "active": phase.start <= as_of <= phase.end,
        "assignments": len(mine),
        "states": {state: counts.get(state, 0) for state in STATE_NAMES},
    }
