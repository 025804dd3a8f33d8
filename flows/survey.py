"""The household survey (入户调查): recording visits from returned work lists, and its progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Connection

from flows.tracking import run_phase_tracking
from models import crud, faults
from models.campaign.spec import Campaign
from models.campaign.values import VisitRecord
from models.exports import log_exports
from models.survey.cutoff import cutoff_of, mark_late_visits
from models.survey.visits import finished_townships, listed_places, unlisted_visit_count, village_counts
from tasks.intake.ingest import IngestError, read_source
from tasks.intake.returned import write_returned_rejects
from tasks.survey.progress_report import Progress, progress_from_counts, window_start
from tasks.survey.recording import record_visits
from tasks.survey.visits import RETURNED_COLUMNS, facts_from_days, returned_list_source, returned_visits
from tasks.workspace import Workspace, today_in

PHASE = "survey"
AUTO_RECORDER = "系统（入户调查）"
IMPORT_FIELDS = ("files", "rows_read", "recorded", "rejected", "duplicates", "rejects_file")


class NoWorklists(LookupError):
    """Visits belong to persons on the work lists; none have been published."""


def load_progress(ws: Workspace, as_of: date) -> tuple[Campaign, Progress]:
    campaign_id, campaign = ws.campaign()
    with ws.engine.connect() as connection:
        return campaign, progress_in_database(connection, campaign_id, campaign, as_of)


def progress_in_database(connection: Connection, campaign_id: int, campaign: Campaign, as_of: date) -> Progress:
    """Survey progress with the counting done by the database (see models.survey.visits.village_counts)."""
    counts = village_counts(
        connection, campaign_id=campaign_id, as_of=as_of, window_start=window_start(campaign, as_of)
    )
    unlisted = unlisted_visit_count(connection, campaign_id=campaign_id, as_of=as_of)
    return progress_from_counts(campaign, counts, unlisted, as_of)


def record_and_complete(ws: Workspace, visits: Sequence[VisitRecord], received_on: date) -> dict[str, int]:
    """Record visits (their person updates and audit entries) and the survey milestones they complete, in one
    transaction."""
    campaign_id, campaign = ws.campaign()
    with ws.session() as session:
        recorded = record_visits(session, campaign_id=campaign_id, visits=visits, survey=campaign.survey)
        faults.reached("survey.recorded")  # visits written, milestones not yet, nothing committed
        # Only the townships of these visits can have finished now, and only those not finished before.
        keys = {m.key for m in campaign.milestones if m.completed_by == "survey"}
        recorded_keys: dict[str, set[str]] = {}
        for c in crud.completions(session, campaign_id=campaign_id):
            recorded_keys.setdefault(c.owner, set()).add(c.milestone)
        touched = sorted({v.township_code for v in visits if not keys <= recorded_keys.get(v.township_code, set())})
        days = finished_townships(session.connection(), campaign_id=campaign_id, townships=touched, as_of=received_on)
        _start, deadline = campaign.survey_window()
        if received_on > deadline:
            # Visits that reach the county after the deadline finish a township late, whatever day they were made.
            days = {t: (max(d, received_on) if d else None) for t, d in days.items()}
            if cutoff_of(session, campaign_id=campaign_id) is not None:
                mark_late_visits(session.connection(), campaign_id=campaign_id, deadline=deadline)
        facts = facts_from_days(campaign, days)
        completed = crud.record_missing_completions(session, campaign_id=campaign_id, facts=facts, by=AUTO_RECORDER)
    return {"recorded": recorded.recorded, "duplicates": recorded.duplicates, "changes": recorded.changes,
            "completed": completed}  # fmt: skip


@task(name="import-returned-lists", cache_policy=NO_CACHE)
def import_returned_lists(ws: Workspace, files: Sequence[str], received_on: date | None) -> dict[str, Any]:
    campaign_id, campaign = ws.campaign()
    day = received_on or today_in(campaign)
    paths = [Path(f) for f in files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise IngestError(f"找不到文件：{'、'.join(missing)}")
    with ws.engine.connect() as connection:
        listed = listed_places(connection, campaign_id=campaign_id)
    if not listed:
        raise NoWorklists("还没有下发入户调查名单，请先运行 canbao worklists")
    result = read_source(returned_list_source(campaign), paths, campaign, as_of=day)
    rows = returned_visits(result.accepted, campaign, listed, day)
    rejected = pd.concat([result.rejected, rows.rejected], ignore_index=True) if len(rows.rejected) else result.rejected
    # The rejects first: should writing them fail, nothing is recorded and the same files can simply be imported again.
    rejects_file = write_returned_rejects(
        ws, rejected, paths, day, area="survey", title="入户调查名单", columns=RETURNED_COLUMNS
    )
    outcome = record_and_complete(ws, rows.visits, day)
    summary = {
        "files": [str(p) for p in paths],
        "rows_read": result.rows_read,
        "recorded": outcome["recorded"],
        "rejected": len(rejected),
        "duplicates": result.duplicates + outcome["duplicates"],
        "pending": rows.pending,
        "rejects_file": rejects_file,
        "changes": outcome["changes"],
        "milestones_completed": outcome["completed"],
    }
    get_run_logger().info(
        "入户调查结果：读取 %d 行，记录 %d，退回 %d，重复 %d，未填写 %d",
        summary["rows_read"], summary["recorded"], summary["rejected"], summary["duplicates"], summary["pending"],
    )  # fmt: skip
    return summary


def run_import(ws: Workspace, files: Sequence[str], received_on: date | None = None) -> dict[str, Any]:
    return import_returned_lists(ws, list(files), received_on)


@flow(name="survey-phase")
def survey_phase(as_of: date | None = None) -> dict[str, Any]:
    """Tracks the 入户调查阶段's milestones as of a date (the survey-phase deployment)."""
    ws = Workspace.open()
    try:
        return run_phase_tracking(ws, PHASE, as_of)
    finally:
        ws.close()


@flow(name="import-visits")
def import_visits(files: list[str], received_on: date | None = None) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        with ws.lock("survey-import"):
            return run_import(ws, files, received_on)
    finally:
        ws.close()


CORRECTION_HEADINGS = {
    "id_number": "身份证号", "name": "姓名", "village": "村（社区）", "finding": "核查结果", "field": "更正项目",
    "before": "原信息", "after": "核实后信息", "visited_on": "走访日期", "visitor": "走访人",
}  # fmt: skip


def export_corrections(ws: Workspace, out: Path) -> dict[str, Any]:
    """One workbook per department with what the visits found wrong in its data (错误信息反馈清单)."""
    from models.survey.visits import person_changes_before, visit_records
    from tasks.survey.visits import correction_lists
    from tasks.survey.worklists import write_table

    campaign_id, campaign = ws.campaign()
    with ws.engine.connect() as connection:
        visits = visit_records(connection, campaign_id=campaign_id)
        registry = person_changes_before(connection, campaign_id=campaign_id, ids=sorted({v.id_number for v in visits}))
    lists = correction_lists(visits, campaign.survey, registry)
    villages = campaign.village_names()
    departments = {d.key: d.name for d in campaign.departments}
    written: dict[str, dict[str, Any]] = {}
    for key, rows in sorted(lists.items()):
        frame = pd.DataFrame(rows)
        frame["village"] = frame["village_code"].map(villages).fillna(frame["village_code"])
        frame = frame[list(CORRECTION_HEADINGS)].rename(columns=CORRECTION_HEADINGS)
        name = departments.get(key, key)
        path = write_table(
            frame,
            out / f"{name}-入户调查错误信息反馈清单.xlsx",
            "反馈清单",
            f"{campaign.county.name}全民参保登记入户调查发现的{name}数据问题（共{len(frame)}条，请核实更正）",
            text_columns={"身份证号", "原信息", "核实后信息"},
        )
        written[key] = {"department": name, "rows": len(frame), "file": str(path)}
    with ws.session() as session:
        log_exports(session, campaign_id=campaign_id, kind="corrections",
                    files=[(Path(w["file"]), w["rows"]) for w in written.values()])  # fmt: skip
    return {"out": str(out), "departments": written}
