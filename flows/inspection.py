"""Spot checks (督查抽查): drawing a sample, importing the inspectors' results, the townships' error rates.

Plain functions, no Prefect: a sample is a few dozen rows and a returned workbook a few hundred, so the
commands answer at once. The rules are in tasks.inspection.spot_checks; this module loads, calls and saves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import Session

from models.campaign.spec import Campaign, Township
from models.exports import log_exports
from models.inspection import (
    SpotCheck,
    SpotExport,
    SpotSample,
    SpotSampleItem,
    person_details,
    recorded_checks,
    sample_keys,
    sample_members,
    township_visits,
)
from tasks.inspection.spot_checks import (
    CHECK_COLUMNS,
    TownshipRate,
    check_results,
    default_seed,
    draw_sample,
    error_rates,
    spot_check_source,
)
from tasks.intake.ingest import IngestError, read_source
from tasks.intake.returned import write_returned_rejects
from tasks.survey.worklists import write_table
from tasks.workspace import Workspace, today_in

SAMPLE_FIELDS = ("township", "as_of", "seed", "size", "drawn", "villages", "file", "sample_id")
IMPORT_FIELDS = ("files", "rows_read", "recorded", "rejected", "duplicates", "rejects_file", "pending")
SHEET_COLUMNS = ("序号", "村（社区）", "姓名", "身份证号", "户号", "走访结果", "走访日期", "走访人",
                 "核查结果", "核查说明", "核查人", "核查日期", "抽查编号")  # fmt: skip


class InspectionError(LookupError):
    """A spot check cannot be done as asked; the message says why, in Chinese."""


def resolve_township(campaign: Campaign, text: str) -> Township | None:
    """A township by its 9-digit code or its Chinese name."""
    text = text.strip()
    return next((t for t in campaign.townships if text in (t.code, t.name)), None)


@dataclass(frozen=True)
class Drawn:
    sample_id: int
    reused: bool
    frame: pd.DataFrame


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
        raise InspectionError(f"{found.name}截至 {day.isoformat()} 还没有已走访的人员，无法抽查。")
    folder = out or ws.settings.data_path / "inspection" / "samples"
    with ws.session() as session:
        connection = session.connection()
        drawn = _record_sample(session, campaign_id, found.code, day, seed, size, frame)
        details = person_details(connection, campaign_id=campaign_id, ids=sorted(set(frame["id_number"].astype(str))))
        path = folder / f"{day.isoformat()}-{found.name}-第{drawn.sample_id}批督查抽查表.xlsx"
        _write_sample(campaign, found, drawn, details, day, path)
        session.add(SpotExport(campaign_id=campaign_id, sample_id=drawn.sample_id, file=str(path), persons=len(frame)))
        log_exports(session, campaign_id=campaign_id, kind="spot_sample", files=[(path, len(frame))])
        sample = session.get(SpotSample, drawn.sample_id)
        assert sample is not None
        sample.file = str(path)
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


def _record_sample(
    session: Session, campaign_id: int, township: str, day: date, seed: int, size: int, frame: pd.DataFrame
) -> Drawn:
    """The sample drawn before with the same parameters and the same visits, or a new one."""
    keys = set(frame["key"].astype(str))
    earlier = sample_keys(
        session.connection(), campaign_id=campaign_id, township_code=township, as_of=day, seed=seed, size=size
    )
    same = [sample_id for sample_id, drawn in earlier.items() if drawn == keys]
    if same:
        return Drawn(max(same), True, frame)
    sample = SpotSample(
        campaign_id=campaign_id,
        township_code=township,
        as_of=day,
        seed=seed,
        size=size,
        drawn=len(frame),
        villages=int(frame["village_code"].nunique()),
    )
    session.add(sample)
    session.flush()
    assert sample.id is not None
    for position, row in enumerate(frame.itertuples(index=False), start=1):
        session.add(
            SpotSampleItem(
                sample_id=sample.id,
                position=position,
                visit_key=str(row.key),
                id_number=str(row.id_number),
                township_code=str(row.township_code),
                village_code=str(row.village_code),
                outcome=str(row.outcome),
                visited_on=_as_date(row.visited_on),
                visitor=str(row.visitor or ""),
            )
        )
    session.flush()
    return Drawn(sample.id, False, frame)


def _write_sample(
    campaign: Campaign,
    township: Township,
    drawn: Drawn,
    details: dict[str, tuple[str, str]],
    day: date,
    path: Path,
) -> Path:
    frame = drawn.frame
    villages = campaign.village_names()
    outcomes = campaign.survey.outcomes
    ids = frame["id_number"].astype(str).tolist()
    sheet = pd.DataFrame(
        {
            "序号": range(1, len(frame) + 1),
            "村（社区）": [villages.get(str(v), str(v)) for v in frame["village_code"]],
            "姓名": [details.get(i, ("", ""))[0] for i in ids],
            "身份证号": ids,
            "户号": [details.get(i, ("", ""))[1] for i in ids],
            "走访结果": [outcomes[str(o)].name if str(o) in outcomes else str(o) for o in frame["outcome"]],
            "走访日期": [_as_date(v).isoformat() for v in frame["visited_on"]],
            "走访人": [str(v or "") for v in frame["visitor"]],
            "核查结果": "",
            "核查说明": "",
            "核查人": "",
            "核查日期": "",
            "抽查编号": str(drawn.sample_id),
        },
        columns=list(SHEET_COLUMNS),
    )
    results = "、".join(r.name for r in campaign.inspection.results.values())
    title = (
        f"{campaign.county.name}{township.name}全民参保登记入户调查督查抽查表（第{drawn.sample_id}批，"
        f"截至{day.year}年{day.month}月{day.day}日，共{len(frame)}人；核查结果填：{results}）"
    )
    text_columns = {"身份证号", "户号", "走访日期", "核查日期", "抽查编号"}
    return write_table(sheet, path, "督查抽查", title, text_columns=text_columns)


def _as_date(value: Any) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# -- results ------------------------------------------------------------------------------------------------


def import_spot_checks(ws: Workspace, files: Sequence[str], received_on: date | None = None) -> dict[str, Any]:
    """Record the results of returned spot-check workbooks; rows that cannot be used go to a rejects workbook."""
    campaign_id, campaign = ws.campaign()
    day = received_on or today_in(campaign)
    paths = [Path(f) for f in files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise IngestError(f"找不到文件：{'、'.join(missing)}")
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
        for check in rows.checks.to_dict("records"):
            session.add(
                SpotCheck(
                    campaign_id=campaign_id,
                    **{k: v for k, v in check.items() if k not in ("file", "sheet", "row")},
                    source_file=check["file"],
                    source_sheet=check["sheet"],
                    source_row=check["row"],
                )
            )
    return {
        "files": [str(p) for p in paths],
        "rows_read": result.rows_read,
        "recorded": len(rows.checks),
        "rejected": len(rejected),
        "duplicates": result.duplicates + rows.duplicates,
        "rejects_file": rejects_file,
        "pending": rows.pending,
    }


# -- error rates ----------------------------------------------------------------------------------------------


def township_rates(ws: Workspace, as_of: date) -> tuple[Campaign, list[TownshipRate]]:
    campaign_id, campaign = ws.campaign()
    with ws.engine.connect() as connection:
        checks = recorded_checks(connection, campaign_id=campaign_id)
    return campaign, error_rates(checks, campaign.township_codes, as_of)


def inspection_error_rates(ws: Workspace, as_of: date) -> dict[str, float | None]:
    """Township code → spot-check error rate as of a day, None for a township never checked (for scoring)."""
    _campaign, rates = township_rates(ws, as_of)
    return {rate.code: rate.error_rate for rate in rates}
