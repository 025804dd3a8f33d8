"""`canbao init`, `orgs`, `status`, `milestone done`, `serve`: the campaign plan, its owners and milestones, and
the flows on their schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from canbao.cli.common import (
    AsOf,
    Json,
    cn_date,
    emit_json,
    err,
    fail,
    keep_prefect_server,
    out,
    parse_date,
    today_in,
    workspace,
)
from canbao.cli.console_log import verbose

milestone_app = typer.Typer(help="工作任务", no_args_is_help=True)


def init(
    campaign: Path = typer.Option(None, "--campaign", help="活动计划文件（TOML），默认 campaigns/anxi-2017.toml"),
) -> None:
    """创建或升级数据库并载入活动计划（可重复运行）。"""
    from models.campaign.spec import CampaignFileError
    from models.schema import SchemaUpgradeError
    from models.settings import Settings
    from tasks.workspace import Workspace

    settings = Settings(campaign=campaign) if campaign else Settings()
    ws = Workspace.open(settings)
    from tasks.setup import initialise  # writes the senders' configuration: apprise, which other commands skip

    try:
        result = initialise(ws)
    except (CampaignFileError, SchemaUpgradeError) as exc:
        fail(str(exc))
    finally:
        ws.close()
    what = "已创建" if result.created else ("已更新" if result.changed else "无变化")
    err.print(f"活动计划 {settings.campaign.name} 载入完成：{what}（变更 {result.changed} 行）。", highlight=False)


def orgs(as_json: bool = Json) -> None:
    """列出县、乡镇、村（社区）。"""
    from tasks.plan.orgs import org_units_json

    with workspace() as ws:
        units = org_units_json(ws)
    if as_json:
        emit_json(units)
        return
    table = Table("代码", "名称", "层级", "上级")
    levels = {"county": "县", "township": "乡镇", "village": "村（社区）"}
    for u in units:
        table.add_row(u["code"], u["name"], levels.get(u["level"], u["level"]), u["parent"] or "")
    out.print(table)


def status(as_of: str = AsOf, as_json: bool = Json) -> None:
    """各工作任务、各责任单位的完成状态。"""
    from tasks.plan.status import STATE_NAMES, milestone_statuses, status_json
    from tasks.survey.reviews import review_tracking

    with workspace() as ws:
        _cid, campaign, completions = ws.state()
        day = parse_date(as_of, "--as-of") or today_in(campaign)
        reviews = review_tracking(ws, day)
    statuses = milestone_statuses(campaign, completions, day)
    phase = campaign.phase_on(day)
    if as_json:
        emit_json({**status_json(campaign, statuses, day), "reviews": reviews})
        return
    out.print(f"截至{cn_date(day)}，当前阶段：{phase.name if phase else '不在任何阶段'}", highlight=False)
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
    print_reviews(reviews)


def print_reviews(reviews: dict[str, Any]) -> None:
    """The townships whose villages' visits wait for their 核实 (overdue first), under the milestones."""
    waiting = [t for t in reviews["townships"] if t["state"] != "clear"]
    if not waiting:
        return
    table = Table("乡镇督促核实", "待核实村（社区）", "待核实走访", "最早报送", "核实时限", "状态",
                  title="乡镇督促核实（三（五）③）")  # fmt: skip
    for t in waiting:
        colour = "red" if t["state"] == "overdue" else "cyan"
        table.add_row(t["township_name"], str(t["villages_waiting"]), str(t["visits_waiting"]), t["since"], t["due"],
                      f"[{colour}]{t['state_name']}[/]")  # fmt: skip
    out.print(table)


@milestone_app.command("done")
def milestone_done(
    owner: str = typer.Argument(..., help="责任单位：代码或名称（如 350524100、凤城镇、police、县公安局、county）"),
    milestone: str = typer.Argument(..., help="工作任务代码（如 township_leading_group）或名称"),
    on: str = typer.Option(None, "--on", help="完成日期（YYYY-MM-DD），默认今天"),
    note: str = typer.Option("", "--note", help="备注"),
    by: str = typer.Option("", "--by", help="记录人"),
) -> None:
    """记录某责任单位完成了某工作任务。"""
    from tasks.plan.milestones import AssignmentError, record_milestone_done, resolve_assignment

    with workspace() as ws:
        _cid, campaign = ws.campaign()
        try:
            assignment = resolve_assignment(campaign, owner, milestone)
        except AssignmentError as exc:
            fail(str(exc))
        done_on = parse_date(on, "--on") or today_in(campaign)
        done = record_milestone_done(ws, assignment, done_on, note=note, by=by)
    err.print(done.message, highlight=False)


def serve() -> None:
    """按 prefect.yaml 的计划运行各流程（Ctrl-C 停止）；运行期间各命令共用其 Prefect 服务器。"""
    from flows.runtime import prepare_prefect_environment
    from models.settings import Settings

    settings = Settings()
    with keep_prefect_server(settings):
        prepare_prefect_environment(settings, verbose=verbose())
        from flows.serving import serve_deployments

        err.print("各流程已按 prefect.yaml 的计划运行（Ctrl-C 停止）。", highlight=False)
        serve_deployments()
