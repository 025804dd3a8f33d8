"""Storing household visits: the work-list entries, the visits, the persons' changed fields and the audit trail.

Each function works inside the caller's connection, so a whole returned workbook is recorded in one
transaction: a crash leaves either all of its visits with their changes or none of them. What a visit
changes is decided by the caller (tasks.survey.recording); this module only reads and writes the rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, text
from sqlmodel import Session

from models.bulk import insert_rows
from models.campaign.values import PERSON_FIELDS, VisitRecord

if TYPE_CHECKING:
    import pandas as pd

CHUNK = 5_000  # bound parameters per IN list: well inside both databases' limits


def add_worklist_entries(session: Session, *, campaign_id: int, entries: pd.DataFrame, listed_on: date) -> int:
    """Add the persons of newly published lists (id_number, township_code, village_code, reasons); persons
    already listed in the same village keep their entry. Returns how many were added."""
    connection = session.connection()
    existing = connection.execute(
        text("SELECT village_code, id_number FROM worklist_entry WHERE campaign_id = :c"), {"c": campaign_id}
    ).all()
    known = {(v, i) for v, i in existing}
    pairs = list(zip(entries["village_code"].astype(str), entries["id_number"].astype(str), strict=True))
    fresh = entries[[pair not in known for pair in pairs]]
    fresh = fresh.drop_duplicates(["village_code", "id_number"])
    columns = fresh[["id_number", "township_code", "village_code", "reasons"]]
    added = insert_rows(connection, "worklist_entry", columns.assign(campaign_id=campaign_id, listed_on=listed_on))
    if added:
        refresh_first_visits(connection, campaign_id=campaign_id, only_missing=True)
    return added


_FIRST_VISITS = """
    UPDATE worklist_entry SET
        first_visited_on = (
            SELECT MIN(v.visited_on) FROM visit v
            WHERE v.campaign_id = worklist_entry.campaign_id AND v.id_number = worklist_entry.id_number
              AND v.outcome <> ''
        ),
        first_registered_on = (
            SELECT MIN(v.visited_on) FROM visit v
            WHERE v.campaign_id = worklist_entry.campaign_id AND v.id_number = worklist_entry.id_number
              AND v.outcome = 'registered'
        )
    WHERE campaign_id = :c"""


def refresh_first_visits(connection: Connection, *, campaign_id: int, only_missing: bool = False) -> None:
    """Recompute the entries' first visit days from the visits (for new entries, or after a bulk load)."""
    condition = " AND first_visited_on IS NULL" if only_missing else ""
    connection.execute(text(_FIRST_VISITS + condition), {"c": campaign_id})


def _advance_first_visits(connection: Connection, campaign_id: int, ids: Sequence[str]) -> None:
    """Recompute the first visit days of the persons just visited: a few set-based statements, where one
    statement per person was at the mercy of a freshly loaded table's missing statistics on PostgreSQL."""
    statement = text(_FIRST_VISITS + " AND id_number IN :ids").bindparams(bindparam("ids", expanding=True))
    for start in range(0, len(ids), CHUNK):
        connection.execute(statement, {"c": campaign_id, "ids": list(ids[start : start + CHUNK])})


def listed_places(connection: Connection, *, campaign_id: int) -> dict[str, tuple[str, str]]:
    """ID number → (township, village) of the list the person is on (the first, if listed twice)."""
    rows = connection.execute(
        text(
            "SELECT id_number, township_code, village_code FROM worklist_entry WHERE campaign_id = :c "
            "ORDER BY village_code DESC"
        ),
        {"c": campaign_id},
    ).all()
    return {i: (t, v) for i, t, v in rows}


def load_to_visit(connection: Connection, *, campaign_id: int) -> pd.DataFrame:
    import pandas as pd

    return pd.read_sql(
        text("SELECT village_code, township_code, id_number FROM worklist_entry WHERE campaign_id = :c"),
        connection,
        params={"c": campaign_id},
    )


def load_visits(connection: Connection, *, campaign_id: int) -> pd.DataFrame:
    """id_number, visited_on, outcome, received_on of every visit: the input of the progress arithmetic."""
    import pandas as pd

    frame = pd.read_sql(
        text("SELECT id_number, visited_on, outcome, received_on FROM visit WHERE campaign_id = :c"),
        connection,
        params={"c": campaign_id},
    )
    for column in ("visited_on", "received_on"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def visit_records(connection: Connection, *, campaign_id: int, ids: Sequence[str] | None = None) -> list[VisitRecord]:
    """Recorded visits in arrival order, all of them or those of some persons."""
    query = (
        "SELECT id_number, township_code, village_code, outcome, visited_on, received_on, channel, visitor, origin, "
        "corrections, reason, intent, confirmed_on, card_number FROM visit WHERE campaign_id = :c"
    )
    rows: list[Any] = []
    if ids is None:
        rows = list(connection.execute(text(query + " ORDER BY id"), {"c": campaign_id}).all())
    else:
        statement = text(query + " AND id_number IN :ids ORDER BY id").bindparams(bindparam("ids", expanding=True))
        for start in range(0, len(ids), CHUNK):
            rows += connection.execute(statement, {"c": campaign_id, "ids": list(ids[start : start + CHUNK])}).all()
    return [
        VisitRecord(
            id_number=r[0],
            township_code=r[1],
            village_code=r[2],
            outcome=r[3],
            visited_on=_as_date(r[4]),
            received_on=_as_date(r[5]),
            channel=r[6],
            visitor=r[7],
            origin=r[8],
            corrections=json.loads(r[9]),
            reason=r[10] or "",
            intent=r[11] or "",
            confirmed_on=None if r[12] is None else _as_date(r[12]),
            card_number=r[13] or "",
        )
        for r in rows
    ]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def existing_keys(connection: Connection, *, keys: Sequence[str]) -> set[str]:
    statement = text("SELECT key FROM visit WHERE key IN :keys").bindparams(bindparam("keys", expanding=True))
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        found.update(k for (k,) in connection.execute(statement, {"keys": list(keys[start : start + CHUNK])}))
    return found


def person_rows(connection: Connection, *, campaign_id: int, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    columns = ", ".join(PERSON_FIELDS)
    statement = text(
        f"SELECT id_number, {columns} FROM person WHERE campaign_id = :c AND id_number IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):
        for row in connection.execute(statement, {"c": campaign_id, "ids": list(ids[start : start + CHUNK])}):
            values = dict(row._mapping)
            values["deceased"] = bool(values["deceased"])
            values["moved_out"] = bool(values["moved_out"])
            for name in ("birth_date", "surveyed_on", "registered_on"):
                if values[name] is not None and not isinstance(values[name], date):
                    values[name] = date.fromisoformat(str(values[name])[:10])
            found[values.pop("id_number")] = values
    return found


def insert_visits(connection: Connection, *, campaign_id: int, visits: Sequence[VisitRecord], recorded_at: str) -> None:
    """Store visits not stored before (see `existing_keys`) and bring their persons' first visit days up to date."""
    if not visits:
        return
    import pandas as pd

    insert_rows(
        connection,
        "visit",
        pd.DataFrame(
            {
                "campaign_id": campaign_id,
                "key": [v.key for v in visits],
                "id_number": [v.id_number for v in visits],
                "township_code": [v.township_code for v in visits],
                "village_code": [v.village_code for v in visits],
                "outcome": [v.outcome for v in visits],
                "visited_on": [v.visited_on for v in visits],
                "visitor": [v.visitor for v in visits],
                "corrections": [v.corrections_json() for v in visits],
                "channel": [v.channel for v in visits],
                "origin": [v.origin for v in visits],
                "received_on": [v.received_on for v in visits],
                "recorded_at": recorded_at,
                "reason": [v.reason for v in visits],
                "intent": [v.intent for v in visits],
                "card_number": [v.card_number for v in visits],
            }
        ),
    )
    _advance_first_visits(connection, campaign_id, sorted({v.id_number for v in visits}))


def update_persons(
    connection: Connection, *, campaign_id: int, persons: dict[str, dict[str, Any]], changed: dict[str, set[str]]
) -> None:
    """Store the `changed` fields of `persons` (as read by `person_rows`): one UPDATE statement per set of
    changed fields, executed for every person with that set in one batch of the driver (SQLAlchemy's handling
    of each parameter set cost more than the database's work)."""
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for id_number, names in changed.items():
        fields = tuple(sorted(names))
        person = persons[id_number]
        groups.setdefault(fields, []).append((*(person[name] for name in fields), campaign_id, id_number))
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    for fields, rows in groups.items():
        assignments = ", ".join(f"{name} = {mark}" for name in fields)
        statement = f"UPDATE person SET {assignments} WHERE campaign_id = {mark} AND id_number = {mark}"
        connection.exec_driver_sql(statement, rows)


AUDIT_COLUMNS = ("campaign_id", "id_number", "field", "before", "after", "visit_key", "changed_by", "channel",
                 "changed_at")  # fmt: skip


def insert_person_changes(connection: Connection, *, changes: Sequence[Sequence[Any]]) -> None:
    """Append to the audit trail: rows of AUDIT_COLUMNS (campaign_id, id_number, field, before, after, visit_key,
    changed_by, channel, changed_at) of each change."""
    if not changes:
        return
    import pandas as pd

    insert_rows(connection, "person_change", pd.DataFrame(list(changes), columns=list(AUDIT_COLUMNS)))


def person_changes(connection: Connection, *, campaign_id: int, id_number: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        text(
            "SELECT field, before, after, visit_key, changed_by, channel, changed_at FROM person_change "
            "WHERE campaign_id = :c AND id_number = :i ORDER BY id"
        ),
        {"c": campaign_id, "i": id_number},
    )
    return [dict(r._mapping) for r in rows]


def person_changes_before(connection: Connection, *, campaign_id: int, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each person's record as the departments' data had it: today's values with every audited change undone."""
    current = person_rows(connection, campaign_id=campaign_id, ids=ids)
    statement = text(
        "SELECT id_number, field, before FROM person_change WHERE campaign_id = :c AND id_number IN :ids "
        "ORDER BY id DESC"
    ).bindparams(bindparam("ids", expanding=True))
    for start in range(0, len(ids), CHUNK):
        for id_number, name, before in connection.execute(
            statement, {"c": campaign_id, "ids": list(ids[start : start + CHUNK])}
        ):
            if id_number in current:
                current[id_number][name] = before  # newest first: the oldest `before` is the original
    return current


def village_counts(connection: Connection, *, campaign_id: int, as_of: date, window_start: date) -> pd.DataFrame:
    """What tasks.survey.progress counts per village, counted by the database: persons listed (once per village),
    visited (a visit with an outcome dated by `as_of`), registered (such a visit with outcome `registered`) and
    first visited after `window_start`. A county's million visits never leave the database."""
    import pandas as pd

    # One pass over the lists: each entry carries its person's first visit days (kept by insert_visits).
    query = text(
        """
        SELECT village_code, MIN(township_code) AS township_code, COUNT(*) AS to_visit,
               SUM(CASE WHEN first_visited_on <= :as_of THEN 1 ELSE 0 END) AS visited,
               SUM(CASE WHEN first_registered_on <= :as_of THEN 1 ELSE 0 END) AS registered,
               SUM(CASE WHEN first_visited_on <= :as_of AND first_visited_on > :window_start THEN 1 ELSE 0 END)
                   AS recent
        FROM worklist_entry
        WHERE campaign_id = :c
        GROUP BY village_code
        """
    )
    # ISO text compares correctly with SQLite's ISO dates and is cast to a date by PostgreSQL.
    params = {"c": campaign_id, "as_of": as_of.isoformat(), "window_start": window_start.isoformat()}
    rows = connection.execute(query, params).all()
    columns = ["village_code", "township_code", "to_visit", "visited", "registered", "recent"]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def unlisted_visit_count(connection: Connection, *, campaign_id: int, as_of: date) -> int:
    """Visits (with an outcome, dated by `as_of`) of persons on no list, as tasks.survey.progress.unlisted_visits.

    Each visit asks the lists' index by ID number whether its person is listed. The unary plus on the
    campaign keeps SQLite from choosing the campaign's index instead (which scanned the campaign's entries once
    per visit: minutes at a county's size); it changes nothing in the value, and PostgreSQL makes the NOT EXISTS
    a hashed anti-join. At 1.2 million visits this is about half the time of building a lookup table of every
    listed ID (an uncorrelated NOT IN)."""
    query = text(
        """
        SELECT COUNT(*) FROM visit v
        WHERE v.campaign_id = :c AND v.visited_on <= :as_of AND v.outcome <> ''
          AND NOT EXISTS (
              SELECT 1 FROM worklist_entry w WHERE w.id_number = v.id_number AND +w.campaign_id = :c
          )
        """
    )
    return int(connection.execute(query, {"c": campaign_id, "as_of": as_of.isoformat()}).scalar_one())


def finished_townships(
    connection: Connection, *, campaign_id: int, townships: Sequence[str], as_of: date
) -> dict[str, date | None]:
    """For each of `townships`: the day its last listed person was first visited (a visit with an outcome dated
    by `as_of`), or None while someone is still unvisited. The database reads only those townships' persons."""
    if not townships:
        return {}
    query = text(
        """
        SELECT township_code, COUNT(DISTINCT id_number) AS listed,
               COUNT(DISTINCT CASE WHEN first_visited_on <= :as_of THEN id_number END) AS visited,
               MAX(CASE WHEN first_visited_on <= :as_of THEN first_visited_on END) AS last_first
        FROM worklist_entry
        WHERE campaign_id = :c AND township_code IN :townships
        GROUP BY township_code
        """
    ).bindparams(bindparam("townships", expanding=True))
    rows = connection.execute(query, {"c": campaign_id, "as_of": as_of.isoformat(), "townships": list(townships)})
    return {
        str(t): (_as_date(last) if listed == visited and last is not None else None)
        for t, listed, visited, last in rows
    }


def visits_to_confirm(
    connection: Connection, *, campaign_id: int, township_code: str, outcomes: Sequence[str]
) -> list[dict[str, Any]]:
    """The township's visits with one of `outcomes` not confirmed yet: id_number, village_code, outcome, visited_on,
    visitor, key (oldest first)."""
    if not outcomes:
        return []
    statement = text(
        "SELECT key, id_number, village_code, outcome, visited_on, visitor FROM visit "
        "WHERE campaign_id = :c AND township_code = :t AND outcome IN :o AND confirmed_on IS NULL "
        "ORDER BY visited_on, id"
    ).bindparams(bindparam("o", expanding=True))
    rows = connection.execute(statement, {"c": campaign_id, "t": township_code, "o": list(outcomes)})
    return [dict(r._mapping) for r in rows]


def confirm_visits(connection: Connection, *, keys: Sequence[str], confirmed_on: date, confirmed_by: str) -> int:
    """Mark the visits confirmed; returns how many were."""
    if not keys:
        return 0
    statement = text(
        "UPDATE visit SET confirmed_on = :d, confirmed_by = :b WHERE key IN :k AND confirmed_on IS NULL"
    ).bindparams(bindparam("k", expanding=True))
    result = connection.execute(statement, {"d": confirmed_on, "b": confirmed_by, "k": list(keys)})
    return int(result.rowcount or 0)


def ids_with_outcomes(
    connection: Connection, *, campaign_id: int, outcomes: Sequence[str], through: date | None = None
) -> set[str]:
    """ID numbers with a visit of one of `outcomes` (made by `through`, if given)."""
    if not outcomes:
        return set()
    query = "SELECT DISTINCT id_number FROM visit WHERE campaign_id = :c AND outcome IN :o"
    params: dict[str, Any] = {"c": campaign_id, "o": list(outcomes)}
    if through is not None:
        query += " AND visited_on <= :d"
        params["d"] = through
    statement = text(query).bindparams(bindparam("o", expanding=True))
    return {i for (i,) in connection.execute(statement, params)}
