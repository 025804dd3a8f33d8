"""Which townships are reminded of their training, and of what (三（三）). Pure planning, like
tasks.messages.reminders: one message a week per township and reason (tasks.training.standings gives the reason).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from models.campaign.spec import Campaign
from tasks.messages.planned import PlannedMessage
from tasks.training.standings import TrainingStanding, training_milestone

KIND = "training_reminder"


def plan_training_reminders(
    campaign: Campaign, standings: Iterable[TrainingStanding], as_of: date
) -> list[PlannedMessage]:
    """One message to each township with a reason on `as_of`; the key holds the reason and the ISO week, so
    reruns (and daily runs) remind of one reason at most once a week. Training reminders stop with the
    milestone's overdue reminders (its due date plus the last of the policy's `after_days`)."""
    if campaign.training is None:
        return []
    training = campaign.training
    milestone = training_milestone(campaign)
    last = milestone.due + timedelta(days=max(campaign.reminders.after_days, default=0))
    if as_of > min(last, campaign.end):
        return []
    iso = as_of.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    planned = []
    for s in standings:
        if s.reason is None:
            continue
        planned.append(
            PlannedMessage.for_owner(
                campaign,
                KIND,
                s.code,
                key=(s.code, s.reason, week),
                key_kind="training",
                as_of=as_of,
                milestone=milestone.key,
                owner_name=s.name,
                context={
                    "milestone": milestone.model_dump(),
                    "due": milestone.due,
                    "reason": s.reason,
                    "reason_text": s.reason_text,
                    "required": s.required,
                    "attended": s.attended,
                    "shortfall": s.shortfall,
                    "sessions": s.sessions,
                    "upcoming_capacity": s.upcoming_capacity,
                    "missing_dates": list(s.missing_attendance),
                    "within_days": training.attendance_within_days,
                },
            )
        )
    return planned
