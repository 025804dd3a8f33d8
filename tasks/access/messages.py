"""The outbox as a user may see it (`canbao messages outbox`, `GET /api/v1/outbox`, the 消息 page) and the
county's resend of a failed message, logged.

A township sees the messages to itself and to its villages, a department those to itself; the county and the
supervisors see all. Only the county resends (Forbidden for the others)."""

from __future__ import annotations

from typing import Any

from models import crud
from models.campaign.spec import Campaign
from models.tables import OutboxMessage
from tasks.access.audit import log_change, utc_iso
from tasks.access.roles import Principal
from tasks.access.scope import READS_EVERYTHING, Forbidden, OutOfScope, sees_owner, sees_village
from tasks.messages import outbox
from tasks.messages.dispatch import sender_for
from tasks.messages.kinds import KIND_NAMES, STATUS_NAMES
from tasks.messages.sending import SendingConfigError
from tasks.workspace import Workspace

STATUSES = tuple(STATUS_NAMES)


class CannotResend(ValueError):
    """A resend of a message that did not fail, or without a sending configuration (422); says why in Chinese."""


def message_json(campaign: Campaign, row: OutboxMessage, village_names: dict[str, str]) -> dict[str, Any]:
    names = campaign.owner_names()
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_name": KIND_NAMES.get(row.kind, row.kind),
        "owner": row.owner,
        "owner_name": names.get(row.owner) or village_names.get(row.owner, row.owner),
        "milestone": row.milestone,
        "title": row.title,
        "status": row.status,
        "status_name": STATUS_NAMES.get(row.status, row.status),
        "attempts": row.attempts,
        "error": row.last_error,
        "formats": [f for f in row.sent_formats.split(",") if f],
        "as_of": row.as_of.isoformat(),
        "created_at": utc_iso(row.created_at),
        "sent_at": utc_iso(row.sent_at) if row.sent_at else None,
    }


def sees_message(campaign: Campaign, principal: Principal, owner: str) -> bool:
    if principal.role in READS_EVERYTHING or sees_owner(principal, owner):
        return True
    return principal.role == "township" and sees_village(campaign, principal, owner)


def outbox_for(
    ws: Workspace, principal: Principal | None, *, status: str | None = None, owner: str | None = None
) -> list[dict[str, Any]]:
    """The outbox newest first, cut to the principal's scope (None: the command line, everything)."""
    campaign_id, campaign = ws.campaign()
    villages = {v.code: v.name for t in campaign.townships for v in t.villages}
    with ws.session() as session:
        rows = crud.outbox_rows(session, campaign_id=campaign_id, status=status)
        return [
            message_json(campaign, r, villages)
            for r in rows
            if (owner is None or r.owner == owner) and (principal is None or sees_message(campaign, principal, r.owner))
        ]


def resend_message(ws: Workspace, principal: Principal, message_id: int, *, channel: str) -> dict[str, Any]:
    """Send a failed message again, now, through the configured sender; the outcome is recorded on the message
    as any send's, and the resend logged. Forbidden but for the county; OutOfScope for an unknown id."""
    if principal.role != "county":
        raise Forbidden("只有县级用户可以重新发送消息")
    campaign_id, campaign = ws.campaign()
    villages = {v.code: v.name for t in campaign.townships for v in t.villages}
    with ws.session() as session:
        row = crud.outbox_row(session, campaign_id=campaign_id, message_id=message_id)
        if row is None:
            raise OutOfScope(str(message_id))
        if row.status != "failed":
            raise CannotResend(f"这条消息{STATUS_NAMES.get(row.status, row.status)}，只能重新发送发送失败的消息")
        path = ws.settings.apprise_path
        mtime = path.stat().st_mtime if path.exists() else 0.0
        try:
            sender = sender_for(path, mtime)
        except SendingConfigError as exc:
            raise CannotResend(str(exc)) from exc
        handled = outbox.send_row(session, row, sender)
        log_change(session, who=principal.username, action="message_resend", target=str(message_id),
                   channel=channel, detail={"status": handled.status, "error": handled.error})  # fmt: skip
        session.commit()
        return message_json(campaign, row, villages)
