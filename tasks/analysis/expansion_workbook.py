"""The expansion plan (扩面计划) written from the latest comparison, which completes the analysis phase's plan
milestone."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from models import crud
from models.campaign.spec import Campaign
from tasks.analysis.expansion import ExpansionPlan, expansion_plan, plan_json, plan_table, priority_table
from tasks.comparison.registry import latest_comparison, load_registry
from tasks.plan.data_completions import analysis_completions
from tasks.survey.worklists import Sheet, write_sheets
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in

AUTO_RECORDER = "系统（数据分析）"


def write_expansion_plan(ws: Workspace, as_of: date | None = None, out: Path | None = None) -> dict[str, Any]:
    """Write the expansion plan workbook from the registration database; returns `analysis plan --json`."""
    campaign_id, campaign = ws.campaign()
    day = as_of or today_in(campaign)
    run = latest_comparison(ws, campaign_id)
    persons, _anomalies = load_registry(ws, campaign_id)
    plan = expansion_plan(campaign, persons, day)
    folder = out or ws.settings.data_path / "analysis"
    path = folder / f"{campaign.county.name}全民参保登记扩面计划-{day.isoformat()}.xlsx"
    write_plan_workbook(campaign, plan, run.as_of, path)
    with ws.session() as session:
        crud.record_missing_completions(
            session,
            campaign_id=campaign_id,
            facts=analysis_completions(campaign, campaign.analysis.plan_milestone, day),
            by=AUTO_RECORDER,
        )
    return {"file": str(path), "compared_on": run.as_of.isoformat(), **plan_json(plan, campaign)}


def write_plan_workbook(campaign: Campaign, plan: ExpansionPlan, compared_on: date, path: Path) -> Path:
    """The plan and the priority groups, one sheet each, set up to print."""
    until = cn_date(plan.target_date)
    return write_sheets(
        path,
        [
            Sheet(
                "扩面计划",
                f"{campaign.county.name}各乡镇分险种扩面计划（比对日期：{cn_date(compared_on)}，"
                f"目标：{until}前覆盖率达到{plan.target_coverage:.0%}）",
                plan_table(plan),
                frozenset({"乡镇代码"}),
            ),
            Sheet(
                "重点人群",
                f"{campaign.county.name}各乡镇扩面重点人群（比对日期：{cn_date(compared_on)}）",
                priority_table(plan),
                frozenset({"乡镇代码"}),
            ),
        ],
    )
