"""The supervisors' report (督查报告): one workbook and one self-contained HTML page for a day, and the same
figures as Prefect artifacts. The figures come from the database as counts (models.report) and from the score
sheet (tasks.scoring.sheet); tasks.documents.supervisors_report builds the tables and charts.

Scheduled weekly (prefect.yaml); the deployment passes `phases`, so that outside those phases of the campaign
the scheduled run does nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_progress_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from models.report import anomaly_counts, first_visit_days, gap_counts
from tasks.documents import supervisors_files
from tasks.documents.supervisors_report import Report, ReportInputs, build_report, html_rows
from tasks.inspection.ledger_records import load_ledger
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships
from tasks.scoring.sheet import score_sheet
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in

ARTIFACT_PREFIX = "supervisors-report"
TABLE_ARTIFACTS = {
    "ranking": "排名与评分",
    "breakdown": "评分明细",
    "anomalies": "数据异常",
    "gaps": "扩面盲点",
    "milestones": "工作任务",
    "inspection": "督查整改",
}


@task(name="load-report-inputs", cache_policy=NO_CACHE)
def load_report_inputs(ws: Workspace, as_of: date) -> ReportInputs:
    campaign_id, campaign, completions = ws.state()
    sheet = score_sheet(ws, as_of)
    standings = rank_townships(campaign, milestone_statuses(campaign, completions, as_of), as_of)
    with ws.engine.connect() as connection:
        visit_days = first_visit_days(connection, campaign_id=campaign_id)
        anomalies = anomaly_counts(connection, campaign_id=campaign_id)
        gaps = gap_counts(connection, campaign_id=campaign_id)
    ledger = load_ledger(ws, as_of)
    return ReportInputs(
        campaign, as_of, sheet.final, sheet.frozen, sheet.facts, sheet.scores, standings, visit_days, anomalies, gaps,
        ledger,
    )  # fmt: skip


@task(name="build-report", cache_policy=NO_CACHE)
def build_report_task(inputs: ReportInputs) -> Report:
    return build_report(inputs)


@task(name="write-report-files", cache_policy=NO_CACHE)
def write_report_files(report: Report, out: Path) -> tuple[Path, Path]:
    return supervisors_files.write_report_files(report, out)


@task(name="publish-report-artifacts", cache_policy=NO_CACHE)
def publish_report_artifacts(report: Report, xlsx: Path, html: Path) -> list[str]:
    """The report's figures in the Prefect UI: the overview, the section tables and the county's progress."""
    o = report.overview
    keys = []
    overview = "\n".join(f"| {row[0]} | {row[1]} |" for row in html_rows(report.tables["概况"]))
    key = ARTIFACT_PREFIX
    create_markdown_artifact(
        key=key,
        markdown=f"# {report.title}\n\n| 项目 | 内容 |\n|---|---|\n{overview}\n\n工作簿：`{xlsx}`\n\n网页：`{html}`\n",
        description=f"督查报告概况（{cn_date(o.as_of)}）",
    )
    keys.append(key)
    key = f"{ARTIFACT_PREFIX}-progress"
    create_progress_artifact(
        progress=round(o.rate * 100, 2), key=key, description=f"全县入户调查完成率（{cn_date(o.as_of)}）"
    )
    keys.append(key)
    for suffix, section in TABLE_ARTIFACTS.items():
        table = report.tables[section]
        columns = [str(c) for c in table.columns]
        key = f"{ARTIFACT_PREFIX}-{suffix}"
        create_table_artifact(
            key=key,
            table=[dict(zip(columns, row, strict=True)) for row in html_rows(table)],
            description=f"督查报告：{section}（{cn_date(o.as_of)}）",
        )
        keys.append(key)
    return keys


@flow(name="supervisors-report")
def supervisors_report(
    as_of: date | None = None, out: str | None = None, phases: list[str] | None = None
) -> dict[str, Any]:
    """The supervisors' report for `as_of` (default today) into `out` (default <data dir>/reports/<date>).
    With `phases`, it is made only on days inside one of those campaign phases (the schedule's case)."""
    ws = Workspace.open()
    try:
        _cid, campaign = ws.campaign()
        day = as_of or today_in(campaign)
        phase = campaign.phase_on(day)
        if phases is not None and (phase is None or phase.key not in phases):
            get_run_logger().info("%s不在%s阶段内，不生成督查报告", cn_date(day), "、".join(phases))
            return {"as_of": day.isoformat(), "skipped": True}
        folder = Path(out) if out else ws.settings.data_path / "reports" / day.isoformat()
        return run_report(ws, day, folder)
    finally:
        ws.close()


def run_report(ws: Workspace, day: date, folder: Path) -> dict[str, Any]:
    """Build, write and publish the report of `day` on this workspace (the flow's body; the replay calls it)."""
    _cid, campaign = ws.campaign()
    report = build_report_task(load_report_inputs(ws, day))
    xlsx, html = write_report_files(report, folder)
    artifacts = publish_report_artifacts(report, xlsx, html)
    get_run_logger().info("督查报告已生成：%s，%s", xlsx, html)
    return {
        "as_of": day.isoformat(),
        "final": report.overview.final,
        "xlsx": str(xlsx),
        "html": str(html),
        "townships": len(campaign.townships),
        "artifacts": artifacts,
    }
