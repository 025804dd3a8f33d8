"""`canbao survey …`: visits from the field, the corrections they found for the departments, a person's changes."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from canbao.cli.common import (
    Json,
    check_before_flow,
    emit_json,
    err,
    fail,
    out,
    parse_date,
    print_import,
    run_flow,
    today_in,
    workspace,
)

survey_app: typer.Typer = typer.Typer(help="入户调查", no_args_is_help=True)


@survey_app.command("import")
def survey_import(
    files: list[Path] = typer.Argument(..., help="村（社区）交回的入户调查名单（.xlsx、.xls、.csv），可多个"),
    on: str = typer.Option(None, "--on", help="收到日期（YYYY-MM-DD），默认今天；走访日期空白时按此日期"),
    as_json: bool = Json,
) -> None:
    """导入交回的入户调查名单：记录走访结果、更新参保登记信息（不合格的行写入退回表）。"""
    day = parse_date(on, "--on")
    from tasks.intake.checks import existing_files

    check_before_flow(lambda _campaign: existing_files(files))
    from flows.survey import IMPORT_FIELDS, NoWorklists, import_visits

    try:
        result = run_flow(import_visits, files=[str(f) for f in files], received_on=day)
    except NoWorklists as exc:
        fail(str(exc))
    if as_json:
        emit_json({**{k: result[k] for k in IMPORT_FIELDS}, "pending": result["pending"], "changes": result["changes"]})
        return
    print_import(result, {"changes": "信息变更"})
    warn_uncarded_visits(day)


def warn_uncarded_visits(day: date | None) -> None:
    """Once the county keeps a register of investigator cards, say how many visits so far were made by a worker
    without a valid card for the village (the list: `canbao survey cards check`)."""
    from tasks.survey.card_register import check_visits, stored_cards

    with workspace() as ws:
        if not stored_cards(ws):
            return
        result = check_visits(ws, day)
    if result["without_card"]:
        err.print(
            f"[yellow]注意：[/]已收到的走访中有 {result['without_card']} 次的走访人员未持该村（社区）有效的入户调查证"
            "（canbao survey cards check 查看）。",
            highlight=False,
        )


@survey_app.command("corrections")
def survey_corrections(
    out_dir: Path = typer.Option(None, "--out", help="输出文件夹，默认 var/survey/corrections/<日期>"),
    as_json: bool = Json,
) -> None:
    """按部门导出入户调查发现的数据问题（错误信息反馈清单），供各部门更正；按乡镇导出需跟进、核实的人员（跟进名单）。"""
    from tasks.survey.corrections import export_corrections

    with workspace() as ws:
        _cid, campaign = ws.campaign()
        folder = out_dir or ws.settings.data_path / "survey" / "corrections" / today_in(campaign).isoformat()
        result = export_corrections(ws, folder)
    if as_json:
        emit_json(result)
        return
    if not result["departments"]:
        out.print("入户调查尚未发现需要部门更正的数据问题。")
    else:
        table = Table("部门", "问题条数", "清单")
        for item in result["departments"].values():
            table.add_row(item["department"], str(item["rows"]), item["file"])
        out.print(table)
    if result["townships"]:
        follow = Table("乡镇", "需跟进、核实人数", "跟进名单")
        for item in result["townships"].values():
            follow.add_row(item["township"], str(item["rows"]), item["file"])
        out.print(follow)


@survey_app.command("audit")
def survey_audit(
    id_number: str = typer.Argument(..., help="身份证号"),
    as_json: bool = Json,
) -> None:
    """一个人的参保登记信息变更记录（谁、何时、改前、改后）；电话和身份证号按规定遮盖。"""
    from tasks.identity.idnumber import validate_id
    from tasks.identity.masking import mask_id
    from tasks.survey.changes import masked_person_changes

    check = validate_id(id_number)
    if not check.ok or check.id is None:
        fail(f"身份证号无效：{check.reason}")
    wanted = check.id
    with workspace() as ws:
        shown = masked_person_changes(ws, wanted)
    if as_json:
        emit_json({"id_number": mask_id(wanted), "changes": shown})
        return
    if not shown:
        err.print(f"{mask_id(wanted)} 没有变更记录。", highlight=False)
        return
    table = Table("时间", "项目", "改前", "改后", "变更人", "渠道")
    for c in shown:
        table.add_row(c["changed_at"][:19], c["field"], c["before"], c["after"], c["changed_by"], c["channel"])
    out.print(table)


@survey_app.command("confirm")
def survey_confirm(
    township: str = typer.Argument(..., help="乡镇代码或名称"),
    ids: list[str] = typer.Argument(None, help="经乡镇核实的人员身份证号，可多个；不填则只列出待核实的人员"),
    everything: bool = typer.Option(False, "--all", help="确认该乡镇全部待核实的走访结果"),
    by: str = typer.Option("", "--by", help="核实人（乡镇经办人）"),
    on: str = typer.Option(None, "--on", help="核实日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """乡镇核实“查无此人”等走访结果：确认后才列入公安等部门的错误信息反馈清单（canbao survey corrections）。"""
    from tasks.survey.confirmations import ConfirmationError, confirm_findings

    day = parse_date(on, "--on")
    with workspace() as ws:
        _cid, campaign = ws.campaign()
        try:
            result = confirm_findings(
                ws, township, ids or [], everything=everything, by=by, on=day or today_in(campaign)
            )
        except ConfirmationError as exc:
            fail(str(exc))
    if as_json:
        emit_json({"township": result.township, "confirmed": result.confirmed, "waiting": result.waiting})
        return
    if result.confirmed:
        out.print(f"{result.township}已核实确认 {len(result.confirmed)} 条走访结果。")
    title = f"{result.township}待核实的走访结果"
    table = Table("身份证号", "村（社区）", "走访结果", "走访日期", "走访人", title=title)
    for r in result.waiting:
        table.add_row(r["id_number"], r["village"], r["finding"], r["visited_on"], r["visitor"])
    out.print(table if result.waiting else f"{result.township}没有待核实的走访结果。")


@survey_app.command("review")
def survey_review(
    township: str = typer.Argument(..., help="乡镇代码或名称"),
    village: str | None = typer.Option(None, "--village", help="只看（或核实）一个村（社区），填其代码"),
    confirm: bool = typer.Option(False, "--confirm", help="核实该村（社区）全部待核实的走访记录（须同时给 --village）"),
    returned: list[str] = typer.Option(
        None, "--return", help="退回一条走访记录：编号=原因（如 12=走访日期有误），可多次；须同时给 --village"
    ),
    on: str = typer.Option(None, "--on", help="核实日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """乡镇督促核实：列出本乡镇各村（社区）已录入、尚未核实的走访记录；核实或退回（退回的由村里更正后重新录入）。"""
    from tasks.survey.reviews import ReviewError, pending_reviews, review_village, township_of

    day = parse_date(on, "--on")
    with workspace() as ws:
        _cid, campaign = ws.campaign()
        try:
            code = township_of(campaign, township)
            if confirm or returned:
                if village is None:
                    raise ReviewError("核实或退回须用 --village 指明村（社区）")
                reasons = _returned_reasons(returned or [])
                done = review_village(ws, code, village, returned=reasons, on=day or today_in(campaign),
                                      by=f"cli:{getpass.getuser()}")  # fmt: skip
                err.print(f"已核实 {done.confirmed} 条，退回 {done.returned} 条。", highlight=False)
            rows = pending_reviews(ws, code, village)
        except ReviewError as exc:
            fail(str(exc))
    if as_json:
        emit_json(rows)
        return
    table = Table("编号", "村（社区）", "身份证号", "走访结果", "走访日期", "走访人", title="待核实的走访记录")
    for r in rows:
        table.add_row(str(r["visit_id"]), r["village_name"], r["id_number"], r["outcome_name"], r["visited_on"],
                      r["visitor"])  # fmt: skip
    out.print(table if rows else "没有待核实的走访记录。")


def _returned_reasons(items: list[str]) -> dict[int, str]:
    from tasks.survey.reviews import ReviewError

    reasons: dict[int, str] = {}
    for item in items:
        number, sep, reason = item.partition("=")
        if not sep or not number.strip().isdigit() or not reason.strip():
            raise ReviewError(f"--return 的值“{item}”应为 编号=原因（如 12=走访日期有误）")
        reasons[int(number)] = reason.strip()
    return reasons
