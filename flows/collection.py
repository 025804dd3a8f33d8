"""Data collection (归集基础数据): importing department deliveries, and the milestones they complete."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from models import crud
from tasks.intake import snapshots
from tasks.intake.folders import delivery_folder
from tasks.intake.ingest import IngestError, check_delivery, check_folder, read_source
from tasks.plan.data_completions import delivery_completions
from tasks.workspace import Workspace, today_in

AUTO_RECORDER = "系统（数据导入）"
log = logging.getLogger("canbao.collection")
RunLogger = logging.Logger | logging.LoggerAdapter[Any]

# Set by the command line to draw a progress bar; flows run in the same process.
progress_hook: Callable[[str, int, int], None] | None = None


@task(name="import-source", cache_policy=NO_CACHE, retries=0)
def import_source(ws: Workspace, source: str, files: Sequence[Path], delivered_on: date | None) -> dict[str, Any]:
    """Read one source's files and make them its active snapshot (unless they are already)."""
    return import_delivery(ws, source, files, delivered_on, get_run_logger())


def import_delivery(
    ws: Workspace, source: str, files: Sequence[Path], delivered_on: date | None, logger: RunLogger
) -> dict[str, Any]:
    """The import itself, without Prefect: the flow's task and the console's upload both run it."""
    campaign_id, campaign = ws.campaign()
    check_delivery(campaign, source, files)
    spec = campaign.sources[source]
    day = delivered_on or today_in(campaign)
    digest = snapshots.digest_files(files)
    with ws.session() as session:
        same = snapshots.unchanged_delivery(session, campaign_id=campaign_id, source=source, digest=digest)
    if same is not None:
        logger.info("%s：与当前数据相同，未重复导入", spec.name)
        return same.to_json()

    def report(done: int, total: int) -> None:
        if progress_hook is not None:
            progress_hook(spec.name, done, total)

    result = read_source(spec, list(files), campaign, as_of=day, progress=report)
    department = next(d.name for d in campaign.departments if d.key == spec.department)
    with ws.session() as session:
        delivery = snapshots.save_snapshot(
            session,
            campaign_id=campaign_id,
            result=result,
            digest=digest,
            delivered_on=day,
            data_dir=ws.settings.data_path,
            source_name=f"{department}{spec.name}",
        )
    logger.info(
        "%s：读取 %d 行，接收 %d，退回 %d，重复 %d",
        spec.name, delivery.rows_read, delivery.accepted, delivery.rejected, delivery.duplicates,
    )  # fmt: skip
    for warning in delivery.warnings:
        logger.warning("%s：%s", spec.name, warning)
    return delivery.to_json()


@task(name="record-deliveries", cache_policy=NO_CACHE)
def record_deliveries(ws: Workspace) -> int:
    """Complete the delivery milestone of every department whose sources are all in."""
    return complete_delivered(ws)


def complete_delivered(ws: Workspace) -> int:
    campaign_id, campaign = ws.campaign()
    with ws.session() as session:
        delivered = snapshots.delivered_sources(session, campaign_id=campaign_id)
        facts = delivery_completions(campaign, delivered)
        return crud.record_missing_completions(session, campaign_id=campaign_id, facts=facts, by=AUTO_RECORDER)


def ingest_uploaded(
    ws: Workspace, source: str, files: Sequence[Path], delivered_on: date | None = None
) -> dict[str, Any]:
    """What `canbao ingest` does, run in the caller's process (the console's upload): the same import and the
    same delivery milestones under the same run lock, without a Prefect flow run, so that an upload answers
    whether or not a Prefect server is up and cannot be lost between the web request and a flow run."""
    with ws.lock("collect"):
        delivery = import_delivery(ws, source, files, delivered_on, log)
        complete_delivered(ws)
    return delivery


def run_ingest(ws: Workspace, source: str, files: Sequence[Path], delivered_on: date | None = None) -> dict[str, Any]:
    delivery = import_source(ws, source, files, delivered_on)
    record_deliveries(ws)
    return delivery


def run_collect(ws: Workspace, directory: Path, delivered_on: date | None = None) -> list[dict[str, Any]]:
    """Import a whole delivery folder; one source's bad file does not stop the others."""
    _cid, campaign = ws.campaign()
    check_folder(directory)
    found, unknown = delivery_folder(directory, list(campaign.sources))
    logger = get_run_logger()
    for name in unknown:
        logger.warning("文件夹 %s 不是已知的数据源，已跳过", name)
    results: list[dict[str, Any]] = []
    for source, files in found.items():
        try:
            results.append(import_source(ws, source, files, delivered_on))
        except IngestError as exc:
            results.append({"source": source, "files": [str(f) for f in files], "error": str(exc)})
    record_deliveries(ws)
    return results


@flow(name="ingest-source")
def ingest_source(source: str, files: list[str], delivered_on: date | None = None) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        with ws.lock("collect"):
            return run_ingest(ws, source, [Path(f) for f in files], delivered_on)
    finally:
        ws.close()


@flow(name="collect-data")
def collect_data(directory: str, delivered_on: date | None = None) -> list[dict[str, Any]]:
    ws = Workspace.open()
    try:
        with ws.lock("collect"):
            return run_collect(ws, Path(directory), delivered_on)
    finally:
        ws.close()
