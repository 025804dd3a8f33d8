"""The comparison's rules written again in DuckDB SQL, over the same accepted rows (Parquet snapshots).

It is the benchmark's yardstick for speed and, because it shares no code with tasks/comparison/compare.py, a second
opinion on every count.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from models.campaign.spec import Campaign


def reference_sql(campaign: Campaign, parquet: dict[str, Path], as_of: date) -> tuple[str, str]:
    """The per-person comparison as a query, and the counts over its result."""
    c = campaign.comparison
    assert c is not None
    others = [s for s in parquet if s != c.population]
    known_death = f" WHERE death_date IS NULL OR TRY_CAST(death_date AS DATE) <= DATE '{as_of}'"
    union = "\nUNION ALL ".join(
        f"SELECT DISTINCT '{s}' AS src, id_number FROM read_parquet('{parquet[s]}')"
        + (known_death if s == c.deaths else "")
        for s in others
    )
    on = ",\n  ".join(f"bool_or(src = '{s}') AS on_{s}" for s in others)

    def listed(sources: list[str]) -> str:
        present = [f"coalesce(f.on_{s}, false)" for s in sources if s in others]
        return "(" + " OR ".join(present) + ")" if present else "false"

    asof_int = as_of.year * 10000 + as_of.month * 100 + as_of.day
    students = [k for k, s in campaign.sources.items() if s.role == "students"]
    status_columns = []
    applies_list = []
    for key, rule in c.insurances.items():
        applies = f"(NOT dead AND age >= {rule.min_age} AND NOT {listed(rule.excluded_by)}"
        applies += f" AND {listed(rule.requires)})" if rule.requires else ")"
        covered = listed(rule.covered_by)
        status_columns.append(
            f"CASE WHEN {applies} THEN CASE WHEN {covered} THEN 'insured' ELSE 'missing' END ELSE 'not_applicable' END"
            f" AS {key}"
        )
        applies_list.append(key)
    any_insured = " OR ".join(f"{k} = 'insured'" for k in applies_list)
    all_insured = " AND ".join(f"{k} <> 'missing'" for k in applies_list)
    pension = c.insurances.get("pension")
    pensioned = listed(pension.covered_by) if pension else "false"
    employment = listed([c.employment])
    return (
        f"""
WITH reg AS (
  SELECT id_number, township_code FROM (
    SELECT *, row_number() OVER (PARTITION BY id_number ORDER BY id_number) AS n
    FROM read_parquet('{parquet[c.population]}')) WHERE n = 1
),
lists AS ({union}),
f AS (SELECT id_number,
  {on}
  FROM lists GROUP BY id_number),
p AS (
  SELECT r.id_number, r.township_code,
    ({asof_int} - CAST(substr(r.id_number, 7, 8) AS INTEGER)) // 10000 AS age,
    CAST(substr(r.id_number, 17, 1) AS INTEGER) % 2 = 1 AS male,
    {listed([c.deaths])} AS dead,
    {listed(students)} AS student,
    {employment} AS employed,
    {pensioned} AS pensioned
  FROM reg r LEFT JOIN f ON f.id_number = r.id_number
),
s AS (
  SELECT p.*, {", ".join(status_columns)} FROM p LEFT JOIN f ON f.id_number = p.id_number
)
SELECT * FROM s
""",
        f"""
SELECT
  count(*) AS persons,
  count(*) FILTER (WHERE dead) AS deceased,
  count(*) FILTER (WHERE NOT dead AND ({all_insured})) AS insured_full,
  count(*) FILTER (WHERE NOT dead AND NOT ({all_insured}) AND ({any_insured})) AS partial,
  count(*) FILTER (WHERE NOT dead AND NOT ({any_insured})) AS uninsured,
  {", ".join(f"count(*) FILTER (WHERE {k} = 'missing') AS missing_{k}" for k in applies_list)},
  count(*) FILTER (WHERE NOT dead AND employed AND pensioned) AS employed_insured,
  count(*) FILTER (WHERE NOT dead AND employed AND NOT pensioned) AS employed_uninsured,
  count(*) FILTER (WHERE NOT dead AND NOT employed AND NOT student AND age >= {c.working_age_min}
                   AND age < CASE WHEN male THEN {c.working_age_max_male} ELSE {c.working_age_max_female} END)
    AS working_age_unemployed
FROM persons
""",
    )


def run_reference(campaign: Campaign, parquet: dict[str, Path], as_of: date, threads: int = 2) -> dict[str, Any]:
    connection = duckdb.connect()
    connection.execute(f"SET threads = {threads}")
    persons, counts = reference_sql(campaign, parquet, as_of)
    # Materialised per person, as our comparison produces one row per person, then counted.
    connection.execute(f"CREATE TABLE persons AS {persons}")
    row = connection.execute(counts).fetchone()
    assert row is not None and connection.description is not None
    names = [d[0] for d in connection.description]
    connection.close()
    return dict(zip(names, row, strict=True))
