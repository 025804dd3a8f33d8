"""The cross-department comparison (数据比对) as a flow: plan the partitions of the active deliveries, compare
them one by one on the configured task runner (threads here, or a Dask cluster), store the registration
database partition by partition and publish its figures.

`canbao compare` calls `compare_registrations`, which builds the flow with the task runner the settings
choose (CANBAO_TASK_RUNNER, CANBAO_DASK_ADDRESS, CANBAO_DASK_WORKERS): no code changes between a laptop and
a cluster. Workers receive paths and a small plan, never DataFrames (tasks/comparison/partitions.py).
"""

from __future__ import annotations

import math
import shutil
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import Flow, flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.runners import task_runner
from models import faults
from models.comparison_parts import add_comparison_part, begin_comparison, finish_comparison
from models.registry import active_snapshots
from models.settings import Settings
from models.survey.visits import visit_records
from tasks.analysis import status_snapshots
from tasks.analysis.exchange import status_snapshot
from tasks.comparison.compare import CompareResult, Rules, combine_summaries, summarise
from tasks.comparison.partitions import PartPlan, compare_part_files, plan_parts, read_results, split_snapshot
from tasks.survey.visits import overlay_visits
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in


class NothingToCompare(LookupError):
    """The population register has not been delivered yet."""


@task(name="plan-partitions", cache_policy=NO_CACHE)
def plan_partitions(ws: Workspace, rules: Rules, parts: int, as_of: date) -> tuple[PartPlan, dict[str, int]]:
    """The active snapshots and the key ranges of the partitions: at least `parts`, and enough for no
    partition to hold more than CANBAO_COMPARE_PART_ROWS register rows."""
    campaign_id, campaign = ws.campaign()
    with ws.session() as session:
        active = active_snapshots(session, campaign_id=campaign_id)
    population = rules.comparison.population
    register = next((s for s in active if s.source == population), None)
    if register is None:
        raise NothingToCompare(f"尚未导入{campaign.sources[population].name}（{population}），无法比对")
    parts = max(parts, math.ceil(register.accepted / ws.settings.compare_part_rows))
    folder = ws.settings.data_path / "compare" / f"{as_of.isoformat()}-{uuid.uuid4().hex[:8]}"
    plan = plan_parts(folder, {s.source: Path(s.data_path) for s in active}, population, parts)
    return plan, {s.source: s.id for s in active if s.id is not None}


@task(name="split-snapshot", cache_policy=NO_CACHE)
def split_source(plan: PartPlan, source: str) -> list[int]:
    return split_snapshot(plan, source)


@task(name="compare-partition", cache_policy=NO_CACHE, retries=1)
def compare_part(plan: PartPlan, part: int, rules: Rules, as_of: date) -> int:
    return compare_part_files(plan, part, rules, as_of)


@task(name="store-comparison", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def store_result(ws: Workspace, as_of: date, snapshot_ids: dict[str, int], plan: PartPlan) -> dict[str, Any]:
    """Store the partitions' persons and anomalies in one transaction, one partition in memory at a time,
    and return the figures of the whole comparison, counted once recorded visits are applied again: a visit
    never makes anyone insured, but the dead, the moved out and those covered elsewhere leave the gaps, and
    the registered are counted (registered_pending)."""
    campaign_id, campaign = ws.campaign()
    with ws.session() as session:
        # The departments' data may not yet show what the villages found: recorded visits are applied again.
        visits = visit_records(session.connection(), campaign_id=campaign_id)
        run_id = begin_comparison(session, campaign_id=campaign_id, as_of=as_of, snapshots=snapshot_ids)
        summaries = []
        statuses = []
        for result in read_results(plan):
            persons = overlay_visits(result.persons, visits, campaign.survey) if visits else result.persons
            summaries.append(summarise(CompareResult(persons, result.anomalies), campaign, as_of))
            add_comparison_part(
                session, campaign_id=campaign_id, run_id=run_id, persons=persons, anomalies=result.anomalies
            )
            statuses.append(status_snapshot(persons))  # compact: what the next data exchange compares with
            faults.reached("compare.stored")  # a partition's persons written, nothing committed
        summary = combine_summaries(summaries)
        finish_comparison(session, run_id=run_id, summary=summary)
    status_snapshots.save_status_snapshot(
        ws.settings.data_path, campaign_id=campaign_id, compare_run_id=run_id, persons=pd.concat(statuses)
    )
    return summary


def run_compare(ws: Workspace, as_of: date | None = None, parts: int = 1) -> dict[str, Any]:
    """The comparison inside a running flow: its partitions go to the flow's task runner."""
    _cid, campaign = ws.campaign()
    as_of = as_of or today_in(campaign)
    rules = Rules.of(campaign)
    plan, snapshot_ids = plan_partitions(ws, rules, parts, as_of)
    logger = get_run_logger()
    try:
        if plan.parts > 1:
            logger.info("按身份证号分为 %d 个分区比对", plan.parts)
            for split in [split_source.submit(plan, source) for source in plan.sources]:
                split.result()
        for compared in [compare_part.submit(plan, part, rules, as_of) for part in range(plan.parts)]:
            compared.result()
        summary = store_result(ws, as_of, snapshot_ids, plan)
    finally:
        shutil.rmtree(plan.folder, ignore_errors=True)
    publish_summary(summary)
    logger.info("比对完成：%d 人", summary["persons"])
    return summary


@task(name="publish-comparison", cache_policy=NO_CACHE)
def publish_summary(summary: dict[str, Any]) -> None:
    create_table_artifact(
        key="comparison-by-township",
        table=[
            {
                "乡镇": t["name"],
                "户籍人数": t["persons"],
                "已参保": t["insured_full"],
                "未参全": t["partial"],
                "未参保": t["uninsured"],
                "死亡": t["deceased"],
            }
            for t in summary["by_township"]
        ],
        description=f"全民参保登记数据比对结果（截至{cn_date(summary['as_of'])}）",
    )


@flow(name="compare-registrations")
def compare_registrations_flow(as_of: date | None = None, parts: int = 1) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        with ws.lock("compare"):
            return run_compare(ws, as_of, parts)
    finally:
        ws.close()


def comparison_flow(settings: Settings | None = None) -> Flow[..., dict[str, Any]]:
    """The comparison flow with the task runner the settings choose."""
    return compare_registrations_flow.with_options(task_runner=task_runner(settings or Settings()))


def compare_registrations(as_of: date | None = None, parts: int = 1) -> dict[str, Any]:
    """Run the comparison flow, built with the task runner configured now (`canbao compare`)."""
    return comparison_flow()(as_of=as_of, parts=parts)
