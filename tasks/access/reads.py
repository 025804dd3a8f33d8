"""What a principal reads: the CLI's JSON (status, progress, orgs) cut to the principal's scope. The API returns
these as they are; the console's first page builds its figures on them (tasks.access.overview)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from models.exports import latest_files, log_exports
from tasks.access.reviews import review_tracking_for
from tasks.access.roles import Principal
from tasks.access.scope import (
    OutOfScope,
    require_survey_reader,
    sees_township,
    sees_village,
    visible_orgs,
    visible_progress,
    visible_statuses,
)
from tasks.comparison.registry import NoComparison, latest_comparison
from tasks.plan.orgs import org_units_json
from tasks.plan.status import milestone_statuses, status_json
from tasks.scoring.sheet import score_sheet
from tasks.survey.figures import load_progress
from tasks.survey.progress_report import progress_json
from tasks.workspace import Workspace


def status_for(ws: Workspace, principal: Principal, as_of: date) -> dict[str, Any]:
    """`status --json` with the milestones of the owners the principal sees."""
    _campaign_id, campaign, completions = ws.state()
    statuses = visible_statuses(principal, milestone_statuses(campaign, completions, as_of))
    return {**status_json(campaign, statuses, as_of), "reviews": review_tracking_for(ws, principal, as_of)}


def progress_for(ws: Workspace, principal: Principal, as_of: date) -> dict[str, Any]:
    """`progress --json` with the townships the principal sees (Forbidden for a department)."""
    visible_progress(principal, {"townships": []})  # refuse before the (heavier) computation
    campaign, figures = load_progress(ws, as_of)
    return visible_progress(principal, progress_json(campaign, figures))


def orgs_for(ws: Workspace, principal: Principal) -> list[dict[str, Any]]:
    """`orgs --json` rows the principal sees (Forbidden for a department)."""
    visible_orgs(principal, [])
    return visible_orgs(principal, org_units_json(ws))


def scores_for(ws: Workspace, principal: Principal, as_of: date) -> list[dict[str, Any]]:
    """`scores --json` rows of the townships the principal sees (Forbidden for a department)."""
    require_survey_reader(principal)
    rows = score_sheet(ws, as_of).to_json()
    return [r for r in rows if sees_township(principal, str(r["township"]))]


def village_worklist_for(ws: Workspace, principal: Principal, village_code: str, *, channel: str) -> Path:
    """The village's latest published work list (`canbao worklists`) for a principal who sees the village; handing
    it out is logged as a personal-data export by that user (it holds IDs and phones in full). OutOfScope for
    another township's village, a village that does not exist or one whose list was never published."""
    require_survey_reader(principal)
    campaign_id, campaign = ws.campaign()
    if not village_code.isdigit() or not sees_village(campaign, principal, village_code):
        raise OutOfScope(village_code)
    with ws.session() as session:
        files = latest_files(session, campaign_id=campaign_id, kind="worklist", name_prefix=f"{village_code}-")
        found = next(((Path(f), n) for f, n in files if Path(f).is_file()), None)
        if found is None:
            raise OutOfScope(village_code)
        log_exports(session, campaign_id=campaign_id, kind="worklist", files=[found],
                    who=f"{channel}:{principal.username}")  # fmt: skip
    return found[0]


def compare_for(ws: Workspace, principal: Principal) -> dict[str, Any]:
    """The latest comparison's `compare --json` figures (counts only) with `by_township` cut to the townships the
    principal sees; the county's totals stay, as the notices publish them to every township. Forbidden for a
    department; OutOfScope before the first comparison."""
    require_survey_reader(principal)
    campaign_id, _campaign = ws.campaign()
    try:
        run = latest_comparison(ws, campaign_id)
    except NoComparison as exc:
        raise OutOfScope(str(exc)) from exc
    summary: dict[str, Any] = json.loads(run.summary)
    townships = [t for t in summary.get("by_township", []) if sees_township(principal, str(t["code"]))]
    return {**summary, "by_township": townships}
