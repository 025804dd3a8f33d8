"""The daily reminder and weekly ranking monitors."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from flows import steps
from flows.training_steps import queue_training_reminders
from tasks.messages import outbox
from tasks.workspace import Workspace


def run_daily_reminders(ws: Workspace, as_of: date | None = None, dry_run: bool = False) -> list[outbox.Handled]:
    """Remind the owners who are behind on `as_of`, then send everything still undelivered."""
    campaign_id, handled = steps.queue_reminders(ws, as_of, dry_run)
    _cid, survey = steps.queue_survey_reminders(ws, as_of, dry_run)
    _cid, training = queue_training_reminders(ws, as_of, dry_run)
    handled += survey + training
    return handled if dry_run else handled + steps.send_messages(ws, campaign_id)


def run_weekly_ranking(
    ws: Workspace, as_of: date | None = None, dry_run: bool = False, force: bool = False
) -> list[outbox.Handled]:
    """Issue the ranking notice on the campaign's ranking day (or any day with `force`)."""
    campaign_id, handled = steps.queue_ranking_notice(ws, as_of, dry_run, force)
    return handled if dry_run else handled + steps.send_messages(ws, campaign_id)


@flow(name="daily-reminders")
def daily_reminders(as_of: date | None = None, dry_run: bool = False) -> list[dict[str, Any]]:
    ws = Workspace.open()
    try:
        with ws.lock("outbox"):
            return [h.to_json() for h in run_daily_reminders(ws, as_of, dry_run)]
    finally:
        ws.close()


@flow(name="weekly-ranking")
def weekly_ranking(as_of: date | None = None, dry_run: bool = False, force: bool = False) -> list[dict[str, Any]]:
    ws = Workspace.open()
    try:
        with ws.lock("outbox"):
            return [h.to_json() for h in run_weekly_ranking(ws, as_of, dry_run, force)]
    finally:
        ws.close()
