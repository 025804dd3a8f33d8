"""The 完善分析阶段 (analysis) flow: tracks the phase's milestones as of a date."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from canbao.workspace import Workspace
from flows.tracking import run_phase_tracking

PHASE = "analysis"


@flow(name="analysis-phase")
def analysis_phase(as_of: date | None = None) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        return run_phase_tracking(ws, PHASE, as_of)
    finally:
        ws.close()
