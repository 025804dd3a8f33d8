"""Importing returned household-survey work lists (入户调查名单): the visits they record and the rows they send back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from models.survey.visits import listed_places
from tasks.intake.ingest import existing_files, read_source
from tasks.intake.returned import write_returned_rejects
from tasks.survey.recording import record_and_complete
from tasks.survey.refusals import keep_refusals
from tasks.survey.visits import RETURNED_COLUMNS, returned_list_source, returned_visits
from tasks.workspace import Workspace, today_in

IMPORT_FIELDS = ("files", "rows_read", "recorded", "rejected", "duplicates", "rejects_file")


class NoWorklists(LookupError):
    """Visits belong to persons on the work lists; none have been published."""


@task(name="import-returned-lists", cache_policy=NO_CACHE)
def import_returned_lists(ws: Workspace, files: Sequence[str], received_on: date | None) -> dict[str, Any]:
    campaign_id, campaign = ws.campaign()
    day = received_on or today_in(campaign)
    paths = existing_files(files)
    with ws.engine.connect() as connection:
        listed = listed_places(connection, campaign_id=campaign_id)
    if not listed:
        raise NoWorklists("还没有下发入户调查名单，请先运行 canbao worklists")
    result = read_source(returned_list_source(campaign), paths, campaign, as_of=day)
    rows = returned_visits(result.accepted, campaign, listed, day)
    rejected = pd.concat([result.rejected, rows.rejected], ignore_index=True) if len(rows.rejected) else result.rejected
    # The rejects first: should writing them fail, nothing is recorded and the same files can simply be imported again.
    rejects_file = write_returned_rejects(
        ws, rejected, paths, day, area="survey", title="入户调查名单", columns=RETURNED_COLUMNS
    )
    # Kept so the villages are reminded of what is still to be corrected, until a result for the person comes.
    keep_refusals(ws, rejected, listed, day)
    outcome = record_and_complete(ws, rows.visits, day)
    summary = {
        "files": [str(p) for p in paths],
        "rows_read": result.rows_read,
        "recorded": outcome["recorded"],
        "rejected": len(rejected),
        "duplicates": result.duplicates + outcome["duplicates"],
        "pending": rows.pending,
        "rejects_file": rejects_file,
        "changes": outcome["changes"],
        "milestones_completed": outcome["completed"],
    }
    get_run_logger().info(
        "入户调查结果：读取 %d 行，记录 %d，退回 %d，重复 %d，未填写 %d",
        summary["rows_read"], summary["recorded"], summary["rejected"], summary["duplicates"], summary["pending"],
    )  # fmt: skip
    return summary


def run_import(ws: Workspace, files: Sequence[str], received_on: date | None = None) -> dict[str, Any]:
    return import_returned_lists(ws, list(files), received_on)


@flow(name="import-visits")
def import_visits(files: list[str], received_on: date | None = None) -> dict[str, Any]:
    ws = Workspace.open()
    try:
        with ws.lock("survey-import"):
            return run_import(ws, files, received_on)
    finally:
        ws.close()
