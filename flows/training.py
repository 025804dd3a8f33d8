"""The 动员培训阶段 (training) flow: tracks the phase's milestones as of a date."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from flows.tracking import run_phase_tracking
from tasks.workspace import Workspace

PHASE = "training"


@flow(name="training-phase")
def training_phase(as_of: date | None = None) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        return run_phase_tracking(ws, PHASE, as_of)
    finally:
        ws.close()
