"""Publishing the household-visit work lists and the coverage gaps from the latest comparison."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.survey.publishing import publish_worklist_files
from tasks.workspace import Workspace, today_in


@task(name="write-worklists", cache_policy=NO_CACHE)
def write_worklists(ws: Workspace, out: Path, published_on: date, forms: bool = False) -> dict[str, Any]:
    published = publish_worklist_files(ws, out, published_on, forms=forms)
    get_run_logger().info("已生成 %d 个村（社区）的入户调查名单，共 %d 人", published["villages"], published["persons"])
    return published


def run_worklists(
    ws: Workspace, out: Path | None = None, published_on: date | None = None, forms: bool = False
) -> dict[str, Any]:
    _cid, campaign = ws.campaign()
    day = published_on or today_in(campaign)
    return write_worklists(ws, out or ws.settings.data_path / "worklists" / day.isoformat(), day, forms)


@flow(name="publish-worklists")
def publish_worklists(out: str | None = None, published_on: date | None = None, forms: bool = False) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        with ws.lock("worklists"):
            return run_worklists(ws, Path(out) if out else None, published_on, forms)
    finally:
        ws.close()
