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

from canbao.settings import Settings, prepare_prefect_environment
from canbao.workspace import Workspace, today_in
from models import crud
from models.crud import NoCampaignError
from tasks.campaign import Campaign, CampaignFileError
from tasks.status import STATE_NAMES, milestone_statuses

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
    """Start Prefect only for commands that run campaign work."""
    prepare_prefect_environment(Settings())
    try:
        return flow_fn(**kwargs)
    except NoCampaignError as exc:
        fail(str(exc))
    except CampaignFileError as exc:
        fail(str(exc))


# -- setup and queries -------------------------------------------------------------------------------


@app.command()
def init(
    campaign: Path = typer.Option(None, "--campaign", help="活动计划文件（TOML），默认 campaigns/anxi-2017.toml"),
) -> None:
    """创建或升级数据库并载入活动计划（可重复运行）。"""
    settings = Settings(campaign=campaign) if campaign else Settings()
    ws = Workspace.open(settings)
    try:
        result = ws.init()
    except CampaignFileError as exc:
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
    kinds = {"reminder": "催办提醒", "overdue": "逾期催办", "escalation": "逾期报告", "weekly_ranking": "排名通报"}
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
    as_json: bool = Json,
) -> None:
    """在独立的工作区里逐日回放整个活动（模拟各乡镇的工作进度）。"""
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if first and last and last < first:
        fail("--end 早于 --start")
    from flows.replay import replay_campaign, summary_path

    summary = run_flow(replay_campaign, start=first, end=last, seed=seed)
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
    out.print(
        f"共发送消息 {summary['messages_sent']} 条，排名通报 {summary['ranking_notices']} 期。"
        f"摘要：{summary_path(Settings())}；消息：{summary['mailbox']}",
        highlight=False,
    )


@app.command()
def serve() -> None:
    """按 prefect.yaml 的计划运行各流程（Ctrl-C 停止）。"""
    prepare_prefect_environment(Settings())
    from flows.serving import serve_deployments

    serve_deployments()


def main() -> None:  # pragma: no cover
    app()
