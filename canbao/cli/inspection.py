"""`canbao inspect …`: spot checks (督查抽查) of completed household visits and each township's error rate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from canbao.cli.common import AsOf, Json, emit_json, err, fail, out, parse_date, print_import, workspace
from tasks.wording.render import cn_date
from tasks.workspace import today_in

inspect_app: typer.Typer = typer.Typer(help="督查抽查", no_args_is_help=True)


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
    from tasks.intake.ingest import IngestError

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
