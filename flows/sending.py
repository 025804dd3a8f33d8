"""Sending the outbox: the task the reminder, ranking and cut-off flows end with."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.messages import outbox
from tasks.messages.dispatch import send_undelivered
from tasks.workspace import Workspace


@task(name="send-messages", cache_policy=NO_CACHE)
def send_messages(ws: Workspace, campaign_id: int) -> list[outbox.Handled]:
    handled = send_undelivered(ws, campaign_id)
    if handled:
        failed = sum(h.status == "failed" for h in handled)
        get_run_logger().info("发送消息 %d 条，失败 %d 条", len(handled), failed)
    return handled
