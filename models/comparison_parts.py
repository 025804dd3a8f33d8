"""Storing a comparison (begin, one or more parts, finish) in one transaction, with only one partition's
persons in memory at a time; a single-process comparison is one part.

Partitions arrive in ID order (key ranges, see tasks/comparison/partitions.py), each sorted by ID number, so the
persons are inserted in the same order as a whole comparison sorted at once: the unique index on (campaign,
ID) is appended to, and the rows get the same ids as in a single-process run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, text
from sqlmodel import Session

from models.bulk import insert_rows
from models.tables import CompareRun


def begin_comparison(session: Session, *, campaign_id: int, as_of: date, snapshots: Mapping[str, int]) -> int:
    """Record the run (its figures follow in `finish_comparison`) and clear the previous persons and anomalies."""
    run = CompareRun(campaign_id=campaign_id, as_of=as_of, snapshots=json.dumps(dict(snapshots)), summary="{}")
    session.add(run)
    session.flush()
    assert run.id is not None
    connection = session.connection()
    for table in ("anomaly", "person"):
        clear_campaign_rows(connection, table, campaign_id)
    return run.id


def clear_campaign_rows(connection: Connection, table: str, campaign_id: int) -> None:
    """Delete a campaign's rows of `table`. On SQLite, when the table holds no other campaign's rows, the DELETE
    has no WHERE clause: SQLite then drops the table's pages at once instead of visiting each row and each index
    entry (a million persons: about 1 s instead of 5). It stays one statement of the transaction, rolled back
    with it. PostgreSQL keeps the plain DELETE: TRUNCATE would lock out readers until the comparison commits."""
    if connection.dialect.name == "sqlite" and _only_campaign(connection, table, campaign_id):
        connection.execute(text(f"DELETE FROM {table}"))
        return
    connection.execute(text(f"DELETE FROM {table} WHERE campaign_id = :campaign_id"), {"campaign_id": campaign_id})


def _only_campaign(connection: Connection, table: str, campaign_id: int) -> bool:
    """Whether every row of `table` (if any) belongs to the campaign. MIN and MAX asked apart are each one step
    down an index that starts with campaign_id (asked together, SQLite scans the whole index)."""
    lowest = connection.execute(text(f"SELECT MIN(campaign_id) FROM {table}")).scalar()
    highest = connection.execute(text(f"SELECT MAX(campaign_id) FROM {table}")).scalar()
    return lowest is None or lowest == highest == campaign_id


def add_comparison_part(
    session: Session, *, campaign_id: int, run_id: int, persons: pd.DataFrame, anomalies: pd.DataFrame
) -> None:
    connection = session.connection()
    ids = {"compare_run_id": run_id, "campaign_id": campaign_id}
    insert_rows(connection, "anomaly", anomalies.assign(**ids))
    insert_rows(connection, "person", persons.sort_values("id_number", ignore_index=True).assign(**ids))


def finish_comparison(session: Session, *, run_id: int, summary: Mapping[str, Any]) -> None:
    run = session.get(CompareRun, run_id)
    assert run is not None
    run.summary = json.dumps(summary, ensure_ascii=False)
    session.add(run)
    session.flush()
