"""The `canbao` command as a real child process, and the whole state of a workspace, for the fault tests."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, select
from sqlmodel import SQLModel

from models.db import make_engine

CANBAO = str(Path(sys.executable).with_name("canbao"))
KILLED = -9  # returncode of a child ended by SIGKILL

# Tables whose rows are the campaign's state (run_lock is the machinery, worker_token holds random tokens).
STATE_TABLES = (
    "source_snapshot", "compare_run", "person", "anomaly", "worklist_entry", "visit", "person_change",
    "completion", "outbox", "milestone", "org_unit",
)  # fmt: skip


def child_env(env: Mapping[str, str], **extra: str) -> dict[str, str]:
    """The coordinator's environment plus this test session's Prefect server (no temporary one per command:
    a child killed with SIGKILL would leave its temporary server running). The logging routes that in-process
    commands of earlier tests left in this process's environment are not the coordinator's: a child finds its
    own (flows.runtime.route_prefect_logs)."""
    from prefect.settings import PREFECT_API_URL

    leaked = ("CANBAO_FAULT", "CANBAO_PAUSE", "PREFECT_LOGGING_SETTINGS_PATH", "PREFECT_LOGGING_HANDLERS_",
              "PREFECT_LOGGING_ROOT_HANDLERS")  # fmt: skip
    clean = {k: v for k, v in os.environ.items() if not k.startswith(leaked)}
    url = PREFECT_API_URL.value()
    assert url, "the Prefect test harness must be running"
    return {**clean, **env, "PREFECT_API_URL": str(url), **extra}


def start(env: Mapping[str, str], *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CANBAO, *args], env=child_env(env, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run(
    env: Mapping[str, str], *args: str, expect: int, context: str = "", **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run `canbao args` to its end: it must exit with `expect` (0; 2 for a refusal; KILLED)."""
    done = subprocess.run(
        [CANBAO, *args], env=child_env(env, **extra), capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == expect, (
        f"canbao {' '.join(args)} → {done.returncode}, expected {expect}{context}\n{done.stderr[-3000:]}"
    )
    return done


def run_ok(env: Mapping[str, str], *args: str) -> str:
    """Run a command that must succeed; its standard output."""
    return run(env, *args, expect=0).stdout


def run_killed(env: Mapping[str, str], point: str, *args: str) -> None:
    """Run a command that must die by SIGKILL at the fault point `point`."""
    run(env, *args, expect=KILLED, context=f" (to be killed at {point})", CANBAO_FAULT_AT=point)


def database_state(url: str, data_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every state table's rows without surrogate keys and clock times, paths made relative to the data folder,
    sorted: equal for two runs that did the same work whatever the database, ids or retries."""
    engine = make_engine(url)
    prefix = str(data_dir.resolve())
    state: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as connection:
            for name in STATE_TABLES:
                table = SQLModel.metadata.tables[name]
                columns = [
                    c for c in table.columns
                    if not (c.name == "id" or c.name.endswith("_id") or isinstance(c.type, DateTime))
                ]  # fmt: skip
                rows = [
                    tuple(_portable(v, prefix, c.name) for v, c in zip(row, columns, strict=True))
                    for row in connection.execute(select(*columns)).all()
                ]
                state[name] = sorted(rows, key=lambda r: tuple(map(repr, r)))
    finally:
        engine.dispose()
    return state


def _portable(value: Any, prefix: str, column: str) -> Any:
    if column == "snapshots" and isinstance(value, str):
        return sorted(json.loads(value))  # source → snapshot id: the ids depend on rolled-back inserts
    if isinstance(value, str):
        return value.replace(prefix, "<data>")
    if isinstance(value, datetime):
        return "<time>"  # a clock reading, not state (some columns are not typed DateTime)
    if isinstance(value, float):
        return round(value, 9)
    return value


def files_state(data_dir: Path, *folders: str) -> dict[str, str]:
    """Relative path → content digest of every file under the given folders of the data folder. Mailbox files
    carry the second they were written in their names: they are keyed by folder and content instead."""
    found: dict[str, str] = {}
    for folder in folders:
        root = data_dir / folder
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
            relative = path.relative_to(data_dir)
            if path.suffix == ".xlsx":
                digest = _workbook_digest(path)  # zip timestamps differ between two writes of the same table
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            if folder == "mailbox":
                key = f"{relative.parent}/{digest}"
                assert key not in found, f"message delivered twice: {relative}"
                found[key] = path.name.split("-", 1)[-1]
            else:
                found[str(relative)] = digest
    return found


def _workbook_digest(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    digest = hashlib.sha256()
    for sheet in book.worksheets:
        digest.update(sheet.title.encode())
        for row in sheet.iter_rows(values_only=True):
            digest.update(repr(row).encode())
    book.close()
    return digest.hexdigest()[:16]
