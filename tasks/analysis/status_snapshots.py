"""Each comparison's per-person statuses kept as a Parquet file beside the database, for the periodic data
exchange (数据交换, 四（四）) to compare with the next comparison's."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from tasks.analysis.exchange import status_snapshot


def status_snapshot_path(data_dir: Path, *, campaign_id: int, compare_run_id: int) -> Path:
    return data_dir / "comparisons" / f"{campaign_id}-{compare_run_id}.parquet"


def save_status_snapshot(data_dir: Path, *, campaign_id: int, compare_run_id: int, persons: pd.DataFrame) -> Path:
    """Keep a comparison's per-person statuses (tasks.analysis.exchange.STATUS_COLUMNS) beside the database."""
    path = status_snapshot_path(data_dir, campaign_id=campaign_id, compare_run_id=compare_run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".parquet.tmp")
    status_snapshot(persons).to_parquet(temporary, index=False)
    os.replace(temporary, path)
    return path


def load_status_snapshot(data_dir: Path, *, campaign_id: int, compare_run_id: int) -> pd.DataFrame | None:
    path = status_snapshot_path(data_dir, campaign_id=campaign_id, compare_run_id=compare_run_id)
    return pd.read_parquet(path) if path.is_file() else None
