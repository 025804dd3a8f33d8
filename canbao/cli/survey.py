"""`canbao survey …`: visits from the field, the corrections they found for the departments, a person's changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from canbao.cli.common import Json, emit_json, err, fail, out, parse_date, print_import, run_flow, workspace
from tasks.workspace import today_in

survey_app: typer.Typer = typer.Typer(help="入户调查", no_args_is_help=True)


@survey_app.command("import")
def survey_import(
    files: list[Path] = typer.Argument(..., help="村（社区）交回的入户调查名单（.xlsx、.xls、.csv），可多个"),
    on: str = typer.Option(None, "--on", help="收到日期（YYYY-MM-DD），默认今天；走访日期空白时按此日期"),
    as_json: bool = Json,
) -> None:
    """导入交回的入户调查名单：记录走访结果、更新参保登记信息（不合格的行写入退回表）。"""
    day = parse_date(on, "--on")
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
    """按部门导出入户调查发现的数据问题（错误信息反馈清单），供各部门更正。"""
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
        return
    table = Table("部门", "问题条数", "清单")
    for item in result["departments"].values():
        table.add_row(item["department"], str(item["rows"]), item["file"])
    out.print(table)


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
