"""Periodic data exchange (数据交换, 四（四）): import the departments' new deliveries, compare again and
report what changed since the previous comparison, per township.

A delivery folder has the layout of `canbao collect` (DIR/<source key>/files). The comparison runs again only
when the active deliveries differ from those the latest comparison used: the same folder exchanged twice
imports nothing the second time, compares nothing and reports 无变化. The changes are those between the latest
comparison's per-person statuses and the new one's (tasks.analysis.exchange), so visits recorded since then count too.
Enrolments of persons a village worker registered in a visit are reported apart as 登记后已参保: the department's
list confirming what the visit only registered.
An exchange on or after the analysis phase's start completes the campaign's `[analysis] exchange_milestone`
(the data-exchange meeting, 定期召开数据有关部门的协调会) for its owners.

The report workbook (summary sheet and one sheet per kind of change) shows ID numbers masked throughout.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.collection import run_collect
from flows.comparison import run_compare
from models import crud
from models.campaign.spec import Campaign
from tasks.analysis import exchanges
from tasks.analysis.exchange import KIND_NAMES, KINDS, Changes, by_township, changes
from tasks.plan.data_completions import analysis_completions
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in

AUTO_RECORDER = "系统（数据交换）"
INBOX = "inbox"


@task(name="compare-if-changed", cache_policy=NO_CACHE)
def deliveries_changed(ws: Workspace) -> bool:
    """Whether the active deliveries differ from those the latest comparison used."""
    return exchanges.deliveries_changed(ws)


def run_exchange(
    ws: Workspace, directory: Path, delivered_on: date | None = None, out: Path | None = None
) -> dict[str, Any]:
    campaign_id, campaign = ws.campaign()
    day = delivered_on or today_in(campaign)
    deliveries = run_collect(ws, directory, day)
    before_run, before = exchanges.previous_statuses(ws, campaign_id)
    compared = deliveries_changed(ws)
    found = Changes.empty()
    run_id = before_run
    if compared:
        run_compare(ws, day)
        run_id, after = exchanges.previous_statuses(ws, campaign_id)
        if before is not None and after is not None:
            found = changes(before, after, exchanges.registered_ids(ws, day))
    townships = by_township(campaign, found)
    counts = found.counts()
    name = f"{run_id}" if compared else "无变化"
    path = (out or ws.settings.data_path / "exchange") / f"数据交换报告-{day.isoformat()}-{name}.xlsx"
    next_on = day + timedelta(days=campaign.analysis.exchange_every_days)
    write_report(path, campaign, found, townships, day, compared, baseline=compared and before is None)
    publish_exchange(campaign, day, counts, townships, compared, next_on)
    with ws.session() as session:
        crud.record_missing_completions(
            session,
            campaign_id=campaign_id,
            facts=analysis_completions(campaign, campaign.analysis.exchange_milestone, day),
            by=AUTO_RECORDER,
        )
    logger = get_run_logger()
    if found.none:
        logger.info("数据交换（%s）：无变化", day.isoformat())
    else:
        logger.info("数据交换（%s）：%s", day.isoformat(), "，".join(f"{KIND_NAMES[k]} {counts[k]}" for k in KINDS))
    return {
        "on": day.isoformat(),
        "deliveries": deliveries,
        "compared": compared,
        "baseline": compared and before is None,
        "compare_run": run_id,
        "changes": counts,
        "townships": townships,
        "report": str(path),
        "next_exchange": next_on.isoformat(),
    }


@task(name="write-exchange-report", cache_policy=NO_CACHE)
def write_report(
    path: Path,
    campaign: Campaign,
    found: Changes,
    townships: list[dict[str, Any]],
    day: date,
    compared: bool,
    baseline: bool,
) -> Path:
    return exchanges.write_exchange_report(path, campaign, found, townships, day, compared, baseline)


@task(name="publish-exchange", cache_policy=NO_CACHE)
def publish_exchange(
    campaign: Campaign,
    day: date,
    counts: dict[str, int],
    townships: list[dict[str, Any]],
    compared: bool,
    next_on: date,
) -> None:
    create_markdown_artifact(
        key="data-exchange",
        markdown=exchanges.exchange_markdown(campaign, day, counts, townships, compared, next_on),
        description=f"数据交换变化情况（{cn_date(day)}）",
    )


@flow(name="data-exchange")
def data_exchange(directory: str | None = None, delivered_on: date | None = None) -> dict[str, Any]:
    """Exchange the deliveries in `directory` (default: <data dir>/exchange/inbox)."""
    ws = Workspace.open()
    try:
        folder = Path(directory) if directory else ws.settings.data_path / "exchange" / INBOX
        # It imports and compares: neither a collect nor a compare may run meanwhile.
        with ws.lock("collect"), ws.lock("compare"):
            return run_exchange(ws, folder, delivered_on)
    finally:
        ws.close()
