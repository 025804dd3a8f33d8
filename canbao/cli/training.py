"""`canbao training …`: township training sessions, sign-in sheets and where each township stands.

Quick commands: they read and write the database directly, without Prefect. The importers (pandas, Arrow) load
when an import or the status runs, not with the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from canbao.cli.common import cn_date, emit_json, err, fail, out, parse_date, workspace

if TYPE_CHECKING:
    from models.campaign.spec import Campaign
    from tasks.training.imports import ImportReport, Kind

training_app = typer.Typer(help="乡镇级业务培训：培训场次、签到、完成情况", no_args_is_help=True)
sessions_app = typer.Typer(help="培训场次", no_args_is_help=True)
attendance_app = typer.Typer(help="培训签到", no_args_is_help=True)
training_app.add_typer(sessions_app, name="sessions")
training_app.add_typer(attendance_app, name="attendance")

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
    from tasks.training.imports import NoTrainingPlan, training_status

    wanted = parse_date(as_of, "--as-of")
    with workspace() as ws:
        try:
            day, standings = training_status(ws, wanted)
        except NoTrainingPlan as exc:
            fail(escape(str(exc)))
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
    title = f"乡镇级业务培训（截至{cn_date(day)}）"
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


def run_import(kind: Kind, files: list[Path], on: str | None, as_json: bool) -> None:
    from models.runlock import LockHeld
    from tasks.intake.checks import IngestError
    from tasks.training.imports import NoTrainingPlan, import_training_files

    day = parse_date(on, "--on")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        fail(escape(f"找不到文件：{'、'.join(missing)}"))
    with workspace() as ws:
        try:
            with ws.lock(f"training-{kind}"):
                report = import_training_files(ws, kind, files, day)
        except (IngestError, LockHeld, NoTrainingPlan) as exc:
            fail(escape(str(exc)))
        campaign = ws.campaign()[1]
    show_report(kind, report, campaign, as_json)
    if report.rejected and not as_json:
        err.print(f"退回 {report.rejected} 行，请更正后重新导入：{report.rejects_file}", highlight=False)


def show_report(kind: Kind, report: ImportReport, campaign: Campaign, as_json: bool) -> None:
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
    for file, row, reason in report.rejects[:SHOWN_REJECTS]:
        err.print(escape(f"  {Path(file).name} 第 {row} 行：{mask_text(reason)}"), highlight=False)
    if len(report.rejects) > SHOWN_REJECTS:
        err.print(f"  ……另有 {len(report.rejects) - SHOWN_REJECTS} 行，见退回表", highlight=False)
    names = campaign.owner_names()
    milestone = campaign.milestone(campaign.training.milestone) if campaign.training else None
    for code, done_on in report.completed:
        label = milestone.name if milestone else "培训"
        err.print(f"{names[code]} 参训人数已达到要求：“{label}”记为{cn_date(done_on)}完成", highlight=False)
