"""Prefect tasks of the township training: reminders to townships whose training is behind.

To be called by the daily reminder flow (and the replay) beside `steps.queue_reminders`; its messages go
through the same outbox, so `steps.send_messages` sends them.
"""

from __future__ import annotations

from datetime import date

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.messages import outbox
from tasks.training import recording as training_records
from tasks.training.reminders import plan_training_reminders
from tasks.workspace import Workspace, today_in


@task(name="queue-training-reminders", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def queue_training_reminders(ws: Workspace, as_of: date | None, dry_run: bool) -> tuple[int, list[outbox.Handled]]:
    """Plan the training reminders of `as_of` and write the new ones to the outbox as pending.

    Returns the campaign id and the planned messages already sent (a dry run: every planned one), skipped."""
    campaign_id, campaign, completions = ws.state()
    as_of = as_of or today_in(campaign)
    if campaign.training is None:
        return campaign_id, []
    with ws.session() as session:
        standings = training_records.standings(
            session, campaign_id=campaign_id, campaign=campaign, as_of=as_of, completions=completions
        )
    planned = plan_training_reminders(campaign, standings, as_of)
    get_run_logger().info("%s：应发培训提醒 %d 条", as_of.isoformat(), len(planned))
    if dry_run:
        return campaign_id, outbox.dry_run(planned)
    with ws.session() as session:
        return campaign_id, outbox.enqueue(session, campaign_id=campaign_id, campaign=campaign, planned=planned)
