"""The 启动阶段 (launch) flow: tracks the phase's milestones as of a date."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from flows.tracking import run_phase_tracking
from tasks.workspace import Workspace

PHASE = "launch"


@flow(name="launch-phase")
def launch_phase(as_of: date | None = None) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        return run_phase_tracking(ws, PHASE, as_of)
    finally:
        ws.close()
