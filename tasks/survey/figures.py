"""The household survey's progress on a day, counted by the database (models.survey.visits.village_counts)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from models.campaign.spec import Campaign
from models.registry import has_worklists
from models.survey.visits import unlisted_visit_count, village_counts
from tasks.survey.progress_report import Progress, progress_from_counts, window_start
from tasks.workspace import Workspace


def progress_in_database(connection: Connection, campaign_id: int, campaign: Campaign, as_of: date) -> Progress:
    """Survey progress with the counting done by the database (see models.survey.visits.village_counts)."""
    counts = village_counts(
        connection, campaign_id=campaign_id, as_of=as_of, window_start=window_start(campaign, as_of)
    )
    unlisted = unlisted_visit_count(connection, campaign_id=campaign_id, as_of=as_of)
    return progress_from_counts(campaign, counts, unlisted, as_of)


def load_progress(ws: Workspace, as_of: date) -> tuple[Campaign, Progress]:
    campaign_id, campaign = ws.campaign()
    with ws.engine.connect() as connection:
        return campaign, progress_in_database(connection, campaign_id, campaign, as_of)


def survey_figures(ws: Workspace, campaign_id: int, campaign: Campaign, days: list[date]) -> list[Progress]:
    """Survey progress on each of `days` (one read of the lists and visits); empty before any list exists."""
    with ws.engine.connect() as connection:
        if not has_worklists(connection, campaign_id=campaign_id):
            return []
        return [progress_in_database(connection, campaign_id, campaign, day) for day in days]
