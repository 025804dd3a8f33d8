"""The inspectors' ledger (督查台账, 五（三）): each inspection of a township by the county's inspection group,
the problems it found with what must be fixed by when, and the township's report that it was fixed. Rows only:
which finding is overdue, who is reminded, is decided in tasks.inspection.ledger.

An inspection is known by its fingerprint (day, township, inspectors), a finding by its inspection and problem:
recording the same inspection or finding again adds nothing. Datetimes are stored in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, UniqueConstraint, text
from sqlmodel import Field, Session, SQLModel, select

from models.tables import utcnow

if TYPE_CHECKING:
    import pandas as pd


class InspectionVisit(SQLModel, table=True):
    """One inspection (督查) of a township on a day by a group of inspectors, and the villages it visited."""

    __tablename__ = "inspection_visit"
    __table_args__ = (UniqueConstraint("campaign_id", "fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    fingerprint: str  # day|township|inspectors, as tasks.inspection.ledger builds it
    visited_on: date
    township_code: str = Field(index=True)
    villages: str = ""  # village codes visited, joined by ","
    inspectors: str  # the inspectors' names, joined by "、"
    source_file: str = ""  # the ledger workbook it was read from ("" when entered on the command line)
    source_sheet: str = ""
    source_row: int = 0
    recorded_on: date  # the campaign day it was recorded
    recorded_at: datetime = Field(default_factory=utcnow)


class InspectionFinding(SQLModel, table=True):
    """A problem an inspection found, what the township must fix, and by when (整改期限)."""

    __tablename__ = "inspection_finding"
    __table_args__ = (UniqueConstraint("visit_id", "problem"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    visit_id: int = Field(foreign_key="inspection_visit.id", index=True)
    township_code: str = Field(index=True)  # the township responsible for the rectification
    village_code: str = ""  # the village the problem was found in, when one
    problem: str
    requirement: str  # 整改要求
    deadline: date  # 整改期限
    source_file: str = ""
    source_sheet: str = ""
    source_row: int = 0


class InspectionRectification(SQLModel, table=True):
    """A township's report that a finding was rectified (整改情况): one per finding."""

    __tablename__ = "inspection_rectification"
    __table_args__ = (UniqueConstraint("finding_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    finding_id: int = Field(foreign_key="inspection_finding.id", index=True)
    reported_on: date
    note: str = ""
    recorded_at: datetime = Field(default_factory=utcnow)


# -- writes ---------------------------------------------------------------------------------------------------


def visit_id_of(session: Session, *, campaign_id: int, fingerprint: str) -> int | None:
    found = session.exec(
        select(InspectionVisit.id).where(
            InspectionVisit.campaign_id == campaign_id, InspectionVisit.fingerprint == fingerprint
        )
    ).first()
    return found


def add_visit(session: Session, visit: InspectionVisit) -> int:
    session.add(visit)
    session.flush()
    assert visit.id is not None
    return visit.id


def add_villages(session: Session, *, visit_id: int, codes: Sequence[str]) -> None:
    """Villages named by a later row of the same inspection join its list."""
    visit = session.get(InspectionVisit, visit_id)
    assert visit is not None
    known = [c for c in visit.villages.split(",") if c]
    visit.villages = ",".join([*known, *(c for c in codes if c not in known)])


def finding_of(session: Session, *, visit_id: int, problem: str) -> InspectionFinding | None:
    return session.exec(
        select(InspectionFinding).where(InspectionFinding.visit_id == visit_id, InspectionFinding.problem == problem)
    ).first()


def add_finding(session: Session, finding: InspectionFinding) -> int:
    session.add(finding)
    session.flush()
    assert finding.id is not None
    return finding.id


def add_rectification(session: Session, *, campaign_id: int, finding_id: int, reported_on: date, note: str) -> None:
    session.add(
        InspectionRectification(campaign_id=campaign_id, finding_id=finding_id, reported_on=reported_on, note=note)
    )


# -- reads ----------------------------------------------------------------------------------------------------


def has_findings(connection: Connection, *, campaign_id: int) -> bool:
    """Whether the campaign's ledger holds any finding."""
    found = connection.execute(
        text("SELECT 1 FROM inspection_finding WHERE campaign_id = :c LIMIT 1"), {"c": campaign_id}
    ).first()
    return found is not None


def ledger_rows(connection: Connection, *, campaign_id: int) -> pd.DataFrame:
    """Every finding with its inspection and rectification (reported_on and note null when not reported):
    finding_id, visit_id, visited_on, township_code, villages, inspectors, village_code, problem, requirement,
    deadline, reported_on, note; in the order of inspection day, township, finding."""
    import pandas as pd

    return pd.read_sql(
        text(
            "SELECT f.id AS finding_id, v.id AS visit_id, v.visited_on, f.township_code, v.villages, v.inspectors, "
            "f.village_code, f.problem, f.requirement, f.deadline, r.reported_on, r.note "
            "FROM inspection_finding f JOIN inspection_visit v ON v.id = f.visit_id "
            "LEFT JOIN inspection_rectification r ON r.finding_id = f.id "
            "WHERE f.campaign_id = :c ORDER BY v.visited_on, f.township_code, f.id"
        ),
        connection,
        params={"c": campaign_id},
    )
