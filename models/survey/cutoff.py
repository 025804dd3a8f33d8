"""The survey's cut-off (截止): the result frozen at the deadline, and visits that came after it marked late.

The frozen figures count a visit only if it was made and reached the county by the deadline, so they are the
same whether the cut-off runs at midnight or days later; once stored they never change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, UniqueConstraint, bindparam, text
from sqlmodel import Field, Session, SQLModel, select

from models.tables import utcnow

if TYPE_CHECKING:
    import pandas as pd

CHUNK = 5_000  # bound parameters per IN list: well inside both databases' limits
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
    and those registered on such a visit. Persons listed twice in a village count once, as in progress.

    Each list entry carries its person's first visit days (kept by models.survey.visits.insert_visits), which
    do not ask when a visit reached the county: counted from them, then less the persons whose every visit made
    by the deadline arrived after it, found from the few visits received late (index ix_visit_received). Reading
    every visit instead took a county's cut-off about ten seconds."""
    import pandas as pd

    params = {"c": campaign_id, "d": deadline.isoformat()}
    listed = text(
        """
        SELECT village_code, MIN(township_code) AS township_code, COUNT(*) AS to_visit,
               SUM(CASE WHEN first_visited_on <= :d THEN 1 ELSE 0 END) AS visited,
               SUM(CASE WHEN first_registered_on <= :d THEN 1 ELSE 0 END) AS registered
        FROM worklist_entry
        WHERE campaign_id = :c
        GROUP BY village_code
        ORDER BY village_code
        """
    )
    rows = connection.execute(listed, params).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=COUNT_COLUMNS)
    late_visited, late_registered = _only_late(connection, campaign_id, deadline)
    for column, ids in (("visited", late_visited), ("registered", late_registered)):
        late = _listed_per_village(connection, campaign_id, ids)
        frame[column] = frame[column].fillna(0).astype("int64") - frame["village_code"].map(late).fillna(0).astype(
            "int64"
        )
    frame["to_visit"] = frame["to_visit"].astype("int64")
    return frame


def _only_late(connection: Connection, campaign_id: int, deadline: date) -> tuple[list[str], list[str]]:
    """The persons with a visit (with an outcome; registered) made by the deadline that reached the county after
    it, and none made by the deadline that reached it in time."""
    params: dict[str, Any] = {"c": campaign_id, "d": deadline.isoformat()}
    late = connection.execute(
        text(
            "SELECT id_number, outcome FROM visit "
            "WHERE campaign_id + 0 = :c AND received_on > :d AND visited_on <= :d AND outcome <> ''"
        ),
        params,
    ).all()
    any_late = sorted({i for i, _o in late})
    registered_late = {i for i, o in late if o == "registered"}
    # `campaign_id + 0`: read from the index on received_on above, and by ID number below and in
    # _listed_per_village (SQLite would otherwise pick an index led by the campaign and read most of it).
    in_time = text(
        "SELECT DISTINCT id_number, outcome FROM visit WHERE campaign_id + 0 = :c AND id_number IN :ids "
        "AND visited_on <= :d AND received_on <= :d AND outcome <> ''"
    ).bindparams(bindparam("ids", expanding=True))
    visited: set[str] = set()
    registered: set[str] = set()
    for start in range(0, len(any_late), CHUNK):
        for i, o in connection.execute(in_time, {**params, "ids": any_late[start : start + CHUNK]}):
            visited.add(i)
            if o == "registered":
                registered.add(i)
    return [i for i in any_late if i not in visited], sorted(registered_late - registered)


def _listed_per_village(connection: Connection, campaign_id: int, ids: Sequence[str]) -> dict[str, int]:
    """Village code → how many of `ids` are on its list."""
    statement = text(
        "SELECT village_code, COUNT(*) FROM worklist_entry WHERE campaign_id + 0 = :c AND id_number IN :ids "
        "GROUP BY village_code"
    ).bindparams(bindparam("ids", expanding=True))
    counts: dict[str, int] = {}
    for start in range(0, len(ids), CHUNK):
        for village, n in connection.execute(statement, {"c": campaign_id, "ids": list(ids[start : start + CHUNK])}):
            counts[str(village)] = counts.get(str(village), 0) + int(n)
    return counts


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
    """Mark every visit made or received after the deadline as late; returns how many were newly marked. Two
    ranges, each read from its own index (hence `campaign_id + 0`), rather than every visit of the campaign."""
    params = {"c": campaign_id, "d": deadline.isoformat(), "t": True, "f": False}
    marked = 0
    for condition in ("campaign_id + 0 = :c AND received_on > :d", "campaign_id + 0 = :c AND visited_on > :d"):
        result = connection.execute(text(f"UPDATE visit SET late = :t WHERE {condition} AND late = :f"), params)
        marked += int(result.rowcount or 0)
    return marked


def late_visit_count(connection: Connection, *, campaign_id: int) -> int:
    return int(
        connection.execute(
            text("SELECT COUNT(*) FROM visit WHERE campaign_id = :c AND late = :t"), {"c": campaign_id, "t": True}
        ).scalar_one()
    )
