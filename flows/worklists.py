"""Publishing the household-visit work lists and the coverage gaps from the latest comparison."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import text

from models import crud
from models.exports import log_exports
from models.survey.visits import add_worklist_entries
from tasks.comparison.compare import PERSON_COLUMNS
from tasks.messages.render import cn_date
from tasks.plan.data_completions import worklist_completions
from tasks.survey.worklists import coverage_gaps, to_visit, village_lists, write_gaps, write_village_list
from tasks.workspace import Workspace, today_in

AUTO_RECORDER = "系统（名单下发）"


class NoComparison(LookupError):
    """Work lists come from a comparison; none has been run."""


def load_registry(ws: Workspace, campaign_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    with ws.engine.connect() as connection:
        persons = pd.read_sql(
            text(f"SELECT {', '.join(PERSON_COLUMNS)} FROM person WHERE campaign_id = :c"),
            connection,
            params={"c": campaign_id},
        )
        anomalies = pd.read_sql(
            text("SELECT id_number, kind, sources, evidence, village_code FROM anomaly WHERE campaign_id = :c"),
            connection,
            params={"c": campaign_id},
        )
    for column in persons.columns:
        if persons[column].dtype == object:
            persons[column] = persons[column].fillna("")
    return persons, anomalies


@task(name="write-worklists", cache_policy=NO_CACHE)
def write_worklists(ws: Workspace, out: Path, published_on: date) -> dict[str, Any]:
    campaign_id, campaign = ws.campaign()
    with ws.session() as session:
        run = crud.latest_comparison(session, campaign_id=campaign_id)
    if run is None:
        raise NoComparison("还没有比对结果，请先运行 canbao compare")
    persons, anomalies = load_registry(ws, campaign_id)
    assert campaign.comparison is not None
    names = {key: insurance.name for key, insurance in campaign.comparison.insurances.items()}
    names = {i: names.get(i, i) for i in ("pension", "medical", "injury", "maternity", "unemployment")}
    as_of = cn_date(run.as_of)
    files = 0
    rows = 0
    written: list[tuple[Path, int]] = []
    for item in village_lists(campaign, persons, anomalies, names):
        folder = out / item.township
        title = f"{item.township}{item.village_name}全民参保登记入户调查名单（比对日期：{as_of}，共{len(item.rows)}人）"
        path = folder / f"{item.village_code}-{item.village_name}-入户调查名单.xlsx"
        write_village_list(item, path, title)
        written.append((path, len(item.rows)))
        files += 1
        rows += len(item.rows)
    gaps = coverage_gaps(campaign, persons, names)
    for township in campaign.townships:
        rows = gaps[gaps["乡镇"] == township.name]
        write_gaps(
            rows,
            out / township.name / f"{township.name}-扩面盲点.xlsx",
            f"{township.name}各村（社区）扩面盲点（{as_of}）",
        )
    write_gaps(gaps, out / "全县扩面盲点.xlsx", f"{campaign.county.name}各村（社区）扩面盲点（{as_of}）")
    listed = to_visit(persons, anomalies)
    entries = pd.DataFrame(
        {
            "id_number": listed["id_number"].astype(str),
            "township_code": listed["township_code"].astype(str),
            "village_code": listed["village_code"].astype(str),
            "reasons": listed["走访原因"].astype(str),
        }
    )
    with ws.session() as session:
        added = add_worklist_entries(session, campaign_id=campaign_id, entries=entries, listed_on=published_on)
        log_exports(session, campaign_id=campaign_id, kind="worklist", files=written)
        crud.record_missing_completions(
            session, campaign_id=campaign_id, facts=worklist_completions(campaign, published_on), by=AUTO_RECORDER
        )
    get_run_logger().info("已生成 %d 个村（社区）的入户调查名单，共 %d 人", files, rows)
    return {
        "out": str(out),
        "as_of": run.as_of.isoformat(),
        "villages": files,
        "persons": len(listed),
        "newly_listed": added,
    }


def run_worklists(ws: Workspace, out: Path | None = None, published_on: date | None = None) -> dict[str, Any]:
    _cid, campaign = ws.campaign()
    day = published_on or today_in(campaign)
    return write_worklists(ws, out or ws.settings.data_path / "worklists" / day.isoformat(), day)


@flow(name="publish-worklists")
def publish_worklists(out: str | None = None, published_on: date | None = None) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        with ws.lock("worklists"):
            return run_worklists(ws, Path(out) if out else None, published_on)
    finally:
        ws.close()
