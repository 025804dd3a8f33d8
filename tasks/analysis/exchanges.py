"""A data exchange's inputs and report: the statuses the latest comparison left, whether the active deliveries
changed since, and the report of what changed (a workbook with ID numbers masked, and the text of the
Prefect artifact)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from models import crud
from models.campaign.spec import Campaign
from models.registry import person_columns
from models.survey.visits import ids_with_outcomes
from tasks.analysis import status_snapshots
from tasks.analysis.exchange import KIND_NAMES, KINDS, PAIR_KINDS, STATUS_COLUMNS, STATUS_NAMES, Changes
from tasks.identity.masking import mask_id
from tasks.intake import snapshots
from tasks.survey.worklists import Sheet, write_sheets
from tasks.wording.render import cn_date
from tasks.workspace import Workspace


def previous_statuses(ws: Workspace, campaign_id: int) -> tuple[int | None, pd.DataFrame | None]:
    """The latest comparison's id and per-person statuses: its snapshot, or (for a comparison made before
    snapshots were kept) the registration database as it stands."""
    with ws.session() as session:
        run = crud.latest_comparison(session, campaign_id=campaign_id)
    if run is None or run.id is None:
        return None, None
    kept = status_snapshots.load_status_snapshot(ws.settings.data_path, campaign_id=campaign_id, compare_run_id=run.id)
    if kept is not None:
        return run.id, kept
    with ws.engine.connect() as connection:
        return run.id, person_columns(connection, campaign_id=campaign_id, columns=STATUS_COLUMNS)


def registered_ids(ws: Workspace, through: date) -> set[str]:
    """The ID numbers registered in a visit made by `through` (the outcomes that register)."""
    campaign_id, campaign = ws.campaign()
    codes = [code for code, outcome in campaign.survey.outcomes.items() if outcome.registers]
    with ws.engine.connect() as connection:
        return ids_with_outcomes(connection, campaign_id=campaign_id, outcomes=codes, through=through)


def deliveries_changed(ws: Workspace) -> bool:
    """Whether the active deliveries differ from those the latest comparison used."""
    campaign_id, _campaign = ws.campaign()
    with ws.session() as session:
        run = crud.latest_comparison(session, campaign_id=campaign_id)
        active = snapshots.active_snapshot_ids(session, campaign_id=campaign_id)
    if run is None:
        return True
    return {k: int(v) for k, v in json.loads(run.snapshots).items()} != active


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


def write_exchange_report(
    path: Path,
    campaign: Campaign,
    found: Changes,
    townships: list[dict[str, Any]],
    day: date,
    compared: bool,
    baseline: bool,
) -> Path:
    """The summary sheet per township and one sheet per kind of change."""
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
                detail_table(campaign, frame, pairs=kind in PAIR_KINDS),
                frozenset({"身份证号"}),
            )
        )
    return write_sheets(path, sheets)


def exchange_markdown(
    campaign: Campaign,
    day: date,
    counts: dict[str, int],
    townships: list[dict[str, Any]],
    compared: bool,
    next_on: date,
) -> str:
    """The county's changes and the townships that have any, for the Prefect UI."""
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
    return "\n".join(lines)
