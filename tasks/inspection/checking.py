"""Spot checks (督查抽查): drawing a sample and importing the inspectors' results (the error rates are
tasks.inspection.rates').

Use cases the CLI calls directly, without a flow: a sample is a few dozen rows and a returned workbook a few
hundred, so the commands answer at once. The rules are in tasks.inspection.spot_checks; this module loads,
calls and saves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from models.campaign.spec import Campaign, Township
from models.exports import log_exports
from models.inspection import person_details, recorded_checks, sample_members, township_visits
from models.inspection_records import add_spot_checks, record_spot_export
from tasks.inspection.samples import record_sample, write_sample
from tasks.inspection.spot_checks import CHECK_COLUMNS, check_results, default_seed, draw_sample, spot_check_source
from tasks.intake.ingest import existing_files, read_source
from tasks.intake.returned import write_returned_rejects
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in

SAMPLE_FIELDS = ("township", "as_of", "seed", "size", "drawn", "villages", "file", "sample_id")
IMPORT_FIELDS = ("files", "rows_read", "recorded", "rejected", "duplicates", "rejects_file", "pending")


class InspectionError(LookupError):
    """A spot check cannot be done as asked; the message says why, in Chinese."""


def resolve_township(campaign: Campaign, text: str) -> Township | None:
    """A township by its 9-digit code or its Chinese name."""
    text = text.strip()
    return next((t for t in campaign.townships if text in (t.code, t.name)), None)


def draw_spot_sample(
    ws: Workspace,
    township: str,
    *,
    as_of: date | None = None,
    size: int | None = None,
    seed: int | None = None,
    out: Path | None = None,
) -> dict[str, Any]:
    """Draw (or draw again) a township's sample, record it and write its workbook for the inspectors."""
    campaign_id, campaign = ws.campaign()
    found = resolve_township(campaign, township)
    if found is None:
        raise InspectionError(f"找不到乡镇“{township}”。请用 9 位乡镇代码或乡镇名称（运行 canbao orgs 查看）。")
    rules = campaign.inspection
    day = as_of or today_in(campaign)
    size = size or rules.sample_size
    if size < rules.min_villages:
        raise InspectionError(
            f"抽查人数 {size} 少于每次抽查至少覆盖的村（社区）数 {rules.min_villages}"
            "（活动计划文件 [inspection] min_villages）"
        )
    seed = default_seed(campaign.key, found.code, day) if seed is None else seed
    with ws.engine.connect() as connection:
        visits = township_visits(connection, campaign_id=campaign_id, township_code=found.code)
    frame = draw_sample(visits, found.code, size, day, seed, rules.weights)
    if frame.empty:
        raise InspectionError(f"{found.name}截至{cn_date(day)}还没有已走访的人员，无法抽查。")
    folder = out or ws.settings.data_path / "inspection" / "samples"
    with ws.session() as session:
        connection = session.connection()
        drawn = record_sample(session, campaign_id, found.code, day, seed, size, frame)
        details = person_details(connection, campaign_id=campaign_id, ids=sorted(set(frame["id_number"].astype(str))))
        path = folder / f"{day.isoformat()}-{found.name}-第{drawn.sample_id}批督查抽查表.xlsx"
        write_sample(campaign, found, drawn, details, day, path)
        record_spot_export(session, campaign_id=campaign_id, sample_id=drawn.sample_id, file=path, persons=len(frame))
        log_exports(session, campaign_id=campaign_id, kind="spot_sample", files=[(path, len(frame))])
    return {
        "township": found.code,
        "as_of": day.isoformat(),
        "seed": seed,
        "size": size,
        "drawn": len(frame),
        "villages": int(frame["village_code"].nunique()),
        "file": str(path),
        "sample_id": drawn.sample_id,
        "reused": drawn.reused,
    }


# -- results ------------------------------------------------------------------------------------------------


def import_spot_checks(ws: Workspace, files: Sequence[str], received_on: date | None = None) -> dict[str, Any]:
    """Record the results of returned spot-check workbooks; rows that cannot be used go to a rejects workbook."""
    campaign_id, campaign = ws.campaign()
    day = received_on or today_in(campaign)
    paths = existing_files(files)
    with ws.engine.connect() as connection:
        members = sample_members(connection, campaign_id=campaign_id)
    if members.empty:
        raise InspectionError("还没有抽取督查样本，请先运行 canbao inspect sample")
    result = read_source(spot_check_source(campaign), paths, campaign, as_of=day)
    with ws.session() as session:
        recorded = recorded_checks(session.connection(), campaign_id=campaign_id)
        rows = check_results(result.accepted, campaign.inspection, members, recorded, day)
        parts = [f for f in (result.rejected, rows.rejected) if len(f)]
        rejected = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else result.rejected)
        # The rejects first: should writing them fail, nothing is recorded and the same files can be imported again.
        rejects_file = write_returned_rejects(
            ws, rejected, paths, day, area="inspection", title="督查抽查结果", columns=CHECK_COLUMNS
        )
        add_spot_checks(session, campaign_id=campaign_id, checks=rows.checks.to_dict("records"))
    return {
        "files": [str(p) for p in paths],
        "rows_read": result.rows_read,
        "recorded": len(rows.checks),
        "rejected": len(rejected),
        "duplicates": result.duplicates + rows.duplicates,
        "rejects_file": rejects_file,
        "pending": rows.pending,
    }
