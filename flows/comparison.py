"""The cross-department comparison (数据比对) as a flow: load the active deliveries, compare partition by
partition, store the registration database and publish its figures."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from canbao.workspace import Workspace, today_in
from models import crud
from models.visits import visit_records
from tasks import snapshots
from tasks.compare import CompareResult, Rules, compare_partition, partition, summarise, with_keys
from tasks.render import cn_date
from tasks.survey import overlay_visits


class NothingToCompare(LookupError):
    """The population register has not been delivered yet."""


@task(name="load-deliveries", cache_policy=NO_CACHE)
def load_deliveries(ws: Workspace) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    campaign_id, campaign = ws.campaign()
    with ws.session() as session:
        frames, ids = snapshots.load_active(session, campaign_id=campaign_id)
    population = Rules.of(campaign).comparison.population
    if population not in frames:
        raise NothingToCompare(f"尚未导入{campaign.sources[population].name}（{population}），无法比对")
    return frames, ids


@task(name="compare-partition", cache_policy=NO_CACHE)
def compare_part(frames: dict[str, pd.DataFrame], rules: Rules, as_of: date) -> CompareResult:
    return compare_partition(frames, rules, as_of)


@task(name="store-comparison", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def store_result(
    ws: Workspace, as_of: date, snapshot_ids: dict[str, int], result: CompareResult, summary: dict[str, Any]
) -> int:
    campaign_id, campaign = ws.campaign()
    with ws.session() as session:
        # The departments' data may not yet show what the villages found: recorded visits are applied again.
        visits = visit_records(session.connection(), campaign_id=campaign_id)
        persons = overlay_visits(result.persons, visits, campaign.survey) if visits else result.persons
        return crud.store_comparison(
            session,
            campaign_id=campaign_id,
            as_of=as_of,
            snapshots=snapshot_ids,
            persons=persons,
            anomalies=result.anomalies,
            summary=summary,
        )


def run_compare(ws: Workspace, as_of: date | None = None, parts: int = 1) -> dict[str, Any]:
    _cid, campaign = ws.campaign()
    as_of = as_of or today_in(campaign)
    rules = Rules.of(campaign)
    frames, snapshot_ids = load_deliveries(ws)
    # Prefect does not look inside DataFrames for futures, so handing them to tasks costs nothing.
    pieces = [compare_part(p, rules, as_of) for p in partition(with_keys(frames), parts)]
    result = CompareResult.concat(pieces)
    summary = summarise(result, campaign, as_of)
    store_result(ws, as_of, snapshot_ids, result, summary)
    publish_summary(summary)
    get_run_logger().info("比对完成：%d 人", summary["persons"])
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
def compare_registrations(as_of: date | None = None, parts: int = 1) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        with ws.lock("compare"):
            return run_compare(ws, as_of, parts)
    finally:
        ws.close()
