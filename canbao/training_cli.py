"""`canbao training …`: township training sessions, sign-in sheets and where each township stands.

Quick commands: they read and write the database directly, without Prefect. The shared helpers of the command
line (errors, JSON, the workspace) are imported when a command runs, as canbao.cli imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

if TYPE_CHECKING:
    from models.campaign.spec import Campaign
    from tasks.training.sheets import AttendanceRow, SessionRow, TrainingImport
    from tasks.workspace import Workspace

training_app = typer.Typer(help="乡镇级业务培训：培训场次、签到、完成情况", no_args_is_help=True)
sessions_app = typer.Typer(help="培训场次", no_args_is_help=True)
attendance_app = typer.Typer(help="培训签到", no_args_is_help=True)
training_app.add_typer(sessions_app, name="sessions")
training_app.add_typer(attendance_app, name="attendance")

AUTO_RECORDER = "系统（培训签到导入）"
IMPORT_FIELDS = ("files", "rows_read", "recorded", "rejected", "duplicates", "rejects_file")
SHOWN_REJECTS = 20

Files = Annotated[list[Path], typer.Argument(help="文件（.xlsx、.xls、.csv），可多个（如每个乡镇一个）")]
Json = Annotated[bool, typer.Option("--json", help="输出 JSON（标准输出只有 JSON）")]


@sessions_app.command("import")
def import_sessions(
    files: Files,
    on: Annotated[str | None, typer.Option("--on", help="登记日期（YYYY-MM-DD），默认今天")] = None,
    as_json: Json = False,
) -> None:
    """导入培训场次（乡镇、培训日期、地点、授课人、容量）；不合格的行写入退回表。"""
    run_import("sessions", files, on, as_json)


@attendance_app.command("import")
def import_attendance(
    files: Files,
    on: Annotated[str | None, typer.Option("--on", help="导入日期（YYYY-MM-DD），默认今天")] = None,
    as_json: Json = False,
) -> None:
    """导入培训签到表（乡镇、培训日期、姓名、单位、职务、联系电话、是否参训）；参训人数达到要求的乡镇记为完成培训节点。"""
    run_import("attendance", files, on, as_json)


@training_app.command("status")
def status(
    as_of: Annotated[str | None, typer.Option("--as-of", help="按哪一天计算（YYYY-MM-DD），默认今天")] = None,
    as_json: Json = False,
) -> None:
    """各乡镇的培训场次、参训人数、是否完成，以及需要提醒的原因。"""
    from canbao.cli import emit_json, err, out, parse_date, workspace
    from models import training as db
    from tasks.workspace import today_in

    day = parse_date(as_of, "--as-of")
    with workspace() as ws:
        campaign_id, campaign, completions = ws.state()
        require_training(campaign)
        db.ensure_tables(ws.engine)
        day = day or today_in(campaign)
        with ws.session() as session:
            standings = db.standings(
                session, campaign_id=campaign_id, campaign=campaign, as_of=day, completions=completions
            )
    rows = [
        {
            "code": s.code,
            "name": s.name,
            "sessions": s.sessions,
            "attended": s.attended,
            "required": s.required,
            "trained": s.trained,
            "reason": s.reason_text,
        }
        for s in standings
    ]
    if as_json:
        emit_json({"as_of": day.isoformat(), "townships": rows})
        return
    from rich.table import Table

    title = f"乡镇级业务培训（截至 {day.isoformat()}）"
    table = Table("乡镇", "场次", "参训人数", "应参训", "完成", "需提醒", title=title)
    for r in rows:
        table.add_row(
            str(r["name"]),
            str(r["sessions"]),
            str(r["attended"]),
            str(r["required"]),
            "[green]是[/]" if r["trained"] else "否",
            str(r["reason"] or ""),
        )
    out.print(table)
    trained = sum(bool(r["trained"]) for r in rows)
    err.print(f"已完成培训的乡镇 {trained} 个，共 {len(rows)} 个。", highlight=False)


# -- imports -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    files: list[str]
    rows_read: int
    recorded: int
    rejected: int
    duplicates: int  # repeated in the files, or already recorded as they are
    rejects_file: str | None
    completed: list[tuple[str, date]]  # townships whose milestone this import completed

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in IMPORT_FIELDS}


def run_import(kind: str, files: list[Path], on: str | None, as_json: bool) -> None:
    from canbao.cli import err, fail, parse_date, workspace
    from tasks.intake.ingest import IngestError

    day = parse_date(on, "--on")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        fail(escape(f"找不到文件：{'、'.join(missing)}"))
    from models.runlock import LockHeld

    with workspace() as ws:
        try:
            with ws.lock(f"training-{kind}"):
                report, rejects = import_files(ws, kind, files, day)
        except (IngestError, LockHeld) as exc:
            fail(escape(str(exc)))
        campaign = ws.campaign()[1]
    show_report(kind, report, rejects, campaign, as_json)
    if report.rejected and not as_json:
        err.print(f"退回 {report.rejected} 行，请更正后重新导入：{report.rejects_file}", highlight=False)


def import_files(
    ws: Workspace, kind: str, files: list[Path], day: date | None
) -> tuple[ImportReport, list[tuple[str, int, str]]]:
    """Read, write the rejects workbook, record (all or nothing); the report and the rejects' locations."""
    from models import crud
    from models import training as db
    from tasks.training.sheets import read_attendance, read_sessions
    from tasks.training.standings import training_completions
    from tasks.workspace import today_in

    campaign_id, campaign = ws.campaign()
    require_training(campaign)
    db.ensure_tables(ws.engine)
    day = day or today_in(campaign)
    completed: list[tuple[str, date]] = []
    result: TrainingImport[SessionRow] | TrainingImport[AttendanceRow]
    if kind == "sessions":
        sessions = result = read_sessions(campaign, files)
        rejects_file = write_rejects(ws, sessions, "培训场次", day, files)
        with ws.session() as session:
            db.sync_campaign_sessions(session, campaign_id=campaign_id, campaign=campaign)
            recorded, unchanged = db.store_sessions(
                session, campaign_id=campaign_id, rows=sessions.accepted, booked_on=day
            )
    else:
        with ws.session() as session:
            db.sync_campaign_sessions(session, campaign_id=campaign_id, campaign=campaign)
            booked = {(b.township_code, b.held_on) for b in db.bookings(session, campaign_id=campaign_id)}
        attendance = result = read_attendance(campaign, files, imported_on=day, booked=booked)
        rejects_file = write_rejects(ws, attendance, "培训签到", day, files)
        with ws.session() as session:
            recorded, unchanged = db.store_attendance(
                session, campaign_id=campaign_id, rows=attendance.accepted, imported_on=day
            )
            done = {(c.milestone, c.owner) for c in crud.completions(session, campaign_id=campaign_id)}
            standings = db.standings(session, campaign_id=campaign_id, campaign=campaign, as_of=day)
            facts = [f for f in training_completions(campaign, standings) if (f.milestone, f.owner) not in done]
            crud.record_missing_completions(session, campaign_id=campaign_id, facts=facts, by=AUTO_RECORDER)
            completed = [(f.owner, f.done_on) for f in facts]
    report = ImportReport(
        files=result.files,
        rows_read=result.rows_read,
        recorded=recorded,
        rejected=len(result.rejected),
        duplicates=result.duplicates + unchanged,
        rejects_file=rejects_file,
        completed=completed,
    )
    return report, [(r.file, r.row, r.reason) for r in result.rejected]


def write_rejects(
    ws: Workspace,
    result: TrainingImport[SessionRow] | TrainingImport[AttendanceRow],
    title: str,
    day: date,
    files: list[Path],
) -> str | None:
    """The rejects workbook, when some rows were rejected or are to be checked."""
    from tasks.intake.snapshots import digest_files
    from tasks.training.sheets import AttendanceRow, write_training_rejects

    if not result.rejected and not any(isinstance(r, AttendanceRow) and r.issue for r in result.accepted):
        return None
    folder = ws.settings.data_path / "rejects" / "training"
    name = f"{title}-退回-{day.isoformat()}-{digest_files(files)[:8]}.xlsx"
    return str(write_training_rejects(result, folder / name, title))


def show_report(
    kind: str, report: ImportReport, rejects: list[tuple[str, int, str]], campaign: Campaign, as_json: bool
) -> None:
    from rich.table import Table

    from canbao.cli import emit_json, err, out
    from tasks.identity.masking import mask_text

    if as_json:
        emit_json(report.to_json())
        return
    what = "培训场次" if kind == "sessions" else "培训签到"
    table = Table("导入", "文件数", "读取", "记录", "退回", "重复（含已导入）", "退回表")
    table.add_row(
        what,
        str(len(report.files)),
        str(report.rows_read),
        str(report.recorded),
        str(report.rejected),
        str(report.duplicates),
        report.rejects_file or "",
    )
    out.print(table)
    for file, row, reason in rejects[:SHOWN_REJECTS]:
        err.print(escape(f"  {Path(file).name} 第 {row} 行：{mask_text(reason)}"), highlight=False)
    if len(rejects) > SHOWN_REJECTS:
        err.print(f"  ……另有 {len(rejects) - SHOWN_REJECTS} 行，见退回表", highlight=False)
    names = campaign.owner_names()
    milestone = campaign.milestone(campaign.training.milestone) if campaign.training else None
    for code, done_on in report.completed:
        label = milestone.name if milestone else "培训"
        err.print(f"{names[code]} 参训人数已达到要求：“{label}”记为 {done_on.isoformat()} 完成", highlight=False)


def require_training(campaign: Campaign) -> None:
    if campaign.training is None:
        from canbao.cli import fail

        fail(escape("活动计划中没有 [training]（乡镇级业务培训）的设置，请在活动计划文件中添加后运行 canbao init"))
