"""What a kind of message says on a day, in one format, for one recipient: the planners of the monitors run
without writing or sending anything (`canbao messages preview`), so a coordinator sees what each group gets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from models.campaign.spec import Campaign
from tasks.documents.final_notice import KIND as FINAL_NOTICE
from tasks.documents.final_notice import final_document
from tasks.documents.official import notice_file_names, notice_folder_name
from tasks.messages import monitors
from tasks.messages.channels import KNOWN_SERVICES, TEXT_LIMITS, Format, fit, size
from tasks.messages.notices import plan_final_notice
from tasks.messages.outbox import render_formats
from tasks.messages.planned import PlannedMessage
from tasks.scoring.sheet import score_sheet
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in

# Every kind the code sends, with the name a coordinator reads it by.
KINDS: dict[str, str] = {
    "reminder": "催办提醒",
    "overdue": "逾期催办",
    "escalation": "逾期报告",
    "weekly_ranking": "排名通报",
    "final_notice": "入户调查完成情况通报",
    "survey_behind": "调查进度提醒",
    "survey_warning": "调查进度预警",
    "survey_escalation": "调查进度督办",
    "survey_refused": "走访结果退回提醒",
    "training_reminder": "培训提醒",
    "rectification_reminder": "整改提醒",
    "rectification_overdue": "整改督办",
    "rectification_escalation": "整改逾期报告",
}
SERVICE_NAMES = {"wecombot": "企业微信群机器人", "dingtalk": "钉钉群机器人", "feishu": "飞书群机器人",
                 "mailto": "电子邮件", "mailtos": "电子邮件"}  # fmt: skip


class PreviewError(ValueError):
    """A kind or recipient the campaign does not know (the message names it, in Chinese)."""


class NothingPlanned(LookupError):
    """The kind has no message for the recipient on that day."""


@dataclass(frozen=True)
class Preview:
    kind: str
    owner: str
    owner_name: str
    format: Format
    title: str
    body: str
    attachments: list[str]
    # per service reading this format: (its name, its limit in bytes, the parts the message is sent in)
    services: list[tuple[str, int | None, int]]

    @property
    def bytes(self) -> int:
        return size(self.title, self.body)

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "owner": self.owner,
            "owner_name": self.owner_name,
            "format": self.format,
            "title": self.title,
            "body": self.body,
            "bytes": self.bytes,
            "attachments": self.attachments,
            "services": [{"service": s, "limit": limit, "parts": parts} for s, limit, parts in self.services],
        }


def preview_message(ws: Workspace, kind: str, fmt: Format, owner: str | None, as_of: date | None) -> Preview:
    _campaign_id, campaign = ws.campaign()
    if kind not in KINDS:
        known = "、".join(f"{k}（{v}）" for k, v in KINDS.items())
        raise PreviewError(f"未知的消息类型 {kind}，可用的类型：{known}")
    recipients = {**campaign.owner_names(), **campaign.village_names()}
    if owner is not None and owner not in recipients:
        raise PreviewError(f"未知的接收单位 {owner}：请使用乡镇或村（社区）代码、部门代码或 county（县领导小组）")
    day = as_of or today_in(campaign)
    planned = [m for m in _planners(kind)(ws, campaign, day) if m.kind == kind]
    chosen = [m for m in planned if owner is None or m.owner == owner]
    if not chosen:
        whom = f"发给{recipients[owner]}的" if owner else ""
        raise NothingPlanned(f"{cn_date(day)}没有{whom}{KINDS[kind]}（{kind}）：请换一个 --as-of 日期或接收单位")
    message = chosen[0]
    rendered = render_formats(campaign, message)
    if fmt not in rendered:
        raise PreviewError(f"消息类型 {kind} 没有 {fmt} 格式的模板")
    shown = rendered[fmt]
    names = [n.rsplit("/", 1)[-1] for n in message.attachments]
    return Preview(
        kind=kind,
        owner=message.owner,
        owner_name=recipients.get(message.owner, message.owner),
        format=fmt,
        title=shown.title,
        body=shown.body,
        attachments=names,
        services=_services(fmt, shown.title, shown.body, names),
    )


def _services(fmt: Format, title: str, body: str, attachments: list[str]) -> list[tuple[str, int | None, int]]:
    limits = {s: limit for s, (f, limit) in KNOWN_SERVICES.items() if f == fmt}
    if fmt == "text":
        limits.update(TEXT_LIMITS)
    seen: dict[str, tuple[str, int | None, int]] = {}
    for schema, limit in limits.items():
        name = SERVICE_NAMES.get(schema, schema)
        seen.setdefault(name, (name, limit, len(fit(title, body, fmt, limit, attachments))))
    return list(seen.values())


def _planners(kind: str) -> Callable[[Workspace, Campaign, date], list[PlannedMessage]]:
    if kind in ("reminder", "overdue", "escalation"):
        return lambda ws, _c, day: monitors.milestone_reminders(ws, day)[3]
    if kind == "weekly_ranking":
        return lambda ws, _c, day: monitors.ranking_notice(ws, day, dry_run=True, force=True)[2]
    if kind == "training_reminder":
        return lambda ws, _c, day: monitors.training_reminders(ws, day)[3] or []
    if kind == FINAL_NOTICE:
        return _final_notice
    if kind.startswith("rectification_"):
        return lambda ws, _c, day: monitors.rectification_reminders(ws, day)[3]
    return lambda ws, _c, day: monitors.survey_reminders(ws, day)[3] or []


def _final_notice(ws: Workspace, campaign: Campaign, day: date) -> list[PlannedMessage]:
    """The final notice as the scores of `day` would make it (its files named, not written)."""
    sheet = score_sheet(ws, day)
    document = final_document(campaign, sheet.facts, sheet.scores, day)
    folder = ws.settings.notices_dir / notice_folder_name(document)
    files = [folder / name for name in notice_file_names(document)]
    return plan_final_notice(campaign, sheet.facts, sheet.scores, day, attachments=files)
