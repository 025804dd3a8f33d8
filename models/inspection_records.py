"""Storing spot checks (督查抽查): a drawn sample with its visits, each export of its workbook, and the
inspectors' results. The tables are models.inspection's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from models.inspection import SpotCheck, SpotExport, SpotSample, SpotSampleItem

if TYPE_CHECKING:
    import pandas as pd


def add_spot_sample(
    session: Session, *, campaign_id: int, township_code: str, as_of: date, seed: int, size: int, drawn: pd.DataFrame
) -> int:
    """Store a sample and its drawn visits (columns key, id_number, township_code, village_code, outcome,
    visited_on, visitor; in workbook order); returns the sample's id."""
    sample = SpotSample(
        campaign_id=campaign_id,
        township_code=township_code,
        as_of=as_of,
        seed=seed,
        size=size,
        drawn=len(drawn),
        villages=int(drawn["village_code"].nunique()),
    )
    session.add(sample)
    session.flush()
    assert sample.id is not None
    for position, row in enumerate(drawn.itertuples(index=False), start=1):
        session.add(
            SpotSampleItem(
                sample_id=sample.id,
                position=position,
                visit_key=str(row.key),
                id_number=str(row.id_number),
                township_code=str(row.township_code),
                village_code=str(row.village_code),
                outcome=str(row.outcome),
                visited_on=stored_day(row.visited_on),
                visitor=str(row.visitor or ""),
            )
        )
    session.flush()
    return sample.id


def record_spot_export(session: Session, *, campaign_id: int, sample_id: int, file: Path, persons: int) -> None:
    """A workbook written for a sample: kept for audit, and the sample's latest file."""
    session.add(SpotExport(campaign_id=campaign_id, sample_id=sample_id, file=str(file), persons=persons))
    sample = session.get(SpotSample, sample_id)
    assert sample is not None
    sample.file = str(file)


def add_spot_checks(session: Session, *, campaign_id: int, checks: Iterable[Mapping[str, Any]]) -> None:
    """Store inspectors' results (the fields of SpotCheck, with `file`, `sheet` and `row` of where each was read)."""
    for check in checks:
        session.add(
            SpotCheck(
                campaign_id=campaign_id,
                **{k: v for k, v in check.items() if k not in ("file", "sheet", "row")},
                source_file=check["file"],
                source_sheet=check["sheet"],
                source_row=check["row"],
            )
        )


def stored_day(value: Any) -> date:
    """A date as pandas or the database hands it back (Timestamp, date or ISO text)."""
    import pandas as pd

    if isinstance(value, pd.Timestamp):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
