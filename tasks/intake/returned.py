"""Rows refused when returned workbooks are imported (survey lists, spot-check results): one rejects workbook per
import, logged as an export of personal data (it names the rows, ID numbers included)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from models.exports import log_exports
from tasks.intake.rejects import write_rejected_rows
from tasks.intake.snapshots import digest_files
from tasks.workspace import Workspace


def write_returned_rejects(
    ws: Workspace,
    rejected: pd.DataFrame,
    paths: Sequence[Path],
    day: date,
    *,
    area: str,
    title: str,
    columns: Mapping[str, Sequence[str]],
) -> str | None:
    """The rows of returned workbooks (survey lists, spot-check results) sent back, None when there are none: one
    workbook per import, named by the files' content so a re-import overwrites, not adds, and logged as an export
    of personal data (it names the rows, ID numbers included)."""
    if not len(rejected):
        return None
    digest = digest_files(list(paths))[:12]
    labels = {name: synonyms[0] for name, synonyms in columns.items()}
    path = ws.settings.data_path / area / "rejects" / f"{day.isoformat()}-{digest}-退回.xlsx"
    written = write_rejected_rows(rejected, path, title, labels)
    campaign_id, _campaign = ws.campaign()
    with ws.session() as session:
        log_exports(session, campaign_id=campaign_id, kind="rejects", files=[(written, len(rejected))])
    return str(written)
