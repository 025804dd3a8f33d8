"""Reading the registration database as a whole: its persons, its anomalies, whether work lists exist, and the
active snapshots a comparison starts from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlmodel import Session, col, select

from models.tables import SourceSnapshot

if TYPE_CHECKING:
    import pandas as pd


def person_columns(connection: Connection, *, campaign_id: int, columns: Sequence[str]) -> pd.DataFrame:
    """The campaign's persons with `columns` (names of the person table's columns, chosen by the caller)."""
    import pandas as pd

    return pd.read_sql(
        text(f"SELECT {', '.join(columns)} FROM person WHERE campaign_id = :c"), connection, params={"c": campaign_id}
    )


def anomaly_rows(connection: Connection, *, campaign_id: int) -> pd.DataFrame:
    """id_number, kind, sources, evidence and village_code of every anomaly the latest comparison found, and of
    every person it found outside the household register (kind outside_register, information)."""
    import pandas as pd

    return pd.read_sql(
        text("SELECT id_number, kind, sources, evidence, village_code FROM anomaly WHERE campaign_id = :c"),
        connection,
        params={"c": campaign_id},
    )


def has_worklists(connection: Connection, *, campaign_id: int) -> bool:
    """Whether any work list has been published for the campaign."""
    listed = connection.execute(
        text("SELECT 1 FROM worklist_entry WHERE campaign_id = :c LIMIT 1"), {"c": campaign_id}
    ).first()
    return listed is not None


def active_snapshots(session: Session, *, campaign_id: int) -> list[SourceSnapshot]:
    """Every source's active snapshot."""
    return list(
        session.exec(
            select(SourceSnapshot).where(SourceSnapshot.campaign_id == campaign_id, col(SourceSnapshot.active))
        )
    )
