"""The campaign's closing report (tasks.documents.closing_report): gathers the figures, writes the document.

Run at the end of the analysis phase (`canbao summary`); writing it on or after the phase's start completes the
county's `summary_report` milestone.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from models import crud
from models.survey.cutoff import late_visit_count
from models.survey.visits import village_counts
from tasks.analysis.expansion import expansion_plan, plan_json, target_date_of
from tasks.comparison.registry import latest_comparison, load_registry
from tasks.documents.closing_report import InsuranceFigures, SummaryFigures, figures_json, summary_document
from tasks.documents.official import notice_folder_name, write_notice_files
from tasks.documents.ranking_notice import ranking_serial
from tasks.plan.data_completions import analysis_completions
from tasks.plan.status import milestone_statuses
from tasks.scoring.sheet import score_sheet, survey_counts
from tasks.survey.progress_report import window_start
from tasks.survey.worklists import ANOMALY_NAMES
from tasks.workspace import Workspace, today_in

MILESTONE = "summary_report"
RECORDER = "系统（工作总结）"


def summary_figures(ws: Workspace, as_of: date) -> SummaryFigures:
    campaign_id, campaign, completions = ws.state()
    statuses = milestone_statuses(campaign, completions, as_of)
    run = latest_comparison(ws, campaign_id)
    compared = json.loads(run.summary)
    persons, _anomalies = load_registry(ws, campaign_id)
    # After the plan's target date the figures still stand; the targets are those of its last month.
    plan_day = min(as_of, target_date_of(campaign.analysis, campaign))
    plan = plan_json(expansion_plan(campaign, persons, plan_day), campaign)
    county = plan["county"]
    assert isinstance(county, dict)
    # The figures at the deadline (made and received by then), whenever the report is written.
    after_deadline = campaign.survey_window()[1] + timedelta(days=1)
    deadline_counts, _frozen = survey_counts(ws, campaign_id, campaign, max(as_of, after_deadline))
    with ws.engine.connect() as connection:
        now = village_counts(connection, campaign_id=campaign_id, as_of=as_of,
                             window_start=window_start(campaign, as_of))  # fmt: skip
        late = late_visit_count(connection, campaign_id=campaign_id)
    names = {t.code: t.name for t in campaign.townships}
    uninsured = persons[persons["category"] == "uninsured"].groupby("township_code").size()
    return SummaryFigures(
        as_of=as_of,
        milestones=dict(Counter(s.state for s in statuses)),
        milestones_total=len(statuses),
        compared_on=run.as_of,
        persons=int(compared["persons"]),
        categories={k: int(v) for k, v in compared["categories"].items()},
        anomalies={ANOMALY_NAMES[k]: int(v) for k, v in compared["anomalies"].items() if v and k in ANOMALY_NAMES},
        outside_register=int(compared.get("outside_register", 0)),
        registered_pending=int(compared.get("registered_pending", 0)),
        to_visit=int(deadline_counts["to_visit"].sum()) if len(deadline_counts) else 0,
        visited_by_deadline=int(deadline_counts["visited"].sum()) if len(deadline_counts) else 0,
        visited=int(now["visited"].sum()) if len(now) else 0,
        registered=int(now["registered"].sum()) if len(now) else 0,
        late_visits=late,
        scores=score_sheet(ws, as_of).scores,
        insurances=[
            InsuranceFigures(
                i["insurance"],
                i["name"],
                i["should"],
                i["insured"],
                i["elsewhere"],
                i["gap"],
                i["target"],
                i["registered_pending"],
            )
            for i in county["insurances"]
        ],
        township_gaps={names[str(c)]: int(n) for c, n in uninsured.items() if str(c) in names},
    )


def write_summary_report(ws: Workspace, as_of: date | None = None, out: Path | None = None) -> dict[str, Any]:
    campaign_id, campaign = ws.campaign()
    day = as_of or today_in(campaign)
    figures = summary_figures(ws, day)
    serial = ranking_serial(campaign, day) + 2  # after the weekly notices and the final notice
    document = summary_document(campaign, figures, serial)
    folder = out or ws.settings.notices_dir / notice_folder_name(document)
    files = write_notice_files(document, folder)
    with ws.session() as session:
        completed = crud.record_missing_completions(
            session, campaign_id=campaign_id, facts=analysis_completions(campaign, MILESTONE, day), by=RECORDER
        )
    return {**figures_json(figures), "files": [str(p) for p in files], "milestone_completed": completed > 0}
