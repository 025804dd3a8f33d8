"""Township training with the database: the campaign file's sessions kept stored, and where each township's
training stands by what is stored. The rules are tasks.training.standings'; models.training stores the rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session

from models import training as training_db
from models.campaign.spec import Campaign
from models.campaign.values import CAMPAIGN_SOURCE, CompletionFact
from tasks.training.standings import TrainingStanding, campaign_bookings, training_standings


def sync_campaign_sessions(session: Session, *, campaign_id: int, campaign: Campaign) -> int:
    """Make the stored sessions booked in the campaign file match it; an imported session for the same township
    and day is newer information and is kept. Returns the rows changed."""
    return training_db.replace_campaign_sessions(session, campaign_id=campaign_id, bookings=campaign_bookings(campaign))


def standings(
    session: Session, *, campaign_id: int, campaign: Campaign, as_of: date, completions: Iterable[CompletionFact] = ()
) -> list[TrainingStanding]:
    """Where each township's training stands on `as_of`: the sessions of the campaign file as it is now and
    those imported (an imported one replaces the file's for the same township and day), and the attendance."""
    merged = {(b.township_code, b.held_on): b for b in campaign_bookings(campaign)}
    for b in training_db.bookings(session, campaign_id=campaign_id):
        if b.source != CAMPAIGN_SOURCE:
            merged[(b.township_code, b.held_on)] = b
    presences = training_db.presences(session, campaign_id=campaign_id)
    return training_standings(campaign, list(merged.values()), presences, as_of, completions)
