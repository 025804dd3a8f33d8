"""Bulk writes of whole tables of results: COPY on PostgreSQL, large executemany batches on SQLite.

The ORM would build one object per row; for a million persons that is minutes instead of seconds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

BATCH = 50_000


def replace_rows(connection: Connection, table: str, frame: pd.DataFrame, *, where: dict[str, Any]) -> int:
    """Delete the rows matching `where` and insert `frame` (plus the `where` values) in their place,
    inside the caller's transaction."""
    condition = " AND ".join(f"{column} = :{column}" for column in where)
    connection.execute(text(f"DELETE FROM {table} WHERE {condition}"), where)
    frame = frame.assign(**where)
    return insert_rows(connection, table, frame)


def insert_rows(connection: Connection, table: str, frame: pd.DataFrame) -> int:
    columns = list(frame.columns)
    if frame.empty:
        return 0
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, columns, frame)
    placeholders = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    raw = connection.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        for batch in _batches(frame, iso_dates=True):
            cursor.executemany(sql, batch)
    finally:
        cursor.close()
    return len(frame)


def _copy(connection: Connection, table: str, columns: Sequence[str], frame: pd.DataFrame) -> int:
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for batch in _batches(frame, iso_dates=False):
            for row in batch:
                copy.write_row(row)
    return len(frame)


def _batches(frame: pd.DataFrame, *, iso_dates: bool) -> Iterator[list[tuple[Any, ...]]]:
    """Rows as tuples of plain Python values (None for missing), a batch at a time to bound memory."""
    for start in range(0, len(frame), BATCH):
        chunk = frame.iloc[start : start + BATCH]
        columns = [_plain(chunk[c], iso_dates) for c in chunk.columns]
        yield list(zip(*columns, strict=True))


def _plain(series: pd.Series, iso_dates: bool) -> list[Any]:
    if pd.api.types.is_bool_dtype(series):
        return [bool(v) for v in series.to_numpy()]
    if pd.api.types.is_integer_dtype(series):
        return [int(v) for v in series.to_numpy()]
    values = series.astype("object").where(series.notna(), None).tolist()
    if iso_dates and values and any(isinstance(v, date | datetime | np.datetime64) for v in values[:1000]):
        return [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    return values
