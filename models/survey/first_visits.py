"""The day each listed person was first visited, for how early a township's survey was done: one row per person
listed in a village (listed twice in a village: once), with the first visit that has an outcome, was made by
`made_by` and reached the county by `received_by` (None: whenever); NULL when there is none. Stores and reads only."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    import pandas as pd

FIRST_VISIT_COLUMNS = ["township_code", "village_code", "id_number", "first_visited_on"]


def first_visits(connection: Connection, *, campaign_id: int, made_by: date, received_by: date | None) -> pd.DataFrame:
    """Columns FIRST_VISIT_COLUMNS; `first_visited_on` is a date or None."""
    import pandas as pd

    received = "" if received_by is None else "AND v.received_on <= :r"
    query = text(
        f"""
        SELECT w.township_code, w.village_code, w.id_number, MIN(v.visited_on) AS first_visited_on
        FROM (SELECT DISTINCT township_code, village_code, id_number
              FROM worklist_entry WHERE campaign_id = :c) w
        LEFT JOIN visit v ON v.campaign_id = :c AND v.id_number = w.id_number AND v.outcome <> ''
             AND v.visited_on <= :d {received}
        GROUP BY w.township_code, w.village_code, w.id_number
        """
    )
    params = {"c": campaign_id, "d": made_by.isoformat()}
    if received_by is not None:
        params["r"] = received_by.isoformat()
    rows = connection.execute(query, params)
    records = [(str(t), str(v), str(i), None if d is None else date.fromisoformat(str(d)[:10])) for t, v, i, d in rows]
    return pd.DataFrame(records, columns=FIRST_VISIT_COLUMNS, dtype=object)
