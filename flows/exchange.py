"""Periodic data exchange (数据交换, 四（四）): import the departments' new deliveries, compare again and
report what changed since the previous comparison, per township.

A delivery folder has the layout of `canbao collect` (DIR/<source key>/files). The comparison runs again only
when the active deliveries differ from those the latest comparison used: the same folder exchanged twice
imports nothing the second time, compares nothing and reports 无变化. The changes are those between the latest
comparison's per-person statuses and the new one's (tasks.analysis.exchange), so visits recorded since then count too.
An exchange on or after the analysis phase's start completes the campaign's `[analysis] exchange_milestone`
(the data-exchange meeting, 定期召开数据有关部门的协调会) for its owners.

The report workbook (summary sheet and one sheet per kind of change) shows ID numbers masked throughout.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy import text

from flows.analysis import analysis_completions
from flows.collection import run_collect
from flows.comparison import run_compare
from models import crud
from models.campaign.spec import Campaign
from tasks.analysis.exchange import KIND_NAMES, KINDS, STATUS_COLUMNS, STATUS_NAMES, Changes, by_township, changes
from tasks.identity.masking import mask_id
from tasks.intake import snapshots
from tasks.messages.render import cn_date
from tasks.survey.worklists import Sheet, write_sheets
from tasks.workspace import Workspace, today_in

AUTO_RECORDER = "系统（数据交换）"
INBOX = "inbox"


def previous_statuses(ws: Workspace, campaign_id: int) -> tuple[int | None, pd.DataFrame | None]:
    """The latest comparison's id and per-person statuses: its snapshot, or (for a comparison made before
    snapshots were kept) the registration database as it stands."""
    with ws.session() as session:
        run = crud.latest_comparison(session, campaign_id=campaign_id)
    if run is None or run.id is None:
        return None, None
    kept = snapshots.load_status_snapshot(ws.settings.data_path, campaign_id=campaign_id, compare_run_id=run.id)
    if kept is not None:
        return run.id, kept
    with ws.engine.connect() as connection:
        frame = pd.read_sql(
            text(f"SELECT {', '.join(STATUS_COLUMNS)} FROM person WHERE campaign_id = :c"),
            connection,
            params={"c": campaign_id},
        )
    return run.id, frame


@task(name="compare-if-changed", cache_policy=NO_CACHE)
def deliveries_changed(ws: Workspace) -> bool:
    """Whether the active deliveries differ from those the latest comparison used."""
    campaign_id, _campaign = ws.campaign()
    with ws.session() as session:
        run = crud.latest_comparison(session, campaign_id=campaign_id)
        active = snapshots.active_snapshot_ids(session, campaign_id=campaign_id)
    if run is None:
        return True
    return {k: int(v) for k, v in json.loads(run.snapshots).items()} != active


def run_exchange(
    ws: Workspace, directory: Path, delivered_on: date | None = None, out: Path | None = None
) -> dict[str, Any]:
    campaign_id, campaign = ws.campaign()
    day = delivered_on or today_in(campaign)
    deliveries = run_collect(ws, directory, day)
    before_run, before = previous_statuses(ws, campaign_id)
    compared = deliveries_changed(ws)
    found = Changes.empty()
    run_id = before_run
    if compared:
        run_compare(ws, day)
        run_id, after = previous_statuses(ws, campaign_id)
        if before is not None and after is not None:
            found = changes(before, after)
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


def summary_table(campaign: Campaign, townships: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [{"乡镇代码": t["code"], "乡镇": t["name"], **{KIND_NAMES[k]: t[k] for k in KINDS}} for t in townships]
    total: dict[str, Any] = {"乡镇代码": campaign.county.code, "乡镇": f"{campaign.county.name}合计"}
    total.update({KIND_NAMES[k]: sum(int(t[k]) for t in townships) for k in KINDS})
    return pd.DataFrame([*rows, total])


def detail_table(campaign: Campaign, frame: pd.DataFrame, pairs: bool) -> pd.DataFrame:
    """One kind of change, ID numbers masked; insurance and statuses in Chinese for (person, insurance) pairs."""
    townships = {t.code: t.name for t in campaign.townships}
    villages = {v.code: v.name for t in campaign.townships for v in t.villages}
    rules = campaign.comparison.insurances if campaign.comparison is not None else {}
    table = pd.DataFrame(
        {
            "乡镇": [townships.get(str(c), str(c)) for c in frame["township_code"]],
            "村（社区）": [villages.get(str(c), str(c)) for c in frame["village_code"]],
            "身份证号": [mask_id(str(i)) for i in frame["id_number"]],
        }
    )
    if pairs:
        table["险种"] = [rules[i].name if i in rules else str(i) for i in frame["insurance"]]
        table["原状态"] = [STATUS_NAMES.get(str(s), str(s)) for s in frame["before"]]
        table["现状态"] = [STATUS_NAMES.get(str(s), str(s)) for s in frame["after"]]
    return table


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
    if not compared:
        note = "（各部门数据与上次比对时相同，无变化）"
    elif baseline:
        note = "（首次比对，无上次结果可供对照）"
    elif found.none:
        note = "（无变化）"
    else:
        note = ""
    sheets = [
        Sheet(
            "汇总",
            f"{campaign.county.name}全民参保登记数据交换变化情况（{cn_date(day)}）{note}",
            summary_table(campaign, townships),
            frozenset({"乡镇代码"}),
        )
    ]
    for kind in KINDS:
        frame = getattr(found, kind)
        sheets.append(
            Sheet(
                KIND_NAMES[kind],
                f"{KIND_NAMES[kind]}（{cn_date(day)}，共{len(frame)}条）",
                detail_table(campaign, frame, pairs=kind in ("enrolments", "new_gaps")),
                frozenset({"身份证号"}),
            )
        )
    return write_sheets(path, sheets)


@task(name="publish-exchange", cache_policy=NO_CACHE)
def publish_exchange(
    campaign: Campaign,
    day: date,
    counts: dict[str, int],
    townships: list[dict[str, Any]],
    compared: bool,
    next_on: date,
) -> None:
    lines = [f"# {campaign.county.name}全民参保登记数据交换（{cn_date(day)}）", ""]
    if not any(counts.values()):
        reason = "各部门数据与上次比对时相同" if not compared else "比对结果与上次相同"
        lines.append(f"**无变化**：{reason}。")
    else:
        lines.append("全县：" + "，".join(f"{KIND_NAMES[k]} {counts[k]}" for k in KINDS) + "。")
        lines += ["", "| 乡镇 | " + " | ".join(KIND_NAMES[k] for k in KINDS) + " |"]
        lines.append("|---" * (len(KINDS) + 1) + "|")
        for t in townships:
            if any(t[k] for k in KINDS):
                lines.append(f"| {t['name']} | " + " | ".join(str(t[k]) for k in KINDS) + " |")
    lines += ["", f"下次数据交换：{cn_date(next_on)}。"]
    create_markdown_artifact(
        key="data-exchange", markdown="\n".join(lines), description=f"数据交换变化情况（{cn_date(day)}）"
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
