"""Department deliveries kept as snapshots: Parquet files of accepted rows, one active per source.

A new delivery of a source replaces the active snapshot in one transaction; the old file and row stay for
audit. The same files delivered again change nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from models import faults
from models.crud import delivered_sources as delivered_sources  # the daily reminders read it without pandas
from models.exports import log_exports
from models.tables import SourceSnapshot
from tasks.intake.ingest import IngestResult
from tasks.intake.rejects import write_rejects_workbook


@dataclass(frozen=True)
class Delivery:
    """What `canbao ingest --json` reports for one source."""

    source: str
    files: list[str]
    rows_read: int
    accepted: int
    rejected: int
    duplicates: int
    rejects_file: str | None
    snapshot: int
    unchanged: bool
    warnings: list[str]  # in Chinese: the optional columns a file lacked (its rows were imported all the same)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def digest_files(files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def active_snapshot(session: Session, *, campaign_id: int, source: str) -> SourceSnapshot | None:
    return session.exec(
        select(SourceSnapshot).where(
            SourceSnapshot.campaign_id == campaign_id, SourceSnapshot.source == source, col(SourceSnapshot.active)
        )
    ).first()


def unchanged_delivery(session: Session, *, campaign_id: int, source: str, digest: str) -> Delivery | None:
    """The active snapshot's report when these are exactly the files already imported."""
    current = active_snapshot(session, campaign_id=campaign_id, source=source)
    if current is None or current.digest != digest:
        return None
    return _delivery(current, unchanged=True)


def save_snapshot(
    session: Session,
    *,
    campaign_id: int,
    result: IngestResult,
    digest: str,
    delivered_on: date,
    data_dir: Path,
    source_name: str,
) -> Delivery:
    folder = data_dir / "snapshots" / result.source
    folder.mkdir(parents=True, exist_ok=True)
    rejects_dir = data_dir / "rejects" / result.source
    sweep_orphans(session, source=result.source, folders=(folder, rejects_dir))
    data_path = folder / f"{digest[:16]}.parquet"
    temporary = data_path.with_suffix(".parquet.tmp")
    result.accepted.to_parquet(temporary, index=False)
    os.replace(temporary, data_path)  # a crash leaves either no file or a whole one
    rejects_path = None
    if len(result.rejected) or _has_issues(result.accepted):
        rejects_dir.mkdir(parents=True, exist_ok=True)
        rejects_path = write_rejects_workbook(
            result, rejects_dir / f"{source_name}-退回-{delivered_on.isoformat()}-{digest[:8]}.xlsx", source_name
        )
        log_exports(session, campaign_id=campaign_id, kind="rejects", files=[(rejects_path, len(result.rejected))])
    for previous in session.exec(
        select(SourceSnapshot).where(
            SourceSnapshot.campaign_id == campaign_id,
            SourceSnapshot.source == result.source,
            col(SourceSnapshot.active),
        )
    ):
        previous.active = False
        session.add(previous)
    snapshot = SourceSnapshot(
        campaign_id=campaign_id,
        source=result.source,
        digest=digest,
        files=json.dumps(result.files, ensure_ascii=False),
        rows_read=result.rows_read,
        accepted=len(result.accepted),
        rejected=len(result.rejected),
        duplicates=result.duplicates,
        data_path=str(data_path),
        rejects_path=str(rejects_path) if rejects_path else None,
        warnings=json.dumps(result.warnings, ensure_ascii=False),
        delivered_on=delivered_on,
    )
    session.add(snapshot)
    session.flush()
    faults.reached("snapshot.written")  # the file is on disk, the row not yet committed
    return _delivery(snapshot, unchanged=False)


def sweep_orphans(session: Session, *, source: str, folders: Sequence[Path]) -> list[Path]:
    """Remove the files of deliveries that never reached the database: a run killed after writing its
    Parquet (or rejects workbook) and before committing its row leaves them behind. Runs under the ingest's
    run lock, so no other import is between writing a file and committing its row."""
    rows = session.exec(select(SourceSnapshot).where(SourceSnapshot.source == source))
    known = {Path(path).name for row in rows for path in (row.data_path, row.rejects_path) if path}
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_file() and path.name not in known:
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def _has_issues(frame: pd.DataFrame) -> bool:
    return "issues" in frame and bool((frame["issues"].fillna("") != "").any())


def _delivery(snapshot: SourceSnapshot, *, unchanged: bool) -> Delivery:
    assert snapshot.id is not None
    return Delivery(
        source=snapshot.source,
        files=json.loads(snapshot.files),
        rows_read=snapshot.rows_read,
        accepted=snapshot.accepted,
        rejected=snapshot.rejected,
        duplicates=snapshot.duplicates,
        rejects_file=snapshot.rejects_path,
        snapshot=snapshot.id,
        unchanged=unchanged,
        warnings=json.loads(snapshot.warnings or "[]"),
    )


# -- per comparison: each person's statuses, for the data exchange to tell what changed ----------------------


def active_snapshot_ids(session: Session, *, campaign_id: int) -> dict[str, int]:
    """Each source's active snapshot id, as a comparison run records them."""
    rows = session.exec(
        select(SourceSnapshot).where(SourceSnapshot.campaign_id == campaign_id, col(SourceSnapshot.active))
    )
    return {s.source: s.id for s in rows if s.id is not None}
