"""Importing training files (`canbao training sessions import`, `attendance import`) and where each township's
training stands: read, write the rejects workbook, record (all or nothing), and complete the training milestone of
the townships whose attendance now reaches the required number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from models import crud
from models import training as db
from models.campaign.spec import Campaign
from models.campaign.values import AttendanceRow, SessionRow
from tasks.intake.snapshots import digest_files
from tasks.training import recording
from tasks.training.sheets import TrainingImport, read_attendance, read_sessions, write_training_rejects
from tasks.training.standings import TrainingStanding, training_completions
from tasks.workspace import Workspace, today_in

AUTO_RECORDER = "系统（培训签到导入）"
IMPORT_FIELDS = ("files", "rows_read", "recorded", "rejected", "duplicates", "rejects_file")
TITLES = {"sessions": "培训场次", "attendance": "培训签到"}

Kind = Literal["sessions", "attendance"]


class NoTrainingPlan(ValueError):
    """The campaign file has no [training] section."""


@dataclass(frozen=True)
class ImportReport:
    files: list[str]
    rows_read: int
    recorded: int
    rejected: int
    duplicates: int  # repeated in the files, or already recorded as they are
    rejects_file: str | None
    completed: list[tuple[str, date]]  # townships whose milestone this import completed
    rejects: list[tuple[str, int, str]]  # each rejected row's file, row number and reason

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in IMPORT_FIELDS}


def require_training(campaign: Campaign) -> None:
    if campaign.training is None:
        raise NoTrainingPlan(
            "活动计划中没有 [training]（乡镇级业务培训）的设置，请在活动计划文件中添加后运行 canbao init"
        )


def training_status(ws: Workspace, as_of: date | None) -> tuple[date, list[TrainingStanding]]:
    """Where each township's training stands on `as_of` (default: today where the campaign runs)."""
    campaign_id, campaign, completions = ws.state()
    require_training(campaign)
    day = as_of or today_in(campaign)
    with ws.session() as session:
        standings = recording.standings(
            session, campaign_id=campaign_id, campaign=campaign, as_of=day, completions=completions
        )
    return day, standings


def import_training_files(ws: Workspace, kind: Kind, files: list[Path], day: date | None) -> ImportReport:
    """Sessions or sign-in sheets from files; the rejects workbook is written before anything is recorded."""
    campaign_id, campaign = ws.campaign()
    require_training(campaign)
    day = day or today_in(campaign)
    completed: list[tuple[str, date]] = []
    result: TrainingImport[SessionRow] | TrainingImport[AttendanceRow]
    if kind == "sessions":
        sessions = result = read_sessions(campaign, files)
        rejects_file = write_rejects(ws, sessions, TITLES[kind], day, files)
        with ws.session() as session:
            recording.sync_campaign_sessions(session, campaign_id=campaign_id, campaign=campaign)
            recorded, unchanged = db.store_sessions(
                session, campaign_id=campaign_id, rows=sessions.accepted, booked_on=day
            )
    else:
        with ws.session() as session:
            recording.sync_campaign_sessions(session, campaign_id=campaign_id, campaign=campaign)
            booked = {(b.township_code, b.held_on) for b in db.bookings(session, campaign_id=campaign_id)}
        attendance = result = read_attendance(campaign, files, imported_on=day, booked=booked)
        rejects_file = write_rejects(ws, attendance, TITLES[kind], day, files)
        with ws.session() as session:
            recorded, unchanged = db.store_attendance(
                session, campaign_id=campaign_id, rows=attendance.accepted, imported_on=day
            )
            done = {(c.milestone, c.owner) for c in crud.completions(session, campaign_id=campaign_id)}
            standings = recording.standings(session, campaign_id=campaign_id, campaign=campaign, as_of=day)
            facts = [f for f in training_completions(campaign, standings) if (f.milestone, f.owner) not in done]
            crud.record_missing_completions(session, campaign_id=campaign_id, facts=facts, by=AUTO_RECORDER)
            completed = [(f.owner, f.done_on) for f in facts]
    return ImportReport(
        files=result.files,
        rows_read=result.rows_read,
        recorded=recorded,
        rejected=len(result.rejected),
        duplicates=result.duplicates + unchanged,
        rejects_file=rejects_file,
        completed=completed,
        rejects=[(r.file, r.row, r.reason) for r in result.rejected],
    )


def write_rejects(
    ws: Workspace,
    result: TrainingImport[SessionRow] | TrainingImport[AttendanceRow],
    title: str,
    day: date,
    files: list[Path],
) -> str | None:
    """The rejects workbook, when some rows were rejected or are to be checked; named by the files' content."""
    if not result.rejected and not any(isinstance(r, AttendanceRow) and r.issue for r in result.accepted):
        return None
    folder = ws.settings.data_path / "rejects" / "training"
    name = f"{title}-退回-{day.isoformat()}-{digest_files(files)[:8]}.xlsx"
    return str(write_training_rejects(result, folder / name, title))
