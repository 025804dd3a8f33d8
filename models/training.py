"""Training sessions and attendance: tables and their reads and writes (keyword-only, each taking a session).

Unique keys make every import repeatable: one session per township and day, one attendance record per
township, day, name and unit. Importing the same rows again changes nothing; a row whose other values differ
corrects the stored one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from models.campaign.values import CAMPAIGN_SOURCE, AttendanceRow, Booking, Presence, SessionRow
from models.tables import utcnow
from models.upsert import upsert


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


def replace_campaign_sessions(session: Session, *, campaign_id: int, bookings: Iterable[Booking]) -> int:
    """Make the stored sessions of source "campaign" match `bookings` (the campaign file's); an imported
    session for the same township and day is newer information and is kept. Returns the rows changed."""
    wanted = {(b.township_code, b.held_on): b for b in bookings}
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


_SESSION_KEY = ("campaign_id", "township_code", "held_on")
_SESSION_CORRECTED = ("place", "trainer", "capacity", "source", "source_sheet", "source_row", "recorded_at")
_ATTENDANCE_KEY = ("campaign_id", "township_code", "held_on", "staff_name", "staff_unit")
_ATTENDANCE_CORRECTED = (
    "staff_role", "phone", "attended", "source_file", "source_sheet", "source_row", "imported_on", "recorded_at",
)  # fmt: skip


def store_sessions(
    session: Session, *, campaign_id: int, rows: Sequence[SessionRow], booked_on: date
) -> tuple[int, int]:
    """Record imported sessions; returns (recorded: new or corrected, unchanged: already recorded as they are)."""
    stored = session.exec(select(TrainingSession).where(TrainingSession.campaign_id == campaign_id))
    known = {(r.township_code, r.held_on): (r.place, r.trainer, r.capacity) for r in stored}
    now = utcnow()
    changed: dict[tuple[str, date], dict[str, Any]] = {}
    recorded = 0
    for row in rows:
        if known.get(row.key) == row.values:
            continue
        known[row.key] = row.values
        recorded += 1
        changed[row.key] = {
            "campaign_id": campaign_id,
            "township_code": row.township_code,
            "held_on": row.held_on,
            "place": row.place,
            "trainer": row.trainer,
            "capacity": row.capacity,
            "source": row.file,
            "source_sheet": row.sheet,
            "source_row": row.row,
            "booked_on": booked_on,  # a correction keeps the day the session became known
            "recorded_at": now,
        }
    upsert(session, TrainingSession, list(changed.values()), keys=_SESSION_KEY, updates=_SESSION_CORRECTED)
    return recorded, len(rows) - recorded


def store_attendance(
    session: Session, *, campaign_id: int, rows: Sequence[AttendanceRow], imported_on: date
) -> tuple[int, int]:
    """Record attendance; returns (recorded: new or corrected, unchanged: already recorded as they are)."""
    stored = session.exec(select(Attendance).where(Attendance.campaign_id == campaign_id))
    known = {
        (r.township_code, r.held_on, r.staff_name, r.staff_unit): (r.staff_role, r.phone, r.attended) for r in stored
    }
    now = utcnow()
    changed: dict[tuple[str, date, str, str], dict[str, Any]] = {}
    recorded = 0
    for row in rows:
        if known.get(row.key) == row.values:
            continue
        known[row.key] = row.values
        recorded += 1
        changed[row.key] = {
            "campaign_id": campaign_id,
            "township_code": row.township_code,
            "held_on": row.held_on,
            "staff_name": row.name,
            "staff_unit": row.unit,
            "staff_role": row.role,
            "phone": row.phone,
            "attended": row.attended,
            "source_file": row.file,
            "source_sheet": row.sheet,
            "source_row": row.row,
            "imported_on": imported_on,
            "recorded_at": now,
        }
    upsert(session, Attendance, list(changed.values()), keys=_ATTENDANCE_KEY, updates=_ATTENDANCE_CORRECTED)
    return recorded, len(rows) - recorded


def bookings(session: Session, *, campaign_id: int) -> list[Booking]:
    rows = session.exec(select(TrainingSession).where(TrainingSession.campaign_id == campaign_id))
    return [Booking(r.township_code, r.held_on, r.place, r.trainer, r.capacity, r.booked_on, r.source) for r in rows]


def presences(session: Session, *, campaign_id: int) -> list[Presence]:
    rows = session.exec(select(Attendance).where(Attendance.campaign_id == campaign_id))
    return [Presence(r.township_code, r.held_on, r.staff_name, r.staff_unit, r.attended, r.imported_on) for r in rows]
