"""The 完善分析阶段 (analysis) flow: tracks the phase's milestones as of a date; and the expansion plan
(扩面计划) written from the latest comparison, which completes the phase's analysis milestone."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow

from flows.tracking import run_phase_tracking
from flows.worklists import NoComparison, load_registry
from models import crud
from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact
from tasks.analysis.expansion import expansion_plan, plan_json, plan_table, priority_table
from tasks.messages.render import cn_date
from tasks.survey.worklists import Sheet, write_sheets
from tasks.workspace import Workspace, today_in

PHASE = "analysis"
AUTO_RECORDER = "系统（数据分析）"


@flow(name="analysis-phase")
def analysis_phase(as_of: date | None = None) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        return run_phase_tracking(ws, PHASE, as_of)
    finally:
        ws.close()


def analysis_completions(campaign: Campaign, milestone: str | None, day: date) -> list[CompletionFact]:
    """The analysis milestone `milestone` done on `day`, for its owners, once the analysis phase has begun."""
    phase = campaign.phases.get(campaign.analysis.phase)
    found = campaign.milestone(milestone) if milestone else None
    if found is None or phase is None or day < phase.start:
        return []
    return [CompletionFact(found.key, owner, day) for owner in campaign.owners_of(found)]


def write_expansion_plan(ws: Workspace, as_of: date | None = None, out: Path | None = None) -> dict[str, Any]:
    """Write the expansion plan workbook from the registration database; returns `analysis plan --json`."""
    campaign_id, campaign = ws.campaign()
    day = as_of or today_in(campaign)
    with ws.session() as session:
        run = crud.latest_comparison(session, campaign_id=campaign_id)
    if run is None:
        raise NoComparison("还没有比对结果，请先运行 canbao compare")
    persons, _anomalies = load_registry(ws, campaign_id)
    plan = expansion_plan(campaign, persons, day)
    folder = out or ws.settings.data_path / "analysis"
    path = folder / f"{campaign.county.name}全民参保登记扩面计划-{day.isoformat()}.xlsx"
    until = cn_date(plan.target_date)
    write_sheets(
        path,
        [
            Sheet(
                "扩面计划",
                f"{campaign.county.name}各乡镇分险种扩面计划（比对日期：{cn_date(run.as_of)}，"
                f"目标：{until}前覆盖率达到{plan.target_coverage:.0%}）",
                plan_table(plan),
                frozenset({"乡镇代码"}),
            ),
            Sheet(
                "重点人群",
                f"{campaign.county.name}各乡镇扩面重点人群（比对日期：{cn_date(run.as_of)}）",
                priority_table(plan),
                frozenset({"乡镇代码"}),
            ),
        ],
    )
    with ws.session() as session:
        crud.record_missing_completions(
            session,
            campaign_id=campaign_id,
            facts=analysis_completions(campaign, campaign.analysis.plan_milestone, day),
            by=AUTO_RECORDER,
        )
    return {"file": str(path), "compared_on": run.as_of.isoformat(), **plan_json(plan, campaign)}
