"""Counts the supervisors' report reads from the database. Only counts leave it: no ID, name or phone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

from models.campaign.spec import INSURANCES

if TYPE_CHECKING:
    import pandas as pd


def first_visit_days(connection: Connection, *, campaign_id: int, village_code: str | None = None) -> pd.DataFrame:
    """List entries per township and first-visit day (null: not visited yet), as models.survey.visits.village_counts
    counts them: a person once per village list; with `village_code`, only that village's list. Columns
    township_code, first_visited_on (date or NaT), entries."""
    import pandas as pd

    village = "AND village_code = :v" if village_code is not None else ""
    query = text(
        f"""
        SELECT township_code, first_visited_on, COUNT(*) AS entries
        FROM worklist_entry
        WHERE campaign_id = :c {village}
        GROUP BY township_code, first_visited_on
        """
    )
    rows = connection.execute(query, {"c": campaign_id, "v": village_code}).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["township_code", "first_visited_on", "entries"])
    # SQLite answers ISO text, PostgreSQL dates: one type for both.
    frame["first_visited_on"] = pd.to_datetime(frame["first_visited_on"]).dt.date
    frame["township_code"] = frame["township_code"].astype(str)
    frame["entries"] = frame["entries"].astype("int64")
    return frame


def anomaly_counts(connection: Connection, *, campaign_id: int) -> pd.DataFrame:
    """Distinct persons per village and kind of anomaly (kind outside_register included: the report states it as
    information apart from the anomalies). Columns village_code (may be null), kind, persons."""
    import pandas as pd

    query = text(
        """
        SELECT village_code, kind, COUNT(DISTINCT id_number) AS persons
        FROM anomaly
        WHERE campaign_id = :c
        GROUP BY village_code, kind
        """
    )
    rows = connection.execute(query, {"c": campaign_id}).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["village_code", "kind", "persons"])


def gap_counts(connection: Connection, *, campaign_id: int) -> pd.DataFrame:
    """Per township, as tasks.survey.worklists.coverage_gaps counts per village: the living registered persons, the
    uninsured, the partly insured, per insurance those who should have it and do not (`missing`), and those of
    them registered in a visit (`registered_on`) still missing one. Persons who moved out count as the dead.
    Columns township_code, residents, uninsured, partial, one per insurance, registered_pending."""
    import pandas as pd

    # The insurance names are the fixed INSURANCES, never user input.
    missing = ", ".join(f"SUM(CASE WHEN {i} = 'missing' THEN 1 ELSE 0 END) AS {i}" for i in INSURANCES)
    any_missing = " OR ".join(f"{i} = 'missing'" for i in INSURANCES)
    query = text(
        f"""
        SELECT township_code, COUNT(*) AS residents,
               SUM(CASE WHEN category = 'uninsured' THEN 1 ELSE 0 END) AS uninsured,
               SUM(CASE WHEN category = 'partial' THEN 1 ELSE 0 END) AS partial,
               {missing},
               SUM(CASE WHEN registered_on IS NOT NULL AND ({any_missing}) THEN 1 ELSE 0 END) AS registered_pending
        FROM person
        WHERE campaign_id = :c AND category NOT IN ('deceased', 'moved_out')
        GROUP BY township_code
        """
    )
    rows = connection.execute(query, {"c": campaign_id}).all()
    columns = ["township_code", "residents", "uninsured", "partial", *INSURANCES, "registered_pending"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for column in columns[1:]:
        frame[column] = frame[column].astype("int64")
    frame["township_code"] = frame["township_code"].astype(str)
    return frame
