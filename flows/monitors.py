"""The daily reminders and the weekly ranking: the monitors scheduled every morning and on Fridays.

Their tasks plan the day's messages (tasks.messages.monitors), write them to the outbox as pending and then
send everything still undelivered (flows.sending).

Prefect walks every task argument looking for futures; over a campaign or a list of messages that walk
costs about 0.1 s a call (measured), so tasks take identifiers and dates. No task caches: their inputs are
workspaces and database state.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.sending import send_messages
from tasks.messages import monitors, outbox
from tasks.messages.dispatch import queue_planned
from tasks.workspace import Workspace


@task(name="queue-reminders", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def queue_reminders(ws: Workspace, as_of: date | None, dry_run: bool) -> tuple[int, list[outbox.Handled]]:
    """Plan who is reminded of what on `as_of` and write the new messages to the outbox as pending."""
    campaign_id, campaign, as_of, planned = monitors.milestone_reminders(ws, as_of)
    get_run_logger().info("%s：应发催办 %d 条", as_of.isoformat(), len(planned))
    return campaign_id, queue_planned(ws, campaign_id, campaign, planned, dry_run)


@task(name="queue-survey-reminders", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def queue_survey_reminders(ws: Workspace, as_of: date | None, dry_run: bool) -> tuple[int, list[outbox.Handled]]:
    """Remind the townships behind in the household survey; tell the county of those behind for days."""
    campaign_id, campaign, as_of, planned = monitors.survey_reminders(ws, as_of)
    if planned is None:
        return campaign_id, []
    get_run_logger().info("%s：入户调查进度滞后提醒 %d 条", as_of.isoformat(), len(planned))
    return campaign_id, queue_planned(ws, campaign_id, campaign, planned, dry_run)


@task(name="queue-training-reminders", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def queue_training_reminders(ws: Workspace, as_of: date | None, dry_run: bool) -> tuple[int, list[outbox.Handled]]:
    """Plan the training reminders of `as_of` and write the new ones to the outbox as pending.

    Returns the campaign id and the planned messages already sent (a dry run: every planned one), skipped."""
    campaign_id, campaign, as_of, planned = monitors.training_reminders(ws, as_of)
    if planned is None:
        return campaign_id, []
    get_run_logger().info("%s：应发培训提醒 %d 条", as_of.isoformat(), len(planned))
    return campaign_id, queue_planned(ws, campaign_id, campaign, planned, dry_run)


@task(name="queue-rectification-reminders", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def queue_rectification_reminders(ws: Workspace, as_of: date | None, dry_run: bool) -> tuple[int, list[outbox.Handled]]:
    """Remind the townships of the inspectors' findings to rectify; tell the county of those overdue."""
    campaign_id, campaign, as_of, planned = monitors.rectification_reminders(ws, as_of)
    if planned:
        get_run_logger().info("%s：督查整改提醒 %d 条", as_of.isoformat(), len(planned))
    return campaign_id, queue_planned(ws, campaign_id, campaign, planned, dry_run)


@task(name="queue-ranking-notice", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def queue_ranking_notice(
    ws: Workspace, as_of: date | None, dry_run: bool, force: bool
) -> tuple[int, list[outbox.Handled]]:
    """On a ranking day (or when forced), rank the townships and queue the notice to each of them."""
    campaign_id, campaign, planned = monitors.ranking_notice(ws, as_of, dry_run, force)
    return campaign_id, queue_planned(ws, campaign_id, campaign, planned, dry_run) if planned else []


def run_daily_reminders(ws: Workspace, as_of: date | None = None, dry_run: bool = False) -> list[outbox.Handled]:
    """Remind the owners who are behind on `as_of` (milestones, survey, training, the inspectors' findings to
    rectify), then send everything still undelivered."""
    campaign_id, handled = queue_reminders(ws, as_of, dry_run)
    _cid, survey = queue_survey_reminders(ws, as_of, dry_run)
    _cid, training = queue_training_reminders(ws, as_of, dry_run)
    _cid, rectification = queue_rectification_reminders(ws, as_of, dry_run)
    handled += survey + training + rectification
    return handled if dry_run else handled + send_messages(ws, campaign_id)


def run_weekly_ranking(
    ws: Workspace, as_of: date | None = None, dry_run: bool = False, force: bool = False
) -> list[outbox.Handled]:
    """Issue the ranking notice on the campaign's ranking day (or any day with `force`)."""
    campaign_id, handled = queue_ranking_notice(ws, as_of, dry_run, force)
    return handled if dry_run else handled + send_messages(ws, campaign_id)


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
