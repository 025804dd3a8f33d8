"""`canbao remind` and `canbao notice ranking`: reminders to the owners behind, and the ranking notice."""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.table import Table

from canbao.cli.common import AsOf, Json, emit_json, err, fail, out, parse_date, run_flow, workspace
from tasks.messages.kinds import KIND_NAMES

notice_app = typer.Typer(help="通报", no_args_is_help=True)
messages_app = typer.Typer(help="消息：按接收渠道的格式预览，已发送和发送失败的消息", no_args_is_help=True)


def remind(
    as_of: str = AsOf,
    dry_run: bool = typer.Option(False, "--dry-run", help="只列出将发送的提醒，不写入、不发送"),
    as_json: bool = Json,
) -> None:
    """向未完成的责任单位发送催办提醒，并重发此前失败的消息。"""
    day = parse_date(as_of, "--as-of")
    if dry_run:
        # Nothing is written or sent: the use case answers at once, without Prefect.
        from tasks.messages.monitors import preview_daily_reminders

        with workspace() as ws:
            previewed = [h.to_json() for h in preview_daily_reminders(ws, day)]
        report_messages(previewed, as_json, dry_run)
        return
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
    if dry_run:
        # Nothing is written or sent: the use case answers at once, without Prefect.
        from tasks.messages.monitors import preview_ranking_notice

        with workspace() as ws:
            previewed = [h.to_json() for h in preview_ranking_notice(ws, day)]
        report_messages(previewed, as_json, dry_run)
        return
    from flows.monitors import weekly_ranking

    handled = run_flow(weekly_ranking, as_of=day, dry_run=dry_run, force=True)
    report_messages(handled, as_json, dry_run)


def report_messages(handled: list[dict[str, Any]], as_json: bool, dry_run: bool) -> None:
    if as_json:
        emit_json([{k: h[k] for k in ("key", "owner", "milestone", "kind", "tags", "status")} for h in handled])
        return
    names = {"sent": "[green]已发送[/]", "failed": "[red]发送失败[/]", "skipped": "[dim]跳过[/]"}
    table = Table("类型", "接收方", "节点", "状态", "原因")
    for h in handled:
        table.add_row(
            KIND_NAMES.get(h["kind"], h["kind"]),
            h["owner"],
            h["milestone"] or "",
            names[h["status"]],
            h.get("error") or "",
        )
    out.print(table)
    counts = {s: sum(h["status"] == s for h in handled) for s in ("sent", "failed", "skipped")}
    verb = "将发送" if dry_run else "处理"
    out.print(
        f"{verb}消息 {len(handled)} 条：发送 {counts['sent']}，失败 {counts['failed']}，跳过 {counts['skipped']}。",
        highlight=False,
    )


@messages_app.command("preview")
def messages_preview(
    kind: str = typer.Argument(
        ...,
        help="消息类型：reminder、overdue、escalation、weekly_ranking、final_notice、"
        "survey_behind、survey_warning、survey_escalation、survey_refused、training_reminder、"
        "rectification_reminder、rectification_overdue、rectification_escalation",
    ),
    fmt: str = typer.Option(
        "text", "--format", help="text（短信等纯文本）、markdown（企业微信、钉钉、飞书）、html（电子邮件）"
    ),
    owner: str | None = typer.Option(
        None, "--owner", help="接收单位代码（乡镇、村（社区）、部门或 county），默认第一个"
    ),
    as_of: str = AsOf,
    as_json: bool = Json,
) -> None:
    """按某种格式显示某类消息在某日发给某单位的内容（不写入、不发送）。"""
    from tasks.messages.channels import FORMAT_NAMES, FORMATS
    from tasks.messages.preview import NothingPlanned, PreviewError, preview_message

    if fmt not in FORMATS:
        fail(f"--format 只能是 {'、'.join(FORMATS)}，不能是 {fmt}")
    day = parse_date(as_of, "--as-of")
    with workspace() as ws:
        try:
            shown = preview_message(ws, kind, fmt, owner, day)
        except PreviewError as exc:
            fail(str(exc))
        except NothingPlanned as exc:
            fail(str(exc), code=1)
    if as_json:
        emit_json(shown.to_json())
        return
    err.print(
        f"{KIND_NAMES.get(shown.kind, shown.kind)} → {shown.owner_name}（{shown.owner}），"
        f"{FORMAT_NAMES[shown.format]}，{shown.bytes} 字节",
        highlight=False,
    )
    for name, limit, parts in shown.services:
        if limit is None or shown.bytes <= limit:
            fits = "未超过上限"
        else:
            fits = "超过上限，截短并指向附件" if shown.attachments else f"超过上限，分{parts}条发送"
        err.print(f"  {name}：{f'上限 {limit} 字节' if limit else '无长度上限'}，{fits}", highlight=False)
    sys.stdout.write(f"{shown.title}\n\n{shown.body}\n")


@messages_app.command("outbox")
def messages_outbox(
    status: str | None = typer.Option(None, "--status", help="只列出某种状态：pending（待发送）、sent、failed"),
    owner: str | None = typer.Option(None, "--owner", help="只列出发给某单位的（乡镇、村（社区）代码、部门或 county）"),
    as_json: bool = Json,
) -> None:
    """已发送、待发送和发送失败的消息（最新的在前），失败的附原因。"""
    from tasks.access.messages import STATUSES, outbox_for

    if status is not None and status not in STATUSES:
        fail(f"--status 只能是 {'、'.join(STATUSES)}，不能是 {status}")
    with workspace() as ws:
        rows = outbox_for(ws, None, status=status, owner=owner)
    if as_json:
        emit_json(rows)
        return
    table = Table("编号", "类型", "接收单位", "标题", "状态", "原因")
    for r in rows:
        table.add_row(str(r["id"]), r["kind_name"], r["owner_name"], r["title"], r["status_name"], r["error"] or "")
    out.print(table)
    out.print(f"共 {len(rows)} 条。", highlight=False)
