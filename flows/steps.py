"""Prefect tasks: thin wrappers that load, call the pure core, and save. Named verb_noun.

Prefect walks every task argument looking for futures; over a campaign or a list of messages that walk
costs about 0.1 s a call (measured), so tasks take identifiers and dates, and the few that must take
data receive it wrapped in `quote`. No task caches: their inputs are workspaces and database state.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import text

from models import crud
from models.campaign.spec import Campaign
from tasks.documents.official import notice_file_names, notice_folder_name, write_notice_files
from tasks.documents.ranking_notice import is_ranking_day, plan_ranking_notice, ranking_document
from tasks.intake import snapshots
from tasks.messages import outbox
from tasks.messages.planned import PlannedMessage
from tasks.messages.reminders import plan_reminders
from tasks.messages.sending import Deliverer
from tasks.messages.survey_reminders import consecutive_behind, in_survey, plan_survey_reminders, survey_standings
from tasks.plan.data_completions import missing_sources
from tasks.plan.status import MilestoneStatus, milestone_statuses
from tasks.plan.workdays import WorkCalendar
from tasks.scoring.ranking import rank_townships
from tasks.survey.progress_report import Progress, calendar_of
from tasks.workspace import Workspace, today_in


def statuses_as_of(ws: Workspace, as_of: date | None) -> tuple[int, Campaign, date, list[MilestoneStatus]]:
    campaign_id, campaign, completions = ws.state()
    as_of = as_of or today_in(campaign)
    return campaign_id, campaign, as_of, milestone_statuses(campaign, completions, as_of)


@task(name="queue-reminders", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def queue_reminders(ws: Workspace, as_of: date | None, dry_run: bool) -> tuple[int, list[outbox.Handled]]:
    """Plan who is reminded of what on `as_of` and write the new messages to the outbox as pending."""
    campaign_id, campaign, as_of, statuses = statuses_as_of(ws, as_of)
    with ws.session() as session:
        delivered = snapshots.delivered_sources(session, campaign_id=campaign_id)
    planned = plan_reminders(campaign, statuses, as_of, missing_sources(campaign, delivered))
    get_run_logger().info("%s：应发催办 %d 条", as_of.isoformat(), len(planned))
    return campaign_id, _queue(ws, campaign_id, campaign, planned, dry_run)


@task(name="queue-ranking-notice", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def queue_ranking_notice(
    ws: Workspace, as_of: date | None, dry_run: bool, force: bool
) -> tuple[int, list[outbox.Handled]]:
    """On a ranking day (or when forced), rank the townships and queue the notice to each of them."""
    campaign_id, campaign, as_of, statuses = statuses_as_of(ws, as_of)
    if not (force or is_ranking_day(campaign, as_of)):
        return campaign_id, []
    survey = None
    if in_survey(campaign, as_of):
        figures = survey_figures(ws, campaign_id, campaign, [as_of])
        if figures and figures[0].townships["to_visit"].sum() > 0:
            survey = survey_standings(campaign, figures[0].townships)
    standings = rank_townships(campaign, statuses, as_of)
    document = ranking_document(campaign, standings, as_of, survey)
    folder = ws.settings.notices_dir / notice_folder_name(document)
    # Written once per notice, before any message names it; a dry run only says where it would be.
    files = [folder / name for name in notice_file_names(document)] if dry_run else write_notice_files(document, folder)
    planned = plan_ranking_notice(campaign, standings, as_of, survey, attachments=files)
    return campaign_id, _queue(ws, campaign_id, campaign, planned, dry_run)


def survey_figures(ws: Workspace, campaign_id: int, campaign: Campaign, days: list[date]) -> list[Progress]:
    """Survey progress on each of `days` (one read of the lists and visits); empty before any list exists."""
    from flows.survey import progress_in_database

    with ws.engine.connect() as connection:
        listed = connection.execute(
            text("SELECT 1 FROM worklist_entry WHERE campaign_id = :c LIMIT 1"), {"c": campaign_id}
        ).first()
        if listed is None:
            return []
        return [progress_in_database(connection, campaign_id, campaign, day) for day in days]


@task(name="queue-survey-reminders", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def queue_survey_reminders(ws: Workspace, as_of: date | None, dry_run: bool) -> tuple[int, list[outbox.Handled]]:
    """Remind the townships behind in the household survey; tell the county of those behind for days."""
    campaign_id, campaign = ws.campaign()
    as_of = as_of or today_in(campaign)
    calendar = calendar_of(campaign)
    if not in_survey(campaign, as_of) or not calendar.is_workday(as_of):
        return campaign_id, []
    start, _deadline = campaign.survey_window()
    days = [as_of]
    while len(days) < campaign.survey.escalate_after_days:
        previous = _previous_workday(calendar, days[-1])
        if previous < start:
            break
        days.append(previous)
    history = survey_figures(ws, campaign_id, campaign, days)
    if not history:
        return campaign_id, []
    behind_days = consecutive_behind([p.townships for p in reversed(history)])
    today = history[0]
    planned = plan_survey_reminders(campaign, today.townships, today.villages, behind_days, as_of, calendar)
    get_run_logger().info("%s：入户调查进度滞后提醒 %d 条", as_of.isoformat(), len(planned))
    return campaign_id, _queue(ws, campaign_id, campaign, planned, dry_run)


def _previous_workday(calendar: WorkCalendar, day: date) -> date:
    day -= timedelta(days=1)
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    return day


def _queue(
    ws: Workspace, campaign_id: int, campaign: Campaign, planned: list[PlannedMessage], dry_run: bool
) -> list[outbox.Handled]:
    """Dry runs report every planned message as skipped; real runs report those already sent."""
    if dry_run:
        return outbox.dry_run(planned)
    with ws.session() as session:
        return outbox.enqueue(session, campaign_id=campaign_id, campaign=campaign, planned=planned)


@task(name="send-messages", cache_policy=NO_CACHE)
def send_messages(ws: Workspace, campaign_id: int) -> list[outbox.Handled]:
    with ws.session() as session:
        if not crud.undelivered_messages(session, campaign_id=campaign_id):
            return []
        path = ws.settings.apprise_path
        handled = outbox.dispatch(session, campaign_id=campaign_id, sender=deliverer_for(path, _mtime(path)))
    failed = sum(h.status == "failed" for h in handled)
    get_run_logger().info("发送消息 %d 条，失败 %d 条", len(handled), failed)
    return handled


@lru_cache(maxsize=4)
def deliverer_for(path: Path, _mtime: float) -> Deliverer:
    """Reading apprise's configuration takes about 30 ms: once per file version, not once per run."""
    return Deliverer(path)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
