"""`canbao survey cards …`: the register of investigator cards (入户调查证, 四（一）): list it, import a register
workbook, issue and revoke a card, print a village's cards, and find the visits made without a valid card."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from canbao.cli.common import AsOf, Json, cn_date, emit_json, err, fail, out, parse_date, workspace

cards_app: typer.Typer = typer.Typer(
    help="入户调查证：登记、发放、收回、打印，查走访人员是否持证", invoke_without_command=True
)
SHOWN_REJECTS = 20


@cards_app.callback()
def cards_list(
    ctx: typer.Context,
    village: str = typer.Option(None, "--village", help="只看一个村（社区）：12 位代码、村名或“乡镇名/村名”"),
    as_of: str = AsOf,
    as_json: bool = Json,
) -> None:
    """入户调查证登记（证号、持证人、村（社区）、发证日期、收回日期）；不带子命令时列出。"""
    if ctx.invoked_subcommand is not None:
        return
    from tasks.survey.card_register import list_cards
    from tasks.survey.cards import CardError

    day = parse_date(as_of, "--as-of")
    with workspace() as ws:
        try:
            result = list_cards(ws, day, village)
        except CardError as exc:
            fail(escape(str(exc)))
    if as_json:
        emit_json(result)
        return
    table = Table(
        "证号",
        "持证人",
        "乡镇",
        "村（社区）",
        "发证日期",
        "收回",
        title=f"入户调查证（截至{cn_date(result['as_of'])}）",
    )
    for c in result["cards"]:
        revoked = f"{cn_date(c['revoked_on'])}收回 {c['revoked_note']}".strip() if c["revoked_on"] else ""
        table.add_row(c["number"], c["holder"], c["township"], c["village"], cn_date(c["issued_on"]), revoked)
    out.print(table)
    valid = sum(c["valid"] for c in result["cards"])
    err.print(f"共 {len(result['cards'])} 张，其中有效 {valid} 张。", highlight=False)


@cards_app.command("import")
def cards_import(
    files: list[Path] = typer.Argument(..., help="入户调查证发放登记表（.xlsx、.xls、.csv），可多个"),
    on: str = typer.Option(None, "--on", help="登记日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """导入入户调查证发放登记表（证号、持证人、村（社区）、发证日期，可有收回日期、收回原因）；不合格的行退回，其余照常登记。"""
    from models.runlock import LockHeld
    from tasks.intake.checks import IngestError
    from tasks.survey.card_register import IMPORT_FIELDS, import_cards

    day = parse_date(on, "--on")
    with workspace() as ws:
        try:
            with ws.lock("cards-import"):
                result = import_cards(ws, files, day)
        except (IngestError, LockHeld) as exc:
            fail(escape(str(exc)))
    if as_json:
        emit_json({**{k: result[k] for k in IMPORT_FIELDS}, "rejects": result["rejects"]})
    else:
        table = Table("文件数", "读取", "登记", "收回", "退回", "重复", "退回表")
        table.add_row(
            *(str(v) for v in (len(result["files"]), result["rows_read"], result["recorded"], result["revoked"],
                               result["rejected"], result["duplicates"])),
            result["rejects_file"] or "",
        )  # fmt: skip
        out.print(table)
        for r in result["rejects"][:SHOWN_REJECTS]:
            err.print(escape(f"  {Path(r['file']).name} 第 {r['row']} 行：{r['reason']}"), highlight=False)
        if len(result["rejects"]) > SHOWN_REJECTS:
            err.print(f"  ……另有 {len(result['rejects']) - SHOWN_REJECTS} 行，见退回表", highlight=False)
    if result["rejected"]:
        err.print(
            escape(
                f"错误：入户调查证登记表有 {result['rejected']} 行未登记，请更正后重新导入：{result['rejects_file']}"
            ),
            highlight=False,
        )
        raise typer.Exit(2)


@cards_app.command("issue")
def cards_issue(
    number: str = typer.Option(..., "--number", help="证号"),
    holder: str = typer.Option(..., "--holder", help="持证人姓名"),
    village: str = typer.Option(..., "--village", help="村（社区）：12 位代码、村名或“乡镇名/村名”"),
    on: str = typer.Option(None, "--on", help="发证日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """发放一张入户调查证。"""
    from tasks.survey.card_register import issue_card
    from tasks.survey.cards import CardError

    day = parse_date(on, "--on")
    with workspace() as ws:
        try:
            result = issue_card(ws, number=number, holder=holder, village=village, issued_on=day)
        except CardError as exc:
            fail(escape(str(exc)))
    if as_json:
        emit_json(result)
        return
    again = "（此前已登记）" if result["duplicates"] else ""
    out.print(
        f"入户调查证{result['number']}：{result['holder']}，{result['township']}{result['village']}，"
        f"{cn_date(result['issued_on'])}发放{again}。",
        highlight=False,
    )


@cards_app.command("revoke")
def cards_revoke(
    number: str = typer.Argument(..., help="证号"),
    on: str = typer.Option(None, "--on", help="收回日期（YYYY-MM-DD），默认今天；当天起无效"),
    note: str = typer.Option("", "--note", help="收回原因，例如“调查员离岗”"),
    as_json: bool = Json,
) -> None:
    """收回（作废）一张入户调查证：自收回日期起无效。"""
    from tasks.survey.card_register import revoke_card
    from tasks.survey.cards import CardError

    day = parse_date(on, "--on")
    with workspace() as ws:
        try:
            result = revoke_card(ws, number=number, revoked_on=day, note=note)
        except CardError as exc:
            fail(escape(str(exc)))
    if as_json:
        emit_json(result)
        return
    out.print(
        f"入户调查证{result['number']}（{result['holder']}）已于{cn_date(result['revoked_on'])}收回。", highlight=False
    )


@cards_app.command("print")
def cards_print(
    village: str = typer.Option(..., "--village", help="村（社区）：12 位代码、村名或“乡镇名/村名”"),
    out_dir: Path = typer.Option(None, "--out", help="输出文件夹，默认 var/survey/cards"),
    as_json: bool = Json,
) -> None:
    """把一个村（社区）已发放、未收回的入户调查证排版成 Word 文档（A4，每页 8 张），打印、盖章后发放。"""
    from tasks.survey.card_register import print_cards
    from tasks.survey.cards import CardError

    with workspace() as ws:
        try:
            result = print_cards(ws, village, out_dir)
        except CardError as exc:
            fail(escape(str(exc)))
    if as_json:
        emit_json(result)
        return
    out.print(f"入户调查证 {result['cards']} 张：{result['file']}", highlight=False)


@cards_app.command("check")
def cards_check(
    township: str = typer.Option(None, "--township", help="只看一个乡镇：9 位代码或名称"),
    as_of: str = AsOf,
    as_json: bool = Json,
) -> None:
    """查走访结果的走访人员是否持有该村（社区）当天有效的入户调查证：列出无证、证已收回和未填写走访人的走访。"""
    from tasks.survey.card_register import check_visits
    from tasks.survey.cards import CardError

    day = parse_date(as_of, "--as-of")
    with workspace() as ws:
        try:
            result = check_visits(ws, day, township)
        except CardError as exc:
            fail(escape(str(exc)))
    if as_json:
        emit_json(result)
        return
    table = Table(
        "乡镇",
        "村（社区）",
        "走访人员",
        "入户调查证号",
        "情况",
        "走访次数",
        "走访日期",
        title=f"未持有效入户调查证的走访（截至{cn_date(result['as_of'])}）",
    )
    for w in result["workers"]:
        days = cn_date(w["first"]) + ("" if w["first"] == w["last"] else f"至{cn_date(w['last'])}")
        table.add_row(
            w["township"], w["village"], w["visitor"] or "（未填写）", w["card_number"] or "（未填写）",
            w["standing_name"], str(w["visits"]), days,
        )  # fmt: skip
    out.print(table)
    err.print(
        f"走访 {result['visits']} 次，其中 {result['without_card']} 次走访人员未持有效入户调查证。", highlight=False
    )
