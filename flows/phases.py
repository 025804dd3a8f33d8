"""The phase flows: each tracks one campaign phase's milestones as of a date, scheduled every morning
(launch 启动阶段, training 动员培训阶段, survey 入户调查阶段, analysis 完善分析阶段)."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from tasks.plan.tracking import phase_summary, phase_table, statuses_as_of
from tasks.wording.render import cn_date
from tasks.workspace import Workspace


@task(name="track-phase", cache_policy=NO_CACHE)
def run_phase_tracking(ws: Workspace, phase_key: str, as_of: date | None = None) -> dict[str, Any]:
    """Completion of the phase's milestones per owner as of `as_of`, published as a Prefect artifact."""
    _campaign_id, campaign, as_of, statuses = statuses_as_of(ws, as_of)
    create_table_artifact(
        key=f"phase-{phase_key.replace('_', '-')}",
        table=phase_table(statuses, phase_key),
        description=f"{campaign.phases[phase_key].name}工作任务完成情况（截至{cn_date(as_of)}）",
    )
    return phase_summary(campaign, statuses, phase_key, as_of)


def track_phase(phase_key: str, as_of: date | None) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        return run_phase_tracking(ws, phase_key, as_of)
    finally:
        ws.close()


@flow(name="launch-phase")
def launch_phase(as_of: date | None = None) -> dict[str, Any]:
    return track_phase("launch", as_of)


@flow(name="training-phase")
def training_phase(as_of: date | None = None) -> dict[str, Any]:
    return track_phase("training", as_of)


@flow(name="survey-phase")
def survey_phase(as_of: date | None = None) -> dict[str, Any]:
    return track_phase("survey", as_of)


@flow(name="analysis-phase")
def analysis_phase(as_of: date | None = None) -> dict[str, Any]:
    return track_phase("analysis", as_of)
