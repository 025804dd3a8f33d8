"""Spot checks (督查抽查): the samples drawn, who is in them, each export of a sample's personal data, and the
results the inspectors sent back. Datetimes are stored in UTC."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Connection, UniqueConstraint, bindparam, text
from sqlmodel import Field, SQLModel

from models.tables import utcnow

if TYPE_CHECKING:
    import pandas as pd

CHUNK = 5_000  # bound parameters per IN list, as in models.survey.visits


class SpotSample(SQLModel, table=True):
    """One draw of completed visits in one township as of a day. The same township, day, seed and size drawing
    the same visits again reuses the sample instead of adding one."""

    __tablename__ = "spot_sample"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    township_code: str = Field(index=True)
    as_of: date
    seed: int = Field(sa_type=BigInteger)
    size: int  # requested
    drawn: int  # visits in the sample (fewer than `size` when the township had fewer)
    villages: int  # distinct villages in the sample
    file: str = ""  # the latest workbook written for it (every export is in spot_export)
    drawn_at: datetime = Field(default_factory=utcnow)


class SpotSampleItem(SQLModel, table=True):
    """A visit drawn into a sample, as it stood when drawn."""

    __tablename__ = "spot_sample_item"
    __table_args__ = (UniqueConstraint("sample_id", "visit_key"),)

    id: int | None = Field(default=None, primary_key=True)
    sample_id: int = Field(foreign_key="spot_sample.id", index=True)
    position: int  # 序号 in the workbook
    visit_key: str
    id_number: str = Field(index=True)
    township_code: str
    village_code: str
    outcome: str
    visited_on: date
    visitor: str = ""


class SpotExport(SQLModel, table=True):
    """A spot-check workbook written with full ID numbers: an export of personal data, kept for audit."""

    __tablename__ = "spot_export"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    sample_id: int = Field(foreign_key="spot_sample.id", index=True)
    file: str
    persons: int
    exported_at: datetime = Field(default_factory=utcnow)


class SpotCheck(SQLModel, table=True):
    """An inspector's result for one drawn visit. One per sample and visit: importing the same result again
    changes nothing, a different one is refused (see tasks.inspection.spot_checks)."""

    __tablename__ = "spot_check"
    __table_args__ = (UniqueConstraint("sample_id", "visit_key"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    sample_id: int = Field(foreign_key="spot_sample.id", index=True)
    visit_key: str
    id_number: str = Field(index=True)
    township_code: str = Field(index=True)
    village_code: str
    result: str  # a result code of the campaign file's [inspection.results]
    error: bool  # whether that result counted as an error when it was recorded
    note: str = ""
    inspector: str = ""
    checked_on: date
    received_on: date  # the campaign day the result reached the county
    source_file: str = ""  # where the result was read: file name, sheet and row
    source_sheet: str = ""
    source_row: int = 0
    recorded_at: datetime = Field(default_factory=utcnow)


# -- queries ------------------------------------------------------------------------------------------------


def township_visits(connection: Connection, *, campaign_id: int, township_code: str) -> pd.DataFrame:
    """Every visit of the persons visited in a township (their visits elsewhere too, so that the latest one
    decides), with `seq` the arrival order."""
    import pandas as pd

    return pd.read_sql(
        text(
            "SELECT id AS seq, key, id_number, township_code, village_code, outcome, visited_on, received_on, visitor "
            "FROM visit WHERE campaign_id = :c AND id_number IN "
            "(SELECT id_number FROM visit WHERE campaign_id = :c AND township_code = :t)"
        ),
        connection,
        params={"c": campaign_id, "t": township_code},
    )


def sample_keys(connection: Connection, *, campaign_id: int, township_code: str, as_of: date, seed: int,
                size: int) -> dict[int, set[str]]:  # fmt: skip
    """The drawn visit keys of each earlier sample drawn with the same township, day, seed and size."""
    rows = connection.execute(
        text(
            "SELECT s.id, i.visit_key FROM spot_sample s LEFT JOIN spot_sample_item i ON i.sample_id = s.id "
            "WHERE s.campaign_id = :c AND s.township_code = :t AND s.as_of = :d AND s.seed = :s AND s.size = :n"
        ),
        {"c": campaign_id, "t": township_code, "d": as_of, "s": seed, "n": size},
    )
    found: dict[int, set[str]] = {}
    for sample_id, key in rows:
        found.setdefault(int(sample_id), set())
        if key is not None:
            found[int(sample_id)].add(str(key))
    return found


def person_details(connection: Connection, *, campaign_id: int, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """ID number → (name, household number) of the persons still in the register."""
    statement = text(
        "SELECT id_number, name, household FROM person WHERE campaign_id = :c AND id_number IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        for id_number, name, household in connection.execute(
            statement, {"c": campaign_id, "ids": list(ids[start : start + CHUNK])}
        ):
            found[str(id_number)] = (str(name or ""), str(household or ""))
    return found


def sample_members(connection: Connection, *, campaign_id: int) -> pd.DataFrame:
    import pandas as pd

    return pd.read_sql(
        text(
            "SELECT i.sample_id, s.as_of, i.visit_key, i.id_number, i.township_code, i.village_code "
            "FROM spot_sample_item i JOIN spot_sample s ON s.id = i.sample_id WHERE s.campaign_id = :c"
        ),
        connection,
        params={"c": campaign_id},
    )


def recorded_checks(connection: Connection, *, campaign_id: int) -> pd.DataFrame:
    """sample_id, visit_key, result, error, township_code, checked_on, received_on, source_file, source_row
    of every result."""
    import pandas as pd

    return pd.read_sql(
        text(
            "SELECT sample_id, visit_key, result, error, township_code, checked_on, received_on, "
            "source_file, source_row "
            "FROM spot_check WHERE campaign_id = :c ORDER BY id"
        ),
        connection,
        params={"c": campaign_id},
    )
