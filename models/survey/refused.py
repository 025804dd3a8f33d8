"""Rows of returned work lists that were refused (退回), kept so the townships can be reminded of those still
to be corrected and sent again.

A refused row is stored once per campaign and content (its `fingerprint`): the same row imported again, from
the same workbook or a copy, is the same refusal and keeps the day it was first refused (an old workbook sent
again after the correction does not reopen it; a new wrong row is a new refusal). A refusal is
outstanding until a visit of the same person with a result is received on that day or later; what counts as
outstanding is read here, what to say about it is tasks.messages'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Connection, UniqueConstraint, text
from sqlmodel import Field, SQLModel

if TYPE_CHECKING:
    import pandas as pd

OUTSTANDING_COLUMNS = ["township_code", "village_code", "refused"]


class RefusedVisitRow(SQLModel, table=True):
    """A refused row of a returned work list whose person is on a village's list (so its village is known)."""

    __tablename__ = "refused_visit_row"
    __table_args__ = (UniqueConstraint("campaign_id", "fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(index=True)
    fingerprint: str  # a digest of the row's content (ID, outcome, corrections, visitor, date, reason)
    id_number: str = Field(index=True)
    township_code: str = Field(index=True)
    village_code: str
    reason: str
    received_on: date  # the day the row first came back and was refused


@dataclass(frozen=True)
class Refusal:
    fingerprint: str
    id_number: str
    township_code: str
    village_code: str
    reason: str


def record_refusals(connection: Connection, *, campaign_id: int, refusals: Sequence[Refusal], received_on: date) -> int:
    """Store refused rows not stored before (see the module notes). Returns how many were new."""
    if not refusals:
        return 0
    known = {
        f
        for (f,) in connection.execute(
            text("SELECT fingerprint FROM refused_visit_row WHERE campaign_id = :c"), {"c": campaign_id}
        )
    }
    fresh = list({r.fingerprint: r for r in refusals if r.fingerprint not in known}.values())
    if fresh:
        connection.execute(
            text(
                "INSERT INTO refused_visit_row (campaign_id, fingerprint, id_number, township_code, village_code,"
                " reason, received_on) VALUES (:c, :f, :i, :t, :v, :r, :d)"
            ),
            [
                {
                    "c": campaign_id,
                    "f": r.fingerprint,
                    "i": r.id_number,
                    "t": r.township_code,
                    "v": r.village_code,
                    "r": r.reason,
                    "d": received_on,
                }
                for r in fresh
            ],
        )
    return len(fresh)


_OUTSTANDING = """
    SELECT r.township_code, r.village_code, COUNT(DISTINCT r.id_number) AS refused
    FROM refused_visit_row r
    WHERE r.campaign_id = :c AND r.received_on <= :d
      AND NOT EXISTS (
        SELECT 1 FROM visit v
        WHERE v.campaign_id = r.campaign_id AND v.id_number = r.id_number AND v.outcome <> ''
          AND v.received_on >= r.received_on AND v.received_on <= :d
      )
    GROUP BY r.township_code, r.village_code
    ORDER BY r.township_code, r.village_code"""


def outstanding_refusals(connection: Connection, *, campaign_id: int, as_of: date) -> pd.DataFrame:
    """Per village, the persons with a row refused by `as_of` and no result received since (OUTSTANDING_COLUMNS).

    Persons, not rows: a row refused twice for one person is one result still to send."""
    import pandas as pd

    rows = connection.execute(text(_OUTSTANDING), {"c": campaign_id, "d": as_of}).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=OUTSTANDING_COLUMNS)
    return frame.astype({"township_code": str, "village_code": str, "refused": "int64"})
