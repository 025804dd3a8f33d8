"""`canbao ingest`, `collect`, `compare`, `worklists`, `synth`: the departments' data in, compared, the work
lists out, and a synthetic county to try it on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from canbao.cli.common import (
    DELIVERY_FIELDS,
    AsOf,
    Json,
    check_before_flow,
    emit_json,
    err,
    fail,
    load_settings,
    out,
    parse_date,
    print_delivery_warnings,
    run_flow,
)


def ingest(
    source: str = typer.Argument(..., help="数据源代码（如 household、medical_resident），见活动计划文件 [sources]"),
    files: list[Path] = typer.Argument(..., help="数据文件（.xlsx、.xls、.csv），可多个（如每个乡镇一个）"),
    on: str = typer.Option(None, "--on", help="交付日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """导入一个部门的一份数据（不合格的行写入退回表）。"""
    day = parse_date(on, "--on")
    from tasks.intake.checks import check_delivery

    check_before_flow(lambda campaign: check_delivery(campaign, source, files))
    from flows import collection

    with import_progress(as_json):
        delivery = run_flow(collection.ingest_source, source=source, files=[str(f) for f in files], delivered_on=day)
    if as_json:
        emit_json({k: delivery[k] for k in DELIVERY_FIELDS})
        return
    report_deliveries([delivery])
    print_delivery_warnings([delivery])


def collect(
    directory: Path = typer.Argument(..., help="交付文件夹，按 <数据源代码>/<文件> 存放"),
    on: str = typer.Option(None, "--on", help="交付日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """一次导入整个交付文件夹的全部数据源。"""
    day = parse_date(on, "--on")
    from tasks.intake.checks import check_folder

    check_before_flow(lambda _campaign: check_folder(directory))
    from flows import collection

    with import_progress(as_json):
        results = run_flow(collection.collect_data, directory=str(directory), delivered_on=day)
    failed = [r for r in results if "error" in r]
    if as_json:
        emit_json([{k: r[k] for k in DELIVERY_FIELDS} if "error" not in r else r for r in results])
    else:
        report_deliveries([r for r in results if "error" not in r])
        print_delivery_warnings([r for r in results if "error" not in r])
        for r in failed:
            err.print(f"[red]{r['source']}：{r['error']}[/]", highlight=False)
    if failed:
        raise typer.Exit(2)


def report_deliveries(deliveries: list[dict[str, Any]]) -> None:
    table = Table("数据源", "文件数", "读取", "接收", "退回", "重复", "退回表")
    for d in deliveries:
        note = "（与已导入的相同）" if d.get("unchanged") else ""
        table.add_row(
            d["source"] + note,
            str(len(d["files"])),
            str(d["rows_read"]),
            str(d["accepted"]),
            str(d["rejected"]),
            str(d["duplicates"]),
            d["rejects_file"] or "",
        )
    out.print(table)


@contextmanager
def import_progress(quiet: bool) -> Iterator[None]:
    """A progress bar on standard error while files are read."""
    from rich.progress import Progress

    from flows import collection

    if quiet or not err.is_terminal:
        yield
        return
    with Progress(console=err, transient=True) as progress:
        bars: dict[str, Any] = {}

        def hook(name: str, done: int, total: int) -> None:
            if name not in bars:
                bars[name] = progress.add_task(f"导入 {name}", total=max(total, 1))
            progress.update(bars[name], completed=done, total=max(total, done, 1))

        collection.progress_hook = hook
        try:
            yield
        finally:
            collection.progress_hook = None


def compare_command(
    as_of: str = AsOf,
    parts: int = typer.Option(1, "--parts", min=1, help="按身份证号分区比对的分区数"),
    as_json: bool = Json,
) -> None:
    """跨部门数据比对：每个人五个险种的参保状态、人员类别、数据异常。"""
    day = parse_date(as_of, "--as-of")
    from flows.comparison import compare_registrations

    summary = run_flow(compare_registrations, as_of=day, parts=parts)
    if as_json:
        emit_json(summary)
        return
    out.print(f"比对日期 {summary['as_of']}：户籍人员 {summary['persons']} 人", highlight=False)
    names = {"insured_full": "已参保", "partial": "未参全", "uninsured": "未参保", "deceased": "死亡",
             "moved_out": "已迁出", "away": "暂不适用"}  # fmt: skip
    out.print("  " + "，".join(f"{names[k]} {v}" for k, v in summary["categories"].items()), highlight=False)
    out.print(
        f"  户籍外参保 {summary['outside_register']} 人（在本县参保、不在户籍名单中，供参考，不属数据异常）",
        highlight=False,
    )
    table = Table("乡镇", "户籍人数", "已参保", "未参全", "未参保", "死亡")
    for t in summary["by_township"]:
        table.add_row(
            t["name"],
            str(t["persons"]),
            str(t["insured_full"]),
            str(t["partial"]),
            str(t["uninsured"]),
            str(t["deceased"]),
        )
    out.print(table)


def worklists(
    out_dir: Path = typer.Option(None, "--out", help="输出文件夹，默认 var/worklists/<日期>"),
    on: str = typer.Option(None, "--on", help="下发日期（YYYY-MM-DD），默认今天"),
    forms: bool = typer.Option(False, "--forms", help="同时按户生成各村（社区）入户调查登记表（.docx，可打印）"),
    as_json: bool = Json,
) -> None:
    """按最近一次比对结果生成各村（社区）入户调查名单和各乡镇扩面盲点表（--forms：另生成按户的入户调查登记表）。"""
    day = parse_date(on, "--on")
    from flows.worklists import publish_worklists

    result = run_flow(publish_worklists, out=str(out_dir) if out_dir else None, published_on=day, forms=forms)
    if as_json:
        emit_json(result)
        return
    out.print(
        f"已生成 {result['villages']} 个村（社区）的入户调查名单，共 {result['persons']} 人：{result['out']}",
        highlight=False,
    )
    if forms:
        made = result["forms"]
        out.print(f"已生成 {made['files']} 个村（社区）的入户调查登记表，共 {made['households']} 户", highlight=False)


def synth(
    persons: int = typer.Option(..., "--persons", min=1, help="户籍人数"),
    seed: int = typer.Option(1, "--seed", help="随机种子"),
    out_dir: Path = typer.Option(..., "--out", help="输出文件夹（按数据源分子文件夹）"),
    formats: str = typer.Option("mixed", "--formats", help="mixed：xlsx/xls/csv 混合；csv：全部 CSV（快）"),
    as_of: str = typer.Option(None, "--as-of", help="数据截止日期，默认为入户调查开始前一天"),
    as_json: bool = Json,
) -> None:
    """生成一个模拟县的各部门数据文件（含常见的数据问题）和标准答案，用于演示和测试。"""
    if formats not in ("mixed", "csv"):
        fail("--formats 只能是 mixed 或 csv")
    day = parse_date(as_of, "--as-of")
    from models.campaign.spec import CampaignFileError, load_campaign
    from tasks.simulation.synth import generate_county

    try:
        campaign, _digest = load_campaign(load_settings().campaign)  # the file, so no database is needed
    except CampaignFileError as exc:
        fail(str(exc))
    summary = generate_county(campaign, persons, out_dir, seed=seed, as_of=day, formats=formats)
    result = {
        "persons": summary.persons,
        "out": str(out_dir),
        "files": {k: len(v) for k, v in summary.files.items()},
        "rows_written": summary.rows_written,
        "truth": str(summary.truth_path),
        "counts": str(summary.counts_path),
    }
    if as_json:
        emit_json(result)
        return
    out.print(f"已生成 {summary.persons} 人的模拟数据：{out_dir}（标准答案：{summary.counts_path}）", highlight=False)
