"""Bulk writes of whole tables of results: COPY on PostgreSQL, large executemany batches on SQLite.

The ORM would build one object per row; for a million persons that is minutes instead of seconds. Values go
through Arrow: PostgreSQL receives Arrow's own CSV writer's output, SQLite receives tuples made column by
column in C rather than cell by cell in pandas.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection

BATCH = 100_000


def insert_rows(connection: Connection, table: str, frame: pd.DataFrame) -> int:
    if frame.empty:
        return 0
    arrow = _plain_table(frame)
    columns = ", ".join(arrow.column_names)
    raw = connection.connection.driver_connection
    assert raw is not None
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
            for batch in arrow.to_batches(BATCH):
                buffer = io.BytesIO()
                pacsv.write_csv(batch, buffer, pacsv.WriteOptions(include_header=False))
                copy.write(buffer.getvalue())
        return len(frame)
    placeholders = ", ".join("?" for _ in arrow.column_names)
    cursor = raw.cursor()
    try:
        for rows in _tuples(arrow):
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
    finally:
        cursor.close()
    return len(frame)


def _plain_table(frame: pd.DataFrame) -> pa.Table:
    """Categoricals as text, dates and times as ISO text: what both databases accept from any client."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.date32())
        if pa.types.is_date(column.type):
            column = column.cast(pa.string())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _tuples(table: pa.Table) -> Iterator[list[tuple[Any, ...]]]:
    for batch in table.to_batches(BATCH):
        yield list(zip(*(column.to_pylist() for column in batch.columns), strict=True))
