"""Training sessions and attendance: tables and their reads and writes (keyword-only, each taking a session).

Unique keys make every import repeatable: one session per township and day, one attendance record per
township, day, name and unit. Importing the same rows again changes nothing; a row whose other values differ
corrects the stored one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact
from models.tables import utcnow
from tasks.training.sheets import AttendanceRow, SessionRow
from tasks.training.standings import (
    CAMPAIGN_SOURCE,
    Booking,
    Presence,
    TrainingStanding,
    campaign_bookings,
    training_standings,
)


class TrainingSession(SQLModel, table=True):
    """A township's training session: booked in the campaign file (source "campaign") or imported."""

    __tablename__ = "training_session"
    __table_args__ = (UniqueConstraint("campaign_id", "township_code", "held_on"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    township_code: str = Field(index=True)
    held_on: date
    place: str
    trainer: str = ""
    capacity: int
    source: str  # the file it was imported from, or "campaign"
    source_sheet: str = ""
    source_row: int | None = None
    booked_on: date  # from this date the session is known (the import date, or the campaign's start)
    recorded_at: datetime = Field(default_factory=utcnow)


class Attendance(SQLModel, table=True):
    """One person on a township's sign-in sheet for one day. The phone is personal data: never logged."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("campaign_id", "township_code", "held_on", "staff_name", "staff_unit"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    township_code: str = Field(index=True)
    held_on: date
    staff_name: str
    staff_unit: str = ""
    staff_role: str = ""
    phone: str = ""
    attended: bool = True
    source_file: str
    source_sheet: str = ""
    source_row: int
    imported_on: date  # from this date the record is known
    recorded_at: datetime = Field(default_factory=utcnow)


def ensure_tables(engine: Engine) -> None:
    """Create the training tables in a database made before they existed (`canbao init` creates them too)."""
    tables = SQLModel.metadata.tables
    SQLModel.metadata.create_all(
        engine, tables=[tables[TrainingSession.__tablename__], tables[Attendance.__tablename__]]
    )


def sync_campaign_sessions(session: Session, *, campaign_id: int, campaign: Campaign) -> int:
    """Make the sessions booked in the campaign file match it; an imported session for the same township and
    day is newer information and is kept. Returns the rows changed."""
    wanted = {(b.township_code, b.held_on): b for b in campaign_bookings(campaign)}
    rows = session.exec(select(TrainingSession).where(TrainingSession.campaign_id == campaign_id))
    existing = {(r.township_code, r.held_on): r for r in rows}
    changed = 0
    for key, stored in existing.items():
        if stored.source == CAMPAIGN_SOURCE and key not in wanted:
            session.delete(stored)
            changed += 1
    for key, booking in wanted.items():
        row = existing.get(key)
        if row is None:
            session.add(
                TrainingSession(
                    campaign_id=campaign_id,
                    township_code=booking.township_code,
                    held_on=booking.held_on,
                    place=booking.place,
                    trainer=booking.trainer,
                    capacity=booking.capacity,
                    source=CAMPAIGN_SOURCE,
                    booked_on=booking.booked_on,
                )
            )
            changed += 1
        elif row.source == CAMPAIGN_SOURCE and (row.place, row.trainer, row.capacity) != (
            booking.place,
            booking.trainer,
            booking.capacity,
        ):
            row.place, row.trainer, row.capacity = booking.place, booking.trainer, booking.capacity
            session.add(row)
            changed += 1
    session.flush()
    return changed


def store_sessions(
    session: Session, *, campaign_id: int, rows: Sequence[SessionRow], booked_on: date
) -> tuple[int, int]:
    """Record imported sessions; returns (recorded: new or corrected, unchanged: already recorded as they are)."""
    existing = {
        (r.township_code, r.held_on): r
        for r in session.exec(select(TrainingSession).where(TrainingSession.campaign_id == campaign_id))
    }
    recorded = unchanged = 0
    for row in rows:
        current = existing.get(row.key)
        if current is None:
            current = TrainingSession(
                campaign_id=campaign_id,
                township_code=row.township_code,
                held_on=row.held_on,
                place=row.place,
                trainer=row.trainer,
                capacity=row.capacity,
                source=row.file,
                source_sheet=row.sheet,
                source_row=row.row,
                booked_on=booked_on,
            )
        elif (current.place, current.trainer, current.capacity) == row.values:
            unchanged += 1
            continue
        else:
            current.place, current.trainer, current.capacity = row.values
            current.source, current.source_sheet, current.source_row = row.file, row.sheet, row.row
            current.recorded_at = utcnow()
        session.add(current)
        existing[row.key] = current
        recorded += 1
    session.flush()
    return recorded, unchanged


def store_attendance(
    session: Session, *, campaign_id: int, rows: Sequence[AttendanceRow], imported_on: date
) -> tuple[int, int]:
    """Record attendance; returns (recorded: new or corrected, unchanged: already recorded as they are)."""
    existing = {
        (r.township_code, r.held_on, r.staff_name, r.staff_unit): r
        for r in session.exec(select(Attendance).where(Attendance.campaign_id == campaign_id))
    }
    recorded = unchanged = 0
    for row in rows:
        current = existing.get(row.key)
        if current is None:
            current = Attendance(
                campaign_id=campaign_id,
                township_code=row.township_code,
                held_on=row.held_on,
                staff_name=row.name,
                staff_unit=row.unit,
                staff_role=row.role,
                phone=row.phone,
                attended=row.attended,
                source_file=row.file,
                source_sheet=row.sheet,
                source_row=row.row,
                imported_on=imported_on,
            )
        elif (current.staff_role, current.phone, current.attended) == row.values:
            unchanged += 1
            continue
        else:
            current.staff_role, current.phone, current.attended = row.values
            current.source_file, current.source_sheet, current.source_row = row.file, row.sheet, row.row
            current.imported_on, current.recorded_at = imported_on, utcnow()
        session.add(current)
        existing[row.key] = current
        recorded += 1
    session.flush()
    return recorded, unchanged


def bookings(session: Session, *, campaign_id: int) -> list[Booking]:
    rows = session.exec(select(TrainingSession).where(TrainingSession.campaign_id == campaign_id))
    return [Booking(r.township_code, r.held_on, r.place, r.trainer, r.capacity, r.booked_on, r.source) for r in rows]


def presences(session: Session, *, campaign_id: int) -> list[Presence]:
    rows = session.exec(select(Attendance).where(Attendance.campaign_id == campaign_id))
    return [Presence(r.township_code, r.held_on, r.staff_name, r.staff_unit, r.attended, r.imported_on) for r in rows]


def standings(
    session: Session, *, campaign_id: int, campaign: Campaign, as_of: date, completions: Iterable[CompletionFact] = ()
) -> list[TrainingStanding]:
    """Where each township's training stands on `as_of`: the sessions of the campaign file as it is now and
    those imported (an imported one replaces the file's for the same township and day), and the attendance."""
    merged = {(b.township_code, b.held_on): b for b in campaign_bookings(campaign)}
    for b in bookings(session, campaign_id=campaign_id):
        if b.source != CAMPAIGN_SOURCE:
            merged[(b.township_code, b.held_on)] = b
    return training_standings(
        campaign, list(merged.values()), presences(session, campaign_id=campaign_id), as_of, completions
    )
