"""What the daily and weekly monitors (flows/monitors.py) plan to send on a day, read from a workspace.

Each function returns the campaign's id and what is planned (None: nothing to plan on that day); queueing
it is tasks.messages.dispatch's.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from models.campaign.spec import Campaign
from models.crud import delivered_sources
from tasks.messages.outbox import Handled, dry_run
from tasks.messages.planned import PlannedMessage
from tasks.messages.reminders import plan_reminders
from tasks.plan.data_completions import missing_sources
from tasks.plan.tracking import statuses_as_of
from tasks.workspace import Workspace, today_in

if TYPE_CHECKING:
    from tasks.plan.workdays import WorkCalendar

# The planners of the survey, the ranking notice and the rectifications (pandas, the documents, the senders'
# configuration) are imported by the function that needs them: a dry run on a day outside the survey answers
# without loading them (`canbao remind --dry-run` in about a second).


def milestone_reminders(ws: Workspace, as_of: date | None) -> tuple[int, Campaign, date, list[PlannedMessage]]:
    """Who is reminded of which milestone on `as_of` (a department also of the sources it has not delivered)."""
    campaign_id, campaign, as_of, statuses = statuses_as_of(ws, as_of)
    with ws.session() as session:
        delivered = delivered_sources(session, campaign_id=campaign_id)
    return campaign_id, campaign, as_of, plan_reminders(campaign, statuses, as_of, missing_sources(campaign, delivered))


def ranking_notice(
    ws: Workspace, as_of: date | None, dry_run: bool, force: bool
) -> tuple[int, Campaign, list[PlannedMessage]]:
    """On a ranking day (or when forced), the townships ranked and the notice to each of them; nothing otherwise.

    The notice's files are written once, before any message names them; a dry run only says where they would be."""
    from tasks.documents.official import notice_file_names, notice_folder_name, write_notice_files
    from tasks.documents.ranking_notice import is_ranking_day, ranking_document
    from tasks.messages.notices import plan_ranking_notice
    from tasks.messages.survey_reminders import in_survey, survey_standings
    from tasks.scoring.ranking import rank_townships
    from tasks.survey.figures import survey_figures

    campaign_id, campaign, as_of, statuses = statuses_as_of(ws, as_of)
    if not (force or is_ranking_day(campaign, as_of)):
        return campaign_id, campaign, []
    survey = None
    if in_survey(campaign, as_of):
        figures = survey_figures(ws, campaign_id, campaign, [as_of])
        if figures and figures[0].townships["to_visit"].sum() > 0:
            survey = survey_standings(campaign, figures[0].townships)
    standings = rank_townships(campaign, statuses, as_of)
    document = ranking_document(campaign, standings, as_of, survey)
    folder = ws.settings.notices_dir / notice_folder_name(document)
    files: list[Path] = (
        [folder / name for name in notice_file_names(document)] if dry_run else write_notice_files(document, folder)
    )
    return campaign_id, campaign, plan_ranking_notice(campaign, standings, as_of, survey, attachments=files)


def survey_reminders(ws: Workspace, as_of: date | None) -> tuple[int, Campaign, date, list[PlannedMessage] | None]:
    """The townships behind 序时进度 in the household survey on a workday of it, the county told of those behind
    for `escalate_after_days` workdays in a row, the townships whose pace misses the deadline warned, and refused
    rows still to be corrected reminded to their townships (and villages with a channel)."""
    campaign_id, campaign = ws.campaign()
    as_of = as_of or today_in(campaign)
    start, deadline = campaign.survey_window()
    if not start <= as_of <= deadline:
        return campaign_id, campaign, as_of, None
    from tasks.messages.survey_reminders import consecutive_behind, plan_survey_reminders
    from tasks.survey.figures import survey_figures
    from tasks.survey.progress_report import calendar_of
    from tasks.survey.refusals import refusals_outstanding
    from tasks.survey.reviews import reviews_overdue

    calendar = calendar_of(campaign)
    if not calendar.is_workday(as_of):
        return campaign_id, campaign, as_of, None
    days = [as_of]
    while len(days) < campaign.survey.escalate_after_days:
        previous = _previous_workday(calendar, days[-1])
        if previous < start:
            break
        days.append(previous)
    history = survey_figures(ws, campaign_id, campaign, days)
    if not history:
        return campaign_id, campaign, as_of, None
    behind_days = consecutive_behind([p.townships for p in reversed(history)])
    today = history[0]
    refused = refusals_outstanding(ws, campaign_id, as_of)
    channels: frozenset[str] = frozenset()
    if len(refused):  # which villages have a channel of their own: the senders' configuration (apprise)
        from tasks.messages.dispatch import configured_tags

        channels = configured_tags(ws)
    unreviewed = reviews_overdue(ws, campaign_id, campaign, as_of)
    planned = plan_survey_reminders(
        campaign, today.townships, today.villages, behind_days, as_of, calendar, refused, channels, unreviewed
    )
    return campaign_id, campaign, as_of, planned


def training_reminders(ws: Workspace, as_of: date | None) -> tuple[int, Campaign, date, list[PlannedMessage] | None]:
    """The townships whose training is behind on `as_of`; nothing for a campaign without township training."""
    campaign_id, campaign, completions = ws.state()
    as_of = as_of or today_in(campaign)
    if campaign.training is None:
        return campaign_id, campaign, as_of, None
    from tasks.messages.training_reminders import plan_training_reminders
    from tasks.training import recording as training_records

    with ws.session() as session:
        standings = training_records.standings(
            session, campaign_id=campaign_id, campaign=campaign, as_of=as_of, completions=completions
        )
    return campaign_id, campaign, as_of, plan_training_reminders(campaign, standings, as_of)


def rectification_reminders(ws: Workspace, as_of: date | None) -> tuple[int, Campaign, date, list[PlannedMessage]]:
    """The townships reminded of findings of the inspectors' ledger to rectify, before and after their deadline,
    and the county told of those overdue (tasks.messages.rectification_reminders)."""
    from tasks.inspection.ledger_records import ledger_entries_on
    from tasks.messages.rectification_reminders import plan_rectification_reminders

    campaign_id, campaign = ws.campaign()
    as_of = as_of or today_in(campaign)
    entries = ledger_entries_on(ws, as_of)
    return campaign_id, campaign, as_of, plan_rectification_reminders(campaign, entries, as_of)


def _previous_workday(calendar: WorkCalendar, day: date) -> date:
    day -= timedelta(days=1)
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    return day


def preview_daily_reminders(ws: Workspace, as_of: date | None) -> list[Handled]:
    """What the daily reminders would send on `as_of` (milestones, survey, training, rectification), each reported
    as skipped:
    the dry run of flows.monitors.daily_reminders, which reads and writes nothing else and so needs no flow."""
    plans = (milestone_reminders, survey_reminders, training_reminders, rectification_reminders)
    planned = [m for plan in plans for m in plan(ws, as_of)[3] or []]
    return dry_run(planned)


def preview_ranking_notice(ws: Workspace, as_of: date | None) -> list[Handled]:
    """The ranking notice that `notice ranking` would issue on `as_of`, each message reported as skipped: the
    dry run of flows.monitors.weekly_ranking (forced), which writes no notice file and sends nothing."""
    _cid, _campaign, planned = ranking_notice(ws, as_of, dry_run=True, force=True)
    return dry_run(planned)
