"""The township's review of its villages' recorded visits (乡镇负责督促核实, plan 三（五）③): each visit confirmed
(核实) or sent back with a reason. A visit sent back is also kept as a refused row (models.survey.refused), so the
village sees it to correct, and is reminded, like a row refused at import. This module stores and reads rows;
what may be reviewed by whom is tasks.survey.reviews' and tasks.access'."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlmodel import Field, SQLModel

from models.tables import utcnow


class VisitReview(SQLModel, table=True):
    """One visit's review: confirmed, or returned with the reason."""

    __tablename__ = "visit_review"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(index=True)
    visit_id: int = Field(unique=True, index=True)
    township_code: str = Field(index=True)
    village_code: str = Field(index=True)
    status: str  # confirmed | returned
    reason: str = ""
    reviewed_on: date
    reviewed_by: str
    recorded_at: datetime = Field(default_factory=utcnow)


_UNREVIEWED = """
    SELECT v.id, v.id_number, v.township_code, v.village_code, v.outcome, v.visited_on, v.visitor, v.received_on
    FROM visit v
    WHERE v.campaign_id = :c AND v.township_code = :t AND v.outcome <> ''
      AND NOT EXISTS (SELECT 1 FROM visit_review r WHERE r.visit_id = v.id)"""

UNREVIEWED_COLUMNS = ("visit_id", "id_number", "township_code", "village_code", "outcome", "visited_on", "visitor",
                      "received_on")  # fmt: skip


def unreviewed_visits(
    connection: Connection, *, campaign_id: int, township_code: str, village_code: str | None = None
) -> list[dict[str, Any]]:
    """The township's recorded visits (with a result) not reviewed yet, by village and visit."""
    query, params = _UNREVIEWED, {"c": campaign_id, "t": township_code}
    if village_code is not None:
        query += " AND v.village_code = :v"
        params["v"] = village_code
    rows = connection.execute(text(query + " ORDER BY v.village_code, v.id"), params).all()
    return [dict(zip(UNREVIEWED_COLUMNS, row, strict=True)) for row in rows]


def add_reviews(connection: Connection, reviews: Sequence[dict[str, Any]]) -> int:
    """Insert review rows (the VisitReview columns but id and recorded_at); returns how many."""
    if not reviews:
        return 0
    now = utcnow()
    connection.execute(
        text(
            "INSERT INTO visit_review (campaign_id, visit_id, township_code, village_code, status, reason,"
            " reviewed_on, reviewed_by, recorded_at) VALUES (:campaign_id, :visit_id, :township_code,"
            " :village_code, :status, :reason, :reviewed_on, :reviewed_by, :recorded_at)"
        ),
        [{**r, "recorded_at": now} for r in reviews],
    )
    return len(reviews)


_OVERDUE = """
    SELECT v.township_code, v.village_code, COUNT(*) AS waiting
    FROM visit v
    WHERE v.campaign_id = :c AND v.outcome <> '' AND v.received_on <= :d
      AND NOT EXISTS (SELECT 1 FROM visit_review r WHERE r.visit_id = v.id)
    GROUP BY v.township_code, v.village_code
    ORDER BY v.township_code, v.village_code"""


def overdue_reviews(connection: Connection, *, campaign_id: int, received_by: date) -> list[tuple[str, str, int]]:
    """Per village, the visits received by `received_by` and not reviewed yet: (township, village, count)."""
    rows = connection.execute(text(_OVERDUE), {"c": campaign_id, "d": received_by}).all()
    return [(str(t), str(v), int(n)) for t, v, n in rows]


_WAITING = """
    SELECT v.township_code, v.village_code, COUNT(*) AS waiting, MIN(v.received_on) AS since
    FROM visit v
    WHERE v.campaign_id = :c AND v.outcome <> '' AND v.received_on <= :d
      AND NOT EXISTS (SELECT 1 FROM visit_review r WHERE r.visit_id = v.id AND r.reviewed_on <= :d)
    GROUP BY v.township_code, v.village_code
    ORDER BY v.township_code, v.village_code"""


def waiting_reviews(connection: Connection, *, campaign_id: int, as_of: date) -> list[tuple[str, str, int, date]]:
    """Per village, the visits received by `as_of` and not reviewed by then, and the day the oldest of them was
    received: (township, village, count, since)."""
    rows = connection.execute(text(_WAITING), {"c": campaign_id, "d": as_of}).all()
    return [(str(t), str(v), int(n), _as_date(since)) for t, v, n, since in rows]


def _as_date(value: date | datetime | str) -> date:
    """SQLite gives an aggregate of a date column back as text."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
