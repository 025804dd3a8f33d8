"""The survey's cut-off (截止): the result frozen at the deadline, and visits that came after it marked late.

The frozen figures count a visit only if it was made and reached the county by the deadline, so they are the
same whether the cut-off runs at midnight or days later; once stored they never change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, UniqueConstraint, text
from sqlmodel import Field, Session, SQLModel, select

from models.tables import utcnow

if TYPE_CHECKING:
    import pandas as pd

COUNT_COLUMNS = ["village_code", "township_code", "to_visit", "visited", "registered"]


class SurveyCutoff(SQLModel, table=True):
    """One per campaign: when its survey was cut off."""

    __tablename__ = "survey_cutoff"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(unique=True, index=True)
    deadline: date
    frozen_at: datetime = Field(default_factory=utcnow)
    frozen_by: str = ""


class CutoffVillage(SQLModel, table=True):
    """A village's survey figures at the deadline."""

    __tablename__ = "survey_cutoff_village"
    __table_args__ = (UniqueConstraint("campaign_id", "village_code"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(index=True)
    village_code: str
    township_code: str = Field(index=True)
    to_visit: int
    visited: int
    registered: int


@dataclass(frozen=True)
class Frozen:
    deadline: date
    frozen_at: datetime
    frozen_by: str
    villages: pd.DataFrame  # COUNT_COLUMNS


def counts_at_deadline(connection: Connection, *, campaign_id: int, deadline: date) -> pd.DataFrame:
    """Per village: persons listed, those visited (a visit with an outcome, made and received by the deadline)
    and those registered on such a visit. Persons listed twice in a village count once, as in progress."""
    import pandas as pd

    query = text(
        """
        SELECT w.village_code, MIN(w.township_code) AS township_code, COUNT(*) AS to_visit,
               SUM(CASE WHEN w.id_number IN (
                   SELECT v.id_number FROM visit v WHERE v.campaign_id = :c AND v.outcome <> ''
                     AND v.visited_on <= :d AND v.received_on <= :d) THEN 1 ELSE 0 END) AS visited,
               SUM(CASE WHEN w.id_number IN (
                   SELECT v.id_number FROM visit v WHERE v.campaign_id = :c AND v.outcome = 'registered'
                     AND v.visited_on <= :d AND v.received_on <= :d) THEN 1 ELSE 0 END) AS registered
        FROM worklist_entry w
        WHERE w.campaign_id = :c
        GROUP BY w.village_code
        ORDER BY w.village_code
        """
    )
    rows = connection.execute(query, {"c": campaign_id, "d": deadline.isoformat()}).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=COUNT_COLUMNS)
    for column in ("to_visit", "visited", "registered"):
        frame[column] = frame[column].astype("int64")
    return frame


def freeze(session: Session, *, campaign_id: int, deadline: date, counts: pd.DataFrame, by: str) -> bool:
    """Store the figures at the deadline; False (and nothing changed) when the survey was already cut off."""
    if cutoff_of(session, campaign_id=campaign_id) is not None:
        return False
    session.add(SurveyCutoff(campaign_id=campaign_id, deadline=deadline, frozen_by=by))
    session.flush()
    session.add_all(
        CutoffVillage(
            campaign_id=campaign_id,
            village_code=str(r.village_code),
            township_code=str(r.township_code),
            to_visit=int(r.to_visit),
            visited=int(r.visited),
            registered=int(r.registered),
        )
        for r in counts.itertuples(index=False)
    )
    return True


def cutoff_of(session: Session, *, campaign_id: int) -> SurveyCutoff | None:
    return session.exec(select(SurveyCutoff).where(SurveyCutoff.campaign_id == campaign_id)).first()


def frozen(session: Session, *, campaign_id: int) -> Frozen | None:
    import pandas as pd

    record = cutoff_of(session, campaign_id=campaign_id)
    if record is None:
        return None
    rows = session.exec(select(CutoffVillage).where(CutoffVillage.campaign_id == campaign_id)).all()
    villages = pd.DataFrame([[getattr(r, c) for c in COUNT_COLUMNS] for r in rows], columns=COUNT_COLUMNS)
    return Frozen(record.deadline, record.frozen_at, record.frozen_by, villages)


def mark_late_visits(connection: Connection, *, campaign_id: int, deadline: date) -> int:
    """Mark every visit made or received after the deadline as late; returns how many were newly marked."""
    result = connection.execute(
        text(
            "UPDATE visit SET late = :t WHERE campaign_id = :c AND late = :f AND (visited_on > :d OR received_on > :d)"
        ),
        {"c": campaign_id, "d": deadline.isoformat(), "t": True, "f": False},
    )
    return int(result.rowcount or 0)


def late_visit_count(connection: Connection, *, campaign_id: int) -> int:
    return int(
        connection.execute(
            text("SELECT COUNT(*) FROM visit WHERE campaign_id = :c AND late = :t"), {"c": campaign_id, "t": True}
        ).scalar_one()
    )
