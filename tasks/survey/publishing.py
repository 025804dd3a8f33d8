"""Publishing the household-visit work lists from the latest comparison: one workbook per village, the coverage
gaps per township and for the county, the listed persons stored and the milestones the publication completes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from models import crud
from models.campaign.spec import Campaign
from models.exports import log_exports
from models.survey.visits import add_worklist_entries
from tasks.comparison.registry import latest_comparison, load_registry
from tasks.plan.data_completions import worklist_completions
from tasks.survey.household_form import FormChoices, village_forms, write_forms
from tasks.survey.worklists import coverage_gaps, to_visit, village_lists, write_gaps, write_village_list
from tasks.wording.render import cn_date
from tasks.workspace import Workspace

AUTO_RECORDER = "系统（名单下发）"


def publish_worklist_files(ws: Workspace, out: Path, published_on: date, forms: bool = False) -> dict[str, Any]:
    """Write the lists and gaps under `out` (and with `forms` each village's household forms), list their persons
    as of `published_on`; returns the figures `canbao worklists --json` prints."""
    campaign_id, campaign = ws.campaign()
    run = latest_comparison(ws, campaign_id)
    persons, anomalies = load_registry(ws, campaign_id)
    assert campaign.comparison is not None
    names = {key: insurance.name for key, insurance in campaign.comparison.insurances.items()}
    names = {i: names.get(i, i) for i in ("pension", "medical", "injury", "maternity", "unemployment")}
    compared = cn_date(run.as_of)
    written: list[tuple[Path, int]] = []
    for item in village_lists(campaign, persons, anomalies, names):
        title = (
            f"{item.township}{item.village_name}全民参保登记入户调查名单（比对日期：{compared}，共{len(item.rows)}人）"
        )
        path = out / item.township / f"{item.village_code}-{item.village_name}-入户调查名单.xlsx"
        write_village_list(item, path, title)
        written.append((path, len(item.rows)))
    gaps = coverage_gaps(campaign, persons, names)
    for township in campaign.townships:
        write_gaps(
            gaps[gaps["乡镇"] == township.name],
            out / township.name / f"{township.name}-扩面盲点.xlsx",
            f"{township.name}各村（社区）扩面盲点（{compared}）",
        )
    write_gaps(gaps, out / "全县扩面盲点.xlsx", f"{campaign.county.name}各村（社区）扩面盲点（{compared}）")
    form_files = _write_household_forms(campaign, persons, anomalies, names, out) if forms else []
    listed = to_visit(persons, anomalies)
    entries = pd.DataFrame(
        {
            "id_number": listed["id_number"].astype(str),
            "township_code": listed["township_code"].astype(str),
            "village_code": listed["village_code"].astype(str),
            "reasons": listed["走访原因"].astype(str),
        }
    )
    with ws.session() as session:
        added = add_worklist_entries(session, campaign_id=campaign_id, entries=entries, listed_on=published_on)
        log_exports(session, campaign_id=campaign_id, kind="worklist", files=written)
        log_exports(session, campaign_id=campaign_id, kind="household_form", files=[(p, n) for p, n, _h in form_files])
        crud.record_missing_completions(
            session, campaign_id=campaign_id, facts=worklist_completions(campaign, published_on), by=AUTO_RECORDER
        )
    return {
        "out": str(out),
        "as_of": run.as_of.isoformat(),
        "villages": len(written),
        "persons": len(listed),
        "newly_listed": added,
        **(_forms_json(form_files) if forms else {}),
    }


def _write_household_forms(
    campaign: Campaign, persons: pd.DataFrame, anomalies: pd.DataFrame, names: dict[str, str], out: Path
) -> list[tuple[Path, int, int]]:
    """One .docx of household forms per village with listed persons: (file, persons, households) each."""
    choices = FormChoices.of(campaign, names)
    written = []
    for village in village_forms(campaign, persons, anomalies):
        path = out / village.township / f"{village.village_code}-{village.village_name}-入户调查登记表.docx"
        write_forms(village.households, choices, path)
        written.append((path, village.persons, len(village.households)))
    return written


def _forms_json(files: list[tuple[Path, int, int]]) -> dict[str, Any]:
    return {"forms": {"files": len(files), "households": sum(h for _p, _n, h in files)}}
