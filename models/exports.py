"""The log of every file written with personal data in full (ID numbers, phones): who may need to know where
such data went. Work lists for the villages, the departments' correction lists, rejects workbooks, spot-check
samples, household survey forms: each file written is one row."""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlmodel import Field, Session, SQLModel, col, select

from models.tables import utcnow

KIND_NAMES = {
    "worklist": "入户调查名单",
    "corrections": "错误信息反馈清单",
    "rejects": "退回数据表",
    "spot_sample": "督查抽查样本",
    "household_form": "入户调查登记表",
}


class PersonalDataExport(SQLModel, table=True):
    __tablename__ = "personal_data_export"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(index=True)
    kind: str = Field(index=True)  # KIND_NAMES
    file: str
    persons: int  # rows with personal data in the file
    exported_by: str  # the operating-system user who ran the command
    exported_at: datetime = Field(default_factory=utcnow)


def exporter() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


def log_exports(
    session: Session, *, campaign_id: int, kind: str, files: Iterable[tuple[Path, int]], who: str | None = None
) -> int:
    """Record each (file, persons) written or handed out; `who` defaults to the operating-system user. Returns how
    many rows were added."""
    who = who or exporter()
    rows = [
        PersonalDataExport(campaign_id=campaign_id, kind=kind, file=str(path), persons=persons, exported_by=who)
        for path, persons in files
    ]
    session.add_all(rows)
    return len(rows)


def exports(session: Session, *, campaign_id: int) -> list[PersonalDataExport]:
    query = select(PersonalDataExport).where(PersonalDataExport.campaign_id == campaign_id)
    return list(session.exec(query.order_by(col(PersonalDataExport.exported_at), col(PersonalDataExport.id))))


def latest_files(session: Session, *, campaign_id: int, kind: str, name_prefix: str) -> list[tuple[str, int]]:
    """(file, persons) of this kind whose name starts with `name_prefix`, newest first (a village's work lists)."""
    query = select(PersonalDataExport).where(
        PersonalDataExport.campaign_id == campaign_id, PersonalDataExport.kind == kind
    )
    rows = session.exec(query.order_by(col(PersonalDataExport.exported_at).desc(), col(PersonalDataExport.id).desc()))
    return [(r.file, r.persons) for r in rows if Path(r.file).name.startswith(name_prefix)]
