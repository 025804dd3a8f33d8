"""Where each township's training stands on a date (三（三）、四（二）), and the milestone completions that makes.
Pure.

* A person is counted once however many sessions they attend (distinct name and unit within a township).
* A township is trained when its attended staff reach `required_for(township)`; the milestone is done on the
  session day that count was reached. Only attendance imported by the date asked about counts.
* A standing names why the township is to be reminded (tasks.messages.training_reminders): no session booked from
  `book_by_days` before the milestone's due date; a session held `attendance_within_days` ago or more without
  its sign-in sheet; attendance below the required number that the sessions still booked cannot make up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from models.campaign.spec import Campaign, Milestone, Training
from models.campaign.values import Booking, CompletionFact, Presence
from tasks.wording.render import cn_date

Reason = Literal["no_session", "attendance_missing", "below_required"]


# -- sessions and attendance as the standings see them --------------------------------------------------------


def campaign_bookings(campaign: Campaign) -> list[Booking]:
    """The sessions the campaign file books, known from the campaign's start."""
    if campaign.training is None:
        return []
    return [
        Booking(s.township, s.date, s.place, s.trainer, s.capacity, min(campaign.start, s.date))
        for s in campaign.training.sessions
    ]


# -- where each township stands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingStanding:
    code: str
    name: str
    sessions: int  # sessions booked or held (known from attendance) by as_of, on any day
    held: int  # of those, held by as_of
    attended: int  # distinct persons who attended, from attendance imported by as_of
    required: int
    trained: bool
    reached_on: date | None  # the session day the required number was reached
    done_on: date | None  # the milestone's recorded completion, if any by as_of
    missing_attendance: tuple[date, ...]  # sessions held long enough ago without their sign-in sheet
    upcoming_capacity: int  # seats in the sessions booked after as_of
    reason: Reason | None  # why the township is reminded on as_of (None: nothing to remind of)
    reason_text: str | None  # the same in Chinese

    @property
    def shortfall(self) -> int:
        return max(self.required - self.attended, 0)


def training_of(campaign: Campaign) -> Training:
    """The campaign's `[training]`; a campaign without one cannot import or judge training."""
    if campaign.training is None:
        raise ValueError("活动计划中没有 [training]（乡镇级业务培训）的设置")
    return campaign.training


def training_milestone(campaign: Campaign) -> Milestone:
    training = training_of(campaign)
    milestone = campaign.milestone(training.milestone)
    assert milestone is not None  # the campaign file's validation guarantees it
    return milestone


def training_standings(
    campaign: Campaign,
    bookings: Iterable[Booking],
    attendance: Iterable[Presence],
    as_of: date,
    completions: Iterable[CompletionFact] = (),
) -> list[TrainingStanding]:
    """One standing per township, in the campaign file's order, as known on `as_of`."""
    training = training_of(campaign)
    milestone = training_milestone(campaign)
    done = {c.owner: c.done_on for c in completions if c.milestone == milestone.key and c.done_on <= as_of}
    booked: dict[str, dict[date, Booking]] = {}
    for b in bookings:
        if b.booked_on <= as_of:
            booked.setdefault(b.township_code, {})[b.held_on] = b
    present: dict[str, list[Presence]] = {}
    for p in attendance:
        if p.imported_on <= as_of and p.held_on <= as_of:
            present.setdefault(p.township_code, []).append(p)
    book_by = milestone.due - timedelta(days=training.book_by_days)
    standings = []
    for township in campaign.townships:
        code = township.code
        sessions = booked.get(code, {})
        records = sorted(present.get(code, []), key=lambda p: p.held_on)
        sheet_days = {p.held_on for p in records}
        days = set(sessions) | sheet_days
        required = training.required_for(code)
        persons: set[tuple[str, str]] = set()
        reached_on = None
        for p in records:
            if p.attended:
                persons.add((p.name, p.unit))
                if reached_on is None and len(persons) >= required:
                    reached_on = p.held_on
        late = as_of - timedelta(days=training.attendance_within_days)
        missing = tuple(sorted(d for d in sessions if d <= late and d not in sheet_days))
        waiting = any(late < d <= as_of and d not in sheet_days for d in sessions)  # sheet not due yet
        upcoming = sum(s.capacity for d, s in sessions.items() if d > as_of)
        trained = len(persons) >= required
        reason: Reason | None = None
        if not trained and code not in done:
            shortfall = required - len(persons)
            if not days:
                reason = "no_session" if as_of >= book_by else None
            elif missing:
                reason = "attendance_missing"
            elif not waiting and upcoming < shortfall and (sheet_days or as_of >= book_by):
                reason = "below_required"
        standings.append(
            TrainingStanding(
                code=code,
                name=township.name,
                sessions=len(days),
                held=sum(d <= as_of for d in days),
                attended=len(persons),
                required=required,
                trained=trained,
                reached_on=reached_on,
                done_on=done.get(code),
                missing_attendance=missing,
                upcoming_capacity=upcoming,
                reason=reason,
                reason_text=None,
            )
        )
    return [_with_text(s, as_of) for s in standings]


def _with_text(standing: TrainingStanding, as_of: date) -> TrainingStanding:
    if standing.reason is None:
        return standing
    if standing.reason == "no_session":
        text = f"截至{_cn(as_of)}尚未安排培训场次"
    elif standing.reason == "attendance_missing":
        text = f"{'、'.join(_cn(d) for d in standing.missing_attendance)}的培训签到表尚未报送"
    else:
        text = f"已参训{standing.attended}人，应参训{standing.required}人，尚差{standing.shortfall}人"
        if standing.upcoming_capacity:
            text += f"，已安排的后续场次只能容纳{standing.upcoming_capacity}人"
        else:
            text += "，且没有安排后续场次"
    return replace(standing, reason_text=text)


def _cn(day: date) -> str:
    return cn_date(day)


def training_completions(campaign: Campaign, standings: Iterable[TrainingStanding]) -> list[CompletionFact]:
    """The training milestone of every trained township, done on the day its required number was reached."""
    if campaign.training is None:
        return []
    milestone = training_milestone(campaign)
    return [
        CompletionFact(milestone.key, s.code, s.reached_on) for s in standings if s.trained and s.reached_on is not None
    ]
