"""The log of every change a user makes (`canbao audit actions`): who, when, what, on which object, through which
channel. Written in the same transaction as the change itself, so a change is never without its entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from models.users import actions, log_action
from tasks.workspace import Workspace

ACTION_NAMES = {
    "user_add": "新增用户",
    "user_disable": "停用用户",
    "token_issue": "生成接口令牌",
    "login": "登录",
    "logout": "退出登录",
    "milestone_done": "记录工作任务完成",
    "delivery_upload": "报送数据",
    "message_resend": "重新发送消息",
    "visit_review": "核实入户调查",
}
CHANNEL_NAMES = {"web": "网页", "api": "接口", "cli": "命令行"}


def log_change(
    session: Session, *, who: str, action: str, target: str, channel: str, detail: dict[str, Any] | None = None
) -> None:
    log_action(
        session,
        username=who,
        action=action,
        target=target,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
        channel=channel,
    )


def utc_iso(moment: datetime) -> str:
    """A stored time as ISO text in UTC (SQLite gives it back without its offset: it is UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def action_log(ws: Workspace) -> list[dict[str, Any]]:
    """`canbao audit actions --json`: [{"at", "username", "action", "target", "detail", "channel"}], oldest first."""
    with ws.session() as session:
        rows = actions(session)
        return [
            {
                "at": utc_iso(r.at),
                "username": r.username,
                "action": r.action,
                "target": r.target,
                "detail": json.loads(r.detail or "{}"),
                "channel": r.channel,
            }
            for r in rows
        ]
