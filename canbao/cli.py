"""The `canbao` command. Quick records and queries answer without Prefect; campaign work runs flows.

With --json, stdout holds only the JSON; messages and logs go to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from canbao.training_cli import training_app
from flows.runtime import prepare_prefect_environment, quiet_temporary_server
from models import crud
from models.campaign.spec import Campaign, CampaignFileError, load_campaign
from models.crud import NoCampaignError
from models.settings import Settings
from tasks.plan.status import STATE_NAMES, milestone_statuses
from tasks.workspace import Workspace, today_in

app = typer.Typer(
    help="全民参保登记工作调度（canbao）",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
milestone_app = typer.Typer(help="工作节点", no_args_is_help=True)
notice_app = typer.Typer(help="通报", no_args_is_help=True)
app.add_typer(milestone_app, name="milestone")
app.add_typer(notice_app, name="notice")
app.add_typer(training_app, name="training")

out = Console()
err = Console(stderr=True, soft_wrap=True)  # never break a path or an error across lines

AsOf = typer.Option(None, "--as-of", help="按哪一天计算（YYYY-MM-DD），默认今天")
Json = typer.Option(False, "--json", help="输出 JSON（标准输出只有 JSON）")

T = TypeVar("T")


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]错误：[/]{message}", highlight=False)
    raise typer.Exit(code)


def parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} 的日期 {text!r} 无效，应为 YYYY-MM-DD（例如 2017-06-30）")


IMPORT_HEADINGS = {"rows_read": "读取", "recorded": "记录", "rejected": "退回", "duplicates": "重复",
                   "pending": "未填写结果"}  # fmt: skip


def print_import(result: dict[str, Any], extra: dict[str, str] | None = None) -> None:
    """The table of a returned-workbook import: files, rows read, recorded, rejected, … and the rejects file."""
    headings = {**IMPORT_HEADINGS, **(extra or {})}
    table = Table("文件数", *headings.values(), "退回表")
    table.add_row(str(len(result["files"])), *(str(result[k]) for k in headings), result["rejects_file"] or "")
    out.print(table)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def workspace() -> Iterator[Workspace]:
    ws = Workspace.open(Settings())
    try:
        yield ws
    except NoCampaignError as exc:
        fail(str(exc))
    finally:
        ws.close()


def run_flow(flow_fn: Callable[..., T], **kwargs: Any) -> T:
    """Start Prefect only for commands that run campaign work; known failures become exit code 2."""
    prepare_prefect_environment(Settings())
    from flows.comparison import NothingToCompare
    from models import faults
    from models.runlock import LockHeld
    from tasks.comparison.registry import NoComparison
    from tasks.intake.ingest import IngestError

    faults.arm()  # test-only: CANBAO_FAULT_AFTER kills the command after a delay

    quiet_temporary_server()  # Prefect is imported, this process's logging set up

    try:
        return flow_fn(**kwargs)
    except (NoCampaignError, CampaignFileError, IngestError, NothingToCompare, NoComparison, LockHeld) as exc:
        fail(str(exc))


# -- setup and queries -------------------------------------------------------------------------------


@app.command()
def init(
    campaign: Path = typer.Option(None, "--campaign", help="活动计划文件（TOML），默认 campaigns/anxi-2017.toml"),
) -> None:
    """创建或升级数据库并载入活动计划（可重复运行）。"""
    settings = Settings(campaign=campaign) if campaign else Settings()
    ws = Workspace.open(settings)
    from models.schema import SchemaUpgradeError

    try:
        result = ws.init()
    except (CampaignFileError, SchemaUpgradeError) as exc:
        fail(str(exc))
    finally:
        ws.close()
    what = "已创建" if result.created else ("已更新" if result.changed else "无变化")
    err.print(f"活动计划 {settings.campaign.name} 载入完成：{what}（变更 {result.changed} 行）。", highlight=False)


@app.command()
def orgs(as_json: bool = Json) -> None:
    """列出县、乡镇、村（社区）。"""
    with workspace() as ws, ws.session() as session:
        campaign_id, _campaign = crud.active_campaign(session)
        units = crud.org_units(session, campaign_id=campaign_id)
    if as_json:
        emit_json([{"code": u.code, "name": u.name, "level": u.level, "parent": u.parent} for u in units])
        return
    table = Table("代码", "名称", "层级", "上级")
    levels = {"county": "县", "township": "乡镇", "village": "村（社区）"}
    for u in units:
        table.add_row(u.code, u.name, levels.get(u.level, u.level), u.parent or "")
    out.print(table)


@app.command()
def status(as_of: str = AsOf, as_json: bool = Json) -> None:
    """各工作节点、各责任单位的完成状态。"""
    with workspace() as ws:
        _cid, campaign, completions = ws.state()
    day = parse_date(as_of, "--as-of") or today_in(campaign)
    statuses = milestone_statuses(campaign, completions, day)
    phase = campaign.phase_on(day)
    if as_json:
        emit_json(
            {
                "as_of": day.isoformat(),
                "phase": phase.key if phase else None,
                "milestones": [
                    {
                        "key": s.key,
                        "name": s.name,
                        "owner": s.owner,
                        "owner_name": s.owner_name,
                        "due": s.due.isoformat(),
                        "state": s.state,
                        "done_on": s.done_on.isoformat() if s.done_on else None,
                    }
                    for s in statuses
                ],
            }
        )
        return
    out.print(f"截至 {day.isoformat()}，当前阶段：{phase.name if phase else '不在任何阶段'}", highlight=False)
    table = Table("节点", "责任单位", "完成时限", "状态", "完成日期")
    colours = {"done_on_time": "green", "done_late": "yellow", "due": "cyan", "overdue": "red", "not_due": "dim"}
    for s in statuses:
        table.add_row(
            s.name,
            s.owner_name,
            s.due.isoformat(),
            f"[{colours[s.state]}]{STATE_NAMES[s.state]}[/]",
            s.done_on.isoformat() if s.done_on else "",
        )
    out.print(table)


@milestone_app.command("done")
def milestone_done(
    owner: str = typer.Argument(..., help="责任单位：代码或名称（如 350524100、凤城镇、police、县公安局、county）"),
    milestone: str = typer.Argument(..., help="工作节点代码（如 township_leading_group）或名称"),
    on: str = typer.Option(None, "--on", help="完成日期（YYYY-MM-DD），默认今天"),
    note: str = typer.Option("", "--note", help="备注"),
    by: str = typer.Option("", "--by", help="记录人"),
) -> None:
    """记录某责任单位完成了某工作节点。"""
    with workspace() as ws, ws.session() as session:
        campaign_id, campaign = crud.active_campaign(session)
        tag, key = resolve_assignment(campaign, owner, milestone)
        done_on = parse_date(on, "--on") or today_in(campaign)
        previous = crud.record_completion(
            session, campaign_id=campaign_id, milestone=key, owner=tag, done_on=done_on, note=note, recorded_by=by
        )
    names = campaign.owner_names()
    m = campaign.milestone(key)
    assert m is not None
    message = f"已记录：{names[tag]} 于 {done_on.isoformat()} 完成“{m.name}”"
    if previous is not None:
        message += f"（更正了原记录 {previous.done_on.isoformat()}）"
    err.print(message, highlight=False)


def resolve_assignment(campaign: Campaign, owner: str, milestone: str) -> tuple[str, str]:
    tag = campaign.resolve_owner(owner)
    if tag is None:
        fail(f"找不到责任单位“{owner}”。可用乡镇代码、部门代码或名称，运行 canbao orgs 查看。")
    found = campaign.milestone(milestone) or next((m for m in campaign.milestones if m.name == milestone), None)
    if found is None:
        keys = "、".join(m.key for m in campaign.milestones)
        fail(f"找不到工作节点“{milestone}”。可用的节点：{keys}")
    if tag not in campaign.owners_of(found):
        fail(f"“{found.name}”不是{campaign.owner_names()[tag]}的工作节点，未记录。")
    return tag, found.key


# -- campaign work (Prefect flows) ---------------------------------------------------------------------


@app.command()
def remind(
    as_of: str = AsOf,
    dry_run: bool = typer.Option(False, "--dry-run", help="只列出将发送的提醒，不写入、不发送"),
    as_json: bool = Json,
) -> None:
    """向未完成的责任单位发送催办提醒，并重发此前失败的消息。"""
    day = parse_date(as_of, "--as-of")
    from flows.monitors import daily_reminders

    handled = run_flow(daily_reminders, as_of=day, dry_run=dry_run)
    report_messages(handled, as_json, dry_run)


@notice_app.command("ranking")
def notice_ranking(
    as_of: str = AsOf,
    dry_run: bool = typer.Option(False, "--dry-run", help="只列出将发送的通报，不写入、不发送"),
    as_json: bool = Json,
) -> None:
    """立即发出工作进展排名通报（平时由每周排名流程自动发出）。"""
    day = parse_date(as_of, "--as-of")
    from flows.monitors import weekly_ranking

    handled = run_flow(weekly_ranking, as_of=day, dry_run=dry_run, force=True)
    report_messages(handled, as_json, dry_run)


def report_messages(handled: list[dict[str, Any]], as_json: bool, dry_run: bool) -> None:
    if as_json:
        emit_json([{k: h[k] for k in ("key", "owner", "milestone", "kind", "tags", "status")} for h in handled])
        return
    names = {"sent": "[green]已发送[/]", "failed": "[red]发送失败[/]", "skipped": "[dim]跳过[/]"}
    table = Table("类型", "接收方", "节点", "状态", "原因")
    kinds = {
        "reminder": "催办提醒", "overdue": "逾期催办", "escalation": "逾期报告", "weekly_ranking": "排名通报",
        "survey_behind": "调查进度提醒", "survey_escalation": "调查进度督办", "training_reminder": "培训提醒",
    }  # fmt: skip
    for h in handled:
        table.add_row(
            kinds.get(h["kind"], h["kind"]), h["owner"], h["milestone"] or "", names[h["status"]], h.get("error") or ""
        )
    out.print(table)
    counts = {s: sum(h["status"] == s for h in handled) for s in ("sent", "failed", "skipped")}
    verb = "将发送" if dry_run else "处理"
    out.print(
        f"{verb}消息 {len(handled)} 条：发送 {counts['sent']}，失败 {counts['failed']}，跳过 {counts['skipped']}。",
        highlight=False,
    )


@app.command()
def replay(
    start: str = typer.Option(None, "--start", help="回放开始日期，默认活动开始"),
    end: str = typer.Option(None, "--end", help="回放结束日期，默认活动结束"),
    seed: int = typer.Option(2017, "--seed", help="模拟的随机种子"),
    persons: int = typer.Option(20_000, "--persons", min=100, help="模拟县的户籍人数"),
    as_json: bool = Json,
) -> None:
    """在独立的工作区里逐日回放整个活动（模拟各部门交付数据、各乡镇的工作进度）。"""
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if first and last and last < first:
        fail("--end 早于 --start")
    from flows.replay import replay_campaign, summary_path
    from tasks.simulation.owners import PROFILE_NAMES

    summary = run_flow(replay_campaign, start=first, end=last, seed=seed, persons=persons)
    if as_json:
        emit_json(summary)
        return
    table = Table(
        "名次",
        "乡镇",
        "模拟类型",
        "按时",
        "逾期完成",
        "未完成",
        "收到催办",
        "得分",
        title=f"回放 {summary['start']} 至 {summary['end']}（种子 {summary['seed']}）",
    )
    for t in summary["townships"]:
        table.add_row(
            str(t["final_rank"]),
            t["name"],
            t["profile_name"],
            str(t["on_time"]),
            str(t["late"]),
            str(t["missed"]),
            str(t["reminders_received"]),
            f"{t['score']:.1f}",
        )
    out.print(table)
    data = summary["data"]
    if data.get("compared_on"):
        out.print(
            f"模拟县 {data['persons']} 人，{data['compared_on']} 完成数据比对："
            f"未参保 {data['categories']['uninsured']} 人，未参全 {data['categories']['partial']} 人；"
            f"入户调查名单 {data['to_visit']} 人：{data['worklists']}",
            highlight=False,
        )
    survey = summary.get("survey")
    if survey:
        table = Table("乡镇", "模拟类型", "登记方式", "应访", "截止时完成率", "期末完成率", "进度提醒", "结果",
                      title=f"入户调查（截止 {survey['deadline']}）")  # fmt: skip
        for t in survey["townships"]:
            verdict = "未按期完成" if t["missed_deadline"] else ("提醒后赶上" if t["recovered"] else "按期完成")
            table.add_row(
                t["name"],
                PROFILE_NAMES.get(t["profile"] or "", ""),
                "网页" if t["channel"] == "web" else "纸质名单",
                str(t["to_visit"]),
                f"{t['rate_at_deadline']:.0%}",
                f"{t['rate_at_end']:.0%}",
                str(t["survey_reminders"]),
                verdict,
            )
        out.print(table)
    scores = summary.get("scores")
    if scores:
        kind = "最终" if scores["final"] else "暂定"
        table = Table("名次", "乡镇", "截止时完成率", "得分", "经费补助（元）", "通报批评",
                      title=f"乡镇绩效评分（{kind}，{scores['as_of']}）")  # fmt: skip
        for t in scores["townships"]:
            table.add_row(str(t["rank"]), t["name"], f"{t['rate']:.0%}", f"{t['score']:.2f}", f"{t['subsidy']:,.0f}",
                          "；".join(t["reasons"]))  # fmt: skip
        out.print(table)
    analysis = summary.get("analysis", {})
    if "exchange" in analysis:
        changes = analysis["exchange"]["changes"]
        out.print(
            f"{analysis['exchange']['on']} 数据交换：新增死亡 {changes['deaths']} 人，"
            f"新增参保 {changes['enrolments']} 人次，新增应保未保 {changes['new_gaps']} 人次；"
            f"报告：{analysis['exchange']['report']}",
            highlight=False,
        )
    if "report" in summary:
        out.print(f"督查报告：{summary['report']['html']}（及 .xlsx）", highlight=False)
    if "closing" in analysis:
        out.print(f"工作总结：{analysis['closing']['files'][0]}", highlight=False)
    out.print(
        f"共发送消息 {summary['messages_sent']} 条，排名通报 {summary['ranking_notices']} 期。"
        f"摘要：{summary_path(Settings())}；消息：{summary['mailbox']}",
        highlight=False,
    )


# -- data: collection, comparison, work lists ---------------------------------------------------------


@app.command()
def ingest(
    source: str = typer.Argument(..., help="数据源代码（如 household、medical_resident），见活动计划文件 [sources]"),
    files: list[Path] = typer.Argument(..., help="数据文件（.xlsx、.xls、.csv），可多个（如每个乡镇一个）"),
    on: str = typer.Option(None, "--on", help="交付日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """导入一个部门的一份数据（不合格的行写入退回表）。"""
    day = parse_date(on, "--on")
    from flows import collection

    with import_progress(as_json):
        delivery = run_flow(collection.ingest_source, source=source, files=[str(f) for f in files], delivered_on=day)
    if as_json:
        emit_json({k: delivery[k] for k in DELIVERY_FIELDS})
        return
    report_deliveries([delivery])


@app.command()
def collect(
    directory: Path = typer.Argument(..., help="交付文件夹，按 <数据源代码>/<文件> 存放"),
    on: str = typer.Option(None, "--on", help="交付日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """一次导入整个交付文件夹的全部数据源。"""
    day = parse_date(on, "--on")
    from flows import collection

    with import_progress(as_json):
        results = run_flow(collection.collect_data, directory=str(directory), delivered_on=day)
    failed = [r for r in results if "error" in r]
    if as_json:
        emit_json([{k: r[k] for k in DELIVERY_FIELDS} if "error" not in r else r for r in results])
    else:
        report_deliveries([r for r in results if "error" not in r])
        for r in failed:
            err.print(f"[red]{r['source']}：{r['error']}[/]", highlight=False)
    if failed:
        raise typer.Exit(2)


DELIVERY_FIELDS = ("source", "files", "rows_read", "accepted", "rejected", "duplicates", "rejects_file")


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


@app.command("compare")
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
    names = {"insured_full": "已参保", "partial": "未参全", "uninsured": "未参保", "deceased": "死亡"}
    out.print("  " + "，".join(f"{names[k]} {v}" for k, v in summary["categories"].items()), highlight=False)
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


@app.command()
def worklists(
    out_dir: Path = typer.Option(None, "--out", help="输出文件夹，默认 var/worklists/<日期>"),
    on: str = typer.Option(None, "--on", help="下发日期（YYYY-MM-DD），默认今天"),
    as_json: bool = Json,
) -> None:
    """按最近一次比对结果生成各村（社区）入户调查名单和各乡镇扩面盲点表。"""
    day = parse_date(on, "--on")
    from flows.worklists import publish_worklists

    result = run_flow(publish_worklists, out=str(out_dir) if out_dir else None, published_on=day)
    if as_json:
        emit_json(result)
        return
    out.print(
        f"已生成 {result['villages']} 个村（社区）的入户调查名单，共 {result['persons']} 人：{result['out']}",
        highlight=False,
    )


@app.command()
def synth(
    persons: int = typer.Option(..., "--persons", min=1, help="户籍人数"),
    seed: int = typer.Option(1, "--seed", help="随机种子"),
    out_dir: Path = typer.Option(..., "--out", help="输出文件夹（按数据源分子文件夹）"),
    formats: str = typer.Option("mixed", "--formats", help="mixed：xlsx/xls/csv 混合；csv：全部 CSV（快）"),
    as_of: str = typer.Option("2017-04-30", "--as-of", help="数据截止日期"),
    as_json: bool = Json,
) -> None:
    """生成一个模拟县的各部门数据文件（含常见的数据问题）和标准答案，用于演示和测试。"""
    if formats not in ("mixed", "csv"):
        fail("--formats 只能是 mixed 或 csv")
    day = parse_date(as_of, "--as-of")
    assert day is not None
    from tasks.simulation.synth import generate_county

    try:
        campaign, _digest = load_campaign(Settings().campaign)  # the file, so no database is needed
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


@app.command()
def serve() -> None:
    """按 prefect.yaml 的计划运行各流程（Ctrl-C 停止）。"""
    prepare_prefect_environment(Settings())
    from flows.serving import serve_deployments

    serve_deployments()


def main() -> None:  # pragma: no cover
    app()


# Registered last: these modules use the helpers above.
from canbao import analysis_cli, audit_cli, inspect_cli, report_cli, scores_cli, survey_cli, web_cli  # noqa: E402

app.add_typer(survey_cli.survey_app, name="survey")
app.command("progress")(survey_cli.progress)
app.add_typer(inspect_cli.inspect_app, name="inspect")
app.add_typer(web_cli.web_app, name="web")
app.command("cutoff")(scores_cli.cutoff)
app.command("scores")(scores_cli.scores)
app.command("summary")(scores_cli.summary)
app.add_typer(analysis_cli.analysis_app, name="analysis")
app.command("exchange")(analysis_cli.exchange)
app.command("report")(report_cli.report)
app.add_typer(audit_cli.audit_app, name="audit")
