"""`canbao inspect …`: spot checks (督查抽查) of completed household visits and each township's error rate, and the
inspectors' ledger (督查台账): inspections, their findings, rectification deadlines and the townships' reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from canbao.cli.common import (
    AsOf,
    Json,
    cn_date,
    emit_json,
    err,
    fail,
    out,
    parse_date,
    print_import,
    today_in,
    workspace,
)

inspect_app: typer.Typer = typer.Typer(help="督查：抽查走访结果、督查台账和整改", no_args_is_help=True)


@inspect_app.command("sample")
def inspect_sample(
    township: str = typer.Option(..., "--township", help="乡镇：9 位代码或名称（如 350524100、凤城镇）"),
    size: int = typer.Option(None, "--size", min=1, help="抽查人数，默认按活动计划文件 [inspection] sample_size"),
    as_of: str = AsOf,
    seed: int = typer.Option(
        None, "--seed", min=0, max=2**63 - 1, help="随机种子，默认由乡镇代码和日期算出（同一命令重复运行结果相同）"
    ),
    out_dir: Path = typer.Option(None, "--out", help="输出文件夹，默认 var/inspection/samples"),
    as_json: bool = Json,
) -> None:
    """从已走访的人员中抽取督查样本（每个已走访的村至少一人），生成督查抽查表并记录。"""
    day = parse_date(as_of, "--as-of")
    from tasks.inspection.checking import InspectionError, draw_spot_sample

    with workspace() as ws:
        try:
            result = draw_spot_sample(ws, township, as_of=day, size=size, seed=seed, out=out_dir)
        except InspectionError as exc:
            fail(str(exc))
    if as_json:
        emit_json(result)
        return
    again = "（与此前抽取的样本相同）" if result["reused"] else ""
    out.print(
        f"第 {result['sample_id']} 批督查样本{again}：{result['township']}，截至 {result['as_of']}，"
        f"抽取 {result['drawn']} 人（要求 {result['size']} 人），覆盖 {result['villages']} 个村（社区），"
        f"随机种子 {result['seed']}",
        highlight=False,
    )
    out.print(f"督查抽查表：{result['file']}", highlight=False)
    err.print("抽查表含完整身份证号，仅供督查人员核查使用，请妥善保管。", highlight=False)


@inspect_app.command("import")
def inspect_import(
    files: list[Path] = typer.Argument(..., help="督查人员交回的抽查表（.xlsx、.xls、.csv），可多个"),
    on: str = typer.Option(None, "--on", help="收到日期（YYYY-MM-DD），默认今天；核查日期空白时按此日期"),
    as_json: bool = Json,
) -> None:
    """导入交回的督查抽查表：记录核查结果（不合格的行写入退回表，重复导入不重复记录）。"""
    day = parse_date(on, "--on")
    from models.runlock import LockHeld
    from tasks.inspection.checking import InspectionError, import_spot_checks
    from tasks.intake.checks import IngestError

    with workspace() as ws:
        try:
            with ws.lock("inspection-import"):
                result = import_spot_checks(ws, [str(f) for f in files], day)
        except (InspectionError, IngestError, LockHeld) as exc:
            fail(str(exc))
    if as_json:
        emit_json(result)
        return
    print_import(result)


@inspect_app.command("rates")
def inspect_rates(as_of: str = AsOf, as_json: bool = Json) -> None:
    """各乡镇督查抽查差错率（未抽查的乡镇没有差错率）。"""
    wanted = parse_date(as_of, "--as-of")
    from tasks.inspection.rates import township_rates

    with workspace() as ws:
        _cid, campaign = ws.campaign()
        day = wanted or today_in(campaign)
        campaign, rates = township_rates(ws, day)
    names = {t.code: t.name for t in campaign.townships}
    townships: list[dict[str, Any]] = [
        {"code": r.code, "name": names[r.code], "checked": r.checked, "errors": r.errors, "error_rate": r.error_rate}
        for r in rates
    ]
    if as_json:
        emit_json({"as_of": day.isoformat(), "townships": townships})
        return
    out.print(f"督查抽查差错率（截至{cn_date(day)}）", highlight=False)
    table = Table("乡镇", "已核查", "差错", "差错率")
    for t in townships:
        rate = "未抽查" if t["error_rate"] is None else f"{t['error_rate']:.1%}"
        table.add_row(t["name"], str(t["checked"]), str(t["errors"]), rate)
    out.print(table)


# -- the inspectors' ledger (督查台账) ---------------------------------------------------------------------------

visit_app: typer.Typer = typer.Typer(help="督查台账：登记督查发现的问题、整改要求和整改期限", no_args_is_help=True)
inspect_app.add_typer(visit_app, name="visit")
SHOWN_REJECTS = 20


@visit_app.command("add")
def visit_add(
    on: str = typer.Option(..., "--on", help="督查日期（YYYY-MM-DD）"),
    township: str = typer.Option(..., "--township", help="被督查的乡镇：9 位代码或名称"),
    inspectors: list[str] = typer.Option(
        ..., "--inspector", help="督查人员，可多次给出（如 --inspector 张三 --inspector 李四）"
    ),
    villages: list[str] = typer.Option([], "--village", help="督查的村（社区）：名称或 12 位代码，可多次给出"),
    problems: list[str] = typer.Option(..., "--problem", help="发现的问题，可多次给出"),
    requirements: list[str] = typer.Option(..., "--requirement", help="整改要求，每个 --problem 一条，按顺序对应"),
    deadlines: list[str] = typer.Option(
        [], "--deadline", help="整改期限（YYYY-MM-DD）：一个适用于全部问题，或每个问题一个；默认按活动计划文件"
    ),
    recorded_on: str = typer.Option(None, "--recorded-on", help="登记日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """登记一次督查：日期、乡镇、督查人员、督查的村（社区），以及发现的问题、整改要求和整改期限。"""
    from tasks.inspection.ledger import LedgerError
    from tasks.inspection.ledger_records import add_inspection

    day = parse_date(on, "--on")
    assert day is not None
    due = [d for d in (parse_date(text, "--deadline") for text in deadlines) if d is not None]
    with workspace() as ws:
        try:
            result = add_inspection(
                ws,
                visited_on=day,
                township=township,
                inspectors=inspectors,
                villages=villages,
                problems=problems,
                requirements=requirements,
                deadlines=due,
                recorded_on=parse_date(recorded_on, "--recorded-on"),
            )
        except LedgerError as exc:
            fail(escape(str(exc)))
    if as_json:
        emit_json(result)
        return
    again = f"（{result['duplicates']} 个此前已登记）" if result["duplicates"] else ""
    limits = "、".join(cn_date(d) for d in result["deadlines"])
    out.print(f"已登记督查发现问题 {result['recorded']} 个{again}，整改期限 {limits}。", highlight=False)


@visit_app.command("import")
def visit_import(
    files: list[Path] = typer.Argument(..., help="督查台账（.xlsx、.xls、.csv），每行一个问题，可多个文件"),
    on: str = typer.Option(None, "--on", help="登记日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """导入督查台账（督查日期、乡镇、村（社区）、督查人员、发现问题、整改要求、整改期限）；不合格的行退回，其余照常登记。"""
    from models.runlock import LockHeld
    from tasks.inspection.ledger_records import IMPORT_FIELDS, import_ledger
    from tasks.intake.checks import IngestError

    day = parse_date(on, "--on")
    with workspace() as ws:
        try:
            with ws.lock("inspection-ledger"):
                result = import_ledger(ws, files, day)
        except (IngestError, LockHeld) as exc:
            fail(escape(str(exc)))
    if as_json:
        emit_json({**{k: result[k] for k in IMPORT_FIELDS}, "rejects": result["rejects"]})
    else:
        table = Table("文件数", "读取", "登记", "退回", "重复", "新督查次数", "退回表")
        table.add_row(
            *(str(v) for v in (len(result["files"]), result["rows_read"], result["recorded"], result["rejected"],
                               result["duplicates"], result["inspections"])),
            result["rejects_file"] or "",
        )  # fmt: skip
        out.print(table)
        for r in result["rejects"][:SHOWN_REJECTS]:
            err.print(escape(f"  {Path(r['file']).name} 第 {r['row']} 行：{r['reason']}"), highlight=False)
        if len(result["rejects"]) > SHOWN_REJECTS:
            err.print(f"  ……另有 {len(result['rejects']) - SHOWN_REJECTS} 行，见退回表", highlight=False)
    if result["rejected"]:
        err.print(
            escape(f"错误：督查台账有 {result['rejected']} 行未登记，请更正后重新导入：{result['rejects_file']}"),
            highlight=False,
        )
        raise typer.Exit(2)


@inspect_app.command("rectified")
def inspect_rectified(
    township: str = typer.Option(..., "--township", help="乡镇：9 位代码或名称"),
    note: str = typer.Option(..., "--note", help="整改情况"),
    findings: list[int] = typer.Option(
        [], "--finding", help="问题编号（见 canbao inspect ledger），可多次给出；默认该乡镇全部未整改的问题"
    ),
    on: str = typer.Option(None, "--on", help="乡镇报告整改完成的日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """登记乡镇报送的整改情况：所列问题（默认全部未整改的问题）记为已整改。"""
    from tasks.inspection.ledger import LedgerError
    from tasks.inspection.ledger_records import record_rectified

    day = parse_date(on, "--on")
    with workspace() as ws:
        try:
            result = record_rectified(ws, township=township, reported_on=day, note=note, findings=findings)
        except LedgerError as exc:
            fail(escape(str(exc)))
    if as_json:
        emit_json(result)
        return
    numbers = "、".join(f"第{n}号" for n in result["rectified"])
    late = f"，其中 {len(result['late'])} 个逾期整改" if result["late"] else ""
    out.print(f"已登记整改：{numbers}问题（{cn_date(result['reported_on'])}报告）{late}。", highlight=False)


@inspect_app.command("ledger")
def inspect_ledger(
    township: str = typer.Option(None, "--township", help="只看一个乡镇：9 位代码或名称"),
    as_of: str = AsOf,
    as_json: bool = Json,
) -> None:
    """督查台账：各次督查发现的问题、整改期限和整改情况（整改中、逾期未整改、已整改），以及各乡镇抽查差错率。"""
    from tasks.inspection.ledger import LedgerError, state_name
    from tasks.inspection.ledger_records import load_ledger

    day = parse_date(as_of, "--as-of")
    with workspace() as ws:
        try:
            ledger = load_ledger(ws, day, township)
        except LedgerError as exc:
            fail(escape(str(exc)))
    if as_json:
        emit_json(ledger.to_json())
        return
    out.print(f"督查台账（截至{cn_date(ledger.as_of)}）", highlight=False)
    if not ledger.entries:
        out.print("没有督查发现的问题。", highlight=False)
    for e in ledger.entries:
        # One finding per paragraph: a table of long Chinese texts is unreadable in a terminal.
        state = state_name(e) + (f"（逾期{e.days_overdue}天）" if e.days_overdue else "")
        place = e.township + (e.village or ("（" + "、".join(e.villages) + "）" if e.villages else ""))
        out.print(f"第{e.finding_id}号 {cn_date(e.visited_on)} {place}，督查人员：{e.inspectors}", highlight=False)
        out.print(f"    问题：{e.problem}", highlight=False)
        out.print(f"    整改要求：{e.requirement}；整改期限：{cn_date(e.deadline)}；{state}", highlight=False)
        if e.reported_on:
            out.print(f"    整改情况：{cn_date(e.reported_on)}报告，{e.note}", highlight=False)
    summary = Table("乡镇", "发现问题", "已整改", "整改中", "逾期未整改", "抽查差错率")
    for t in ledger.shown_townships:
        checked, _errors, rate = ledger.rates[t.code]
        summary.add_row(
            t.name, str(t.findings), str(t.rectified), str(t.open), str(t.overdue),
            "未抽查" if rate is None else f"{rate:.1%}（{checked}人）",
        )  # fmt: skip
    out.print(summary)
