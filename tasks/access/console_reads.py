"""What the console's read-side pages show, cut to the principal's scope: the timeline of milestones, the survey's
completion curve, the comparison's anomalies with their evidence (masked), a village's files to hand out, and the
notices and supervisors' reports issued. Each builds on the same use cases as the CLI (tasks.access.reads and the
functions they call); nothing here decides a rule of the campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from models.exports import latest_files, log_exports
from models.registry import anomaly_rows
from models.report import first_visit_days
from tasks.access.reads import status_for
from tasks.access.roles import Principal
from tasks.access.scope import (
    READS_EVERYTHING,
    Forbidden,
    OutOfScope,
    require_survey_reader,
    sees_township,
    sees_village,
)
from tasks.comparison.compare import ANOMALIES, Rules
from tasks.documents.supervisors_report import cumulative_rates, expected_series
from tasks.identity.masking import mask_id, mask_text
from tasks.workspace import Workspace

# The order of the timeline: what needs doing now first, what is done last.
STATE_ORDER = {"overdue": 0, "due": 1, "not_due": 2, "done_late": 3, "done_on_time": 4}
VILLAGE_FILES = {"worklist": "入户调查名单", "household_form": "入户调查登记表"}
REPORT_PREFIX = "督查报告-"
ISSUED_SUFFIXES = (".docx", ".html", ".xlsx")
MAX_ANOMALIES = 200  # rows shown on a page; the counts above them are complete


# -- the timeline -----------------------------------------------------------------------------------------------


def timeline_for(ws: Workspace, principal: Principal, as_of: date, owner: str = "") -> list[dict[str, Any]]:
    """`status --json` milestones of the owners in scope (one owner's if `owner` is given and in scope), overdue
    first, then due, not due and done; by due date within each."""
    milestones = status_for(ws, principal, as_of)["milestones"]
    if owner:
        milestones = [m for m in milestones if m["owner"] == owner]
        if not milestones:
            raise OutOfScope(owner)
    return sorted(milestones, key=lambda m: (STATE_ORDER.get(m["state"], 9), m["due"], m["owner"], m["key"]))


# -- the survey's progress --------------------------------------------------------------------------------------


def township_in(progress: dict[str, Any], code: str) -> dict[str, Any]:
    """One township (with its villages) of `progress --json` as progress_for cut it to a principal's scope;
    OutOfScope for a township outside it or that does not exist."""
    found = next((t for t in progress["townships"] if t["code"] == code), None)
    if found is None:
        raise OutOfScope(code)
    return dict(found)


def village_in(township: dict[str, Any], code: str) -> dict[str, Any]:
    """One village of a township of township_in; OutOfScope for a village of another township or none."""
    found = next((v for v in township["villages"] if v["code"] == code), None)
    if found is None:
        raise OutOfScope(code)
    return dict(found)


@dataclass(frozen=True)
class Curve:
    """The cumulative completion rate per day from the survey's start to the day (or its deadline), and the
    expected rate (序时进度) per day of the survey."""

    rates: pd.Series
    expected: pd.Series
    start: date
    deadline: date


def completion_curve(ws: Workspace, principal: Principal, as_of: date, township: str = "", village: str = "") -> Curve:
    """The curve of the townships in scope together, of one township or of one of its villages (OutOfScope outside
    the scope), counted as the supervisors' report counts it (models.report.first_visit_days,
    tasks.documents.supervisors_report)."""
    require_survey_reader(principal)
    campaign_id, campaign = ws.campaign()
    if township and not sees_township(principal, township):
        raise OutOfScope(township)
    if village and not sees_village(campaign, principal, village):
        raise OutOfScope(village)
    codes = [
        t.code for t in campaign.townships if t.code == township or (not township and sees_township(principal, t.code))
    ]
    start, deadline = campaign.survey_window()
    end = max(start, min(as_of, deadline))
    with ws.engine.connect() as connection:
        days = first_visit_days(connection, campaign_id=campaign_id, village_code=village or None)
    days = days[days["township_code"].isin(codes)]
    per_day, listed = cumulative_rates(days, codes, start, end)
    total = int(listed.sum())
    # the rates of the townships weighted by their lists: the share of all listed persons visited by each day
    visited = per_day.mul(listed, axis=1).sum(axis=1)
    rates = visited / total if total else visited * 0.0
    return Curve(rates=rates.astype(float), expected=expected_series(campaign, start, deadline), start=start,
                 deadline=deadline)  # fmt: skip


# -- the comparison's anomalies ---------------------------------------------------------------------------------


def anomalies_for(ws: Workspace, principal: Principal, kind: str = "") -> tuple[int, list[dict[str, str]]]:
    """The latest comparison's anomalies (not the outside-register information) of the villages in scope, as many
    as there are and the first MAX_ANOMALIES rows: kind, village code, masked ID, the lists involved (by their
    titles) and evidence with any ID or phone in it masked. A county or supervisor also sees those without a
    village."""
    require_survey_reader(principal)
    campaign_id, campaign = ws.campaign()
    with ws.engine.connect() as connection:
        rows = anomaly_rows(connection, campaign_id=campaign_id)
    rows = rows[rows["kind"].isin([kind] if kind else list(ANOMALIES))]
    villages = rows["village_code"].fillna("").astype(str)
    if principal.role not in READS_EVERYTHING:
        seen = {v: sees_village(campaign, principal, v) for v in villages.unique() if v}
        rows = rows[villages.map(lambda v: seen.get(v, False))]
    rows = rows.sort_values(["kind", "village_code", "id_number"], na_position="last")
    titles = Rules.of(campaign).list_titles if campaign.comparison is not None else ",".join
    shown = [
        {
            "kind": str(r["kind"]),
            "village": "" if pd.isna(r["village_code"]) else str(r["village_code"]),
            "id": mask_id(str(r["id_number"])),
            "sources": titles([k for k in str(r["sources"]).split(",") if k]),  # by their titles, never keys
            "evidence": mask_text(str(r["evidence"])),
        }
        for r in rows.head(MAX_ANOMALIES).to_dict("records")
    ]
    return len(rows), shown


# -- a village's files ------------------------------------------------------------------------------------------


def require_list_holder(principal: Principal) -> None:
    """Work lists and household forms hold IDs and phones in full: only for the county and the townships, who hand
    them to the villages (supervisors read figures; departments deliver data)."""
    if principal.role not in ("county", "township"):
        raise Forbidden("只有县级和乡镇用户可以下载入户调查名单和登记表")


def village_files_for(ws: Workspace, principal: Principal, village_code: str) -> dict[str, str]:
    """Which of the village's files have been published (kind → file name), for a principal who may hold them;
    OutOfScope for a village outside the scope or that does not exist."""
    require_list_holder(principal)
    campaign_id, campaign = ws.campaign()
    if not village_code.isdigit() or not sees_village(campaign, principal, village_code):
        raise OutOfScope(village_code)
    with ws.session() as session:
        found = {kind: _latest(session, campaign_id, kind, village_code) for kind in VILLAGE_FILES}
    return {kind: path.name for kind, path in found.items() if path is not None}


def village_file_for(ws: Workspace, principal: Principal, village_code: str, kind: str, *, channel: str) -> Path:
    """The village's latest file of this kind (`canbao worklists [--forms]`), its hand-out logged as a personal-data
    export by the user, as the API logs the work list's; OutOfScope outside the scope, for an unknown kind or a
    file never published."""
    require_list_holder(principal)
    campaign_id, campaign = ws.campaign()
    if kind not in VILLAGE_FILES or not village_code.isdigit() or not sees_village(campaign, principal, village_code):
        raise OutOfScope(village_code)
    with ws.session() as session:
        files = latest_files(session, campaign_id=campaign_id, kind=kind, name_prefix=f"{village_code}-")
        found = next(((Path(f), n) for f, n in files if Path(f).is_file()), None)
        if found is None:
            raise OutOfScope(village_code)
        log_exports(session, campaign_id=campaign_id, kind=kind, files=[found], who=f"{channel}:{principal.username}")
    return found[0]


def _latest(session: Any, campaign_id: int, kind: str, village_code: str) -> Path | None:
    files = latest_files(session, campaign_id=campaign_id, kind=kind, name_prefix=f"{village_code}-")
    return next((Path(f) for f, _n in files if Path(f).is_file()), None)


# -- notices and reports issued ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedFile:
    """A notice or supervisors' report on disk: its kind ("notice" or "report"), folder (a date and, for a notice,
    its number), file name and path."""

    kind: str
    folder: str
    name: str
    path: Path


def issued_files_for(ws: Workspace, principal: Principal) -> list[IssuedFile]:
    """The notices (under the data folder's notices/, sent to every township) for the county, supervisors and
    townships, and the supervisors' reports (reports/) for the county and supervisors; newest folder first."""
    require_survey_reader(principal)
    settings = ws.settings
    found = _files(settings.notices_dir, "notice", "")
    if principal.role in READS_EVERYTHING:
        found += _files(settings.data_path / "reports", "report", REPORT_PREFIX)
    return sorted(found, key=lambda f: (f.kind, f.folder, f.name), reverse=True)


def issued_file_for(ws: Workspace, principal: Principal, kind: str, folder: str, name: str) -> IssuedFile:
    """One file of issued_files_for, by its kind, folder and name as listed (nothing else on disk): OutOfScope
    otherwise."""
    for issued in issued_files_for(ws, principal):
        if (issued.kind, issued.folder, issued.name) == (kind, folder, name):
            return issued
    raise OutOfScope(f"{kind}/{folder}/{name}")


def _files(root: Path, kind: str, prefix: str) -> list[IssuedFile]:
    if not root.is_dir():
        return []
    return [
        IssuedFile(kind, folder.name, path.name, path)
        for folder in root.iterdir()
        if folder.is_dir()
        for path in folder.iterdir()
        if path.is_file() and path.suffix in ISSUED_SUFFIXES and path.name.startswith(prefix)
    ]
