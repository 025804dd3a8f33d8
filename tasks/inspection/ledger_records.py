"""The inspectors' ledger's use cases (`canbao inspect visit add|import`, `inspect rectified`, `inspect ledger`),
called alike by the CLI, the flows and the documents: load, let tasks.inspection.ledger decide, save."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from models import inspection_ledger as db
from models.campaign.spec import Campaign
from tasks.inspection.ledger import (
    Entry,
    Finding,
    LedgerError,
    TownshipLedger,
    check_finding,
    conflict,
    ledger_entries,
    resolve_township,
    township_ledgers,
)
from tasks.inspection.ledger_book import read_ledger, write_ledger_rejects
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in

IMPORT_FIELDS = ("files", "rows_read", "recorded", "rejected", "duplicates", "rejects_file", "inspections")


@dataclass(frozen=True)
class Stored:
    recorded: int  # new findings
    duplicates: int  # findings already recorded as they are
    inspections: int  # new inspections
    refused: list[tuple[Finding, str]]  # findings that contradict a recorded one, with the reason


def store_findings(ws: Workspace, findings: Sequence[Finding], recorded_on: date) -> Stored:
    """Record findings (their inspections with them); a finding already recorded the same way is a duplicate,
    one recorded otherwise is refused (the first stands)."""
    campaign_id, _campaign = ws.campaign()
    recorded = duplicates = inspections = 0
    refused: list[tuple[Finding, str]] = []
    with ws.session() as session:
        for finding in findings:
            visit_id = db.visit_id_of(session, campaign_id=campaign_id, fingerprint=finding.fingerprint)
            if visit_id is None:
                visit_id = db.add_visit(
                    session,
                    db.InspectionVisit(
                        campaign_id=campaign_id,
                        fingerprint=finding.fingerprint,
                        visited_on=finding.visited_on,
                        township_code=finding.township_code,
                        villages=",".join(finding.villages),
                        inspectors="、".join(finding.inspectors),
                        source_file=finding.file,
                        source_sheet=finding.sheet,
                        source_row=finding.row,
                        recorded_on=recorded_on,
                    ),
                )
                inspections += 1
            else:
                db.add_villages(session, visit_id=visit_id, codes=finding.villages)
            known = db.finding_of(session, visit_id=visit_id, problem=finding.problem)
            if known is not None:
                earlier = _as_finding(known, finding)
                why = conflict(earlier, finding)
                if why is None:
                    duplicates += 1
                else:
                    refused.append((finding, why))
                continue
            db.add_finding(
                session,
                db.InspectionFinding(
                    campaign_id=campaign_id,
                    visit_id=visit_id,
                    township_code=finding.township_code,
                    village_code=finding.village_code,
                    problem=finding.problem,
                    requirement=finding.requirement,
                    deadline=finding.deadline,
                    source_file=finding.file,
                    source_sheet=finding.sheet,
                    source_row=finding.row,
                ),
            )
            recorded += 1
    return Stored(recorded, duplicates, inspections, refused)


def _as_finding(known: db.InspectionFinding, like: Finding) -> Finding:
    """A recorded finding in the shape of the new one, for comparing; where it was recorded is its source."""
    return Finding(
        visited_on=like.visited_on,
        township_code=known.township_code,
        villages=like.villages,
        inspectors=like.inspectors,
        problem=known.problem,
        requirement=known.requirement,
        deadline=known.deadline,
        file=known.source_file or "此前登记（命令行）",
        sheet=known.source_sheet,
        row=known.source_row,
    )


def add_inspection(
    ws: Workspace,
    *,
    visited_on: date,
    township: str,
    inspectors: Sequence[str],
    villages: Sequence[str],
    problems: Sequence[str],
    requirements: Sequence[str],
    deadlines: Sequence[date],
    recorded_on: date | None = None,
) -> dict[str, Any]:
    """One inspection entered by hand: each problem with its requirement, and one deadline for all or one each
    (none: the campaign's default period)."""
    _cid, campaign = ws.campaign()
    day = recorded_on or today_in(campaign)
    if not problems:
        raise LedgerError("至少要登记一个发现问题（--problem）")
    if len(requirements) != len(problems):
        raise LedgerError(f"发现问题有 {len(problems)} 个，整改要求有 {len(requirements)} 个：每个问题须有一条整改要求")
    if len(deadlines) not in (0, 1, len(problems)):
        raise LedgerError(f"整改期限应为一个（适用于全部问题）或每个问题一个，现有 {len(deadlines)} 个")
    findings: list[Finding] = []
    reasons: list[str] = []
    for i, (problem, requirement) in enumerate(zip(problems, requirements, strict=True)):
        deadline = deadlines[0] if len(deadlines) == 1 else (deadlines[i] if deadlines else None)
        values = {
            "visited_on": visited_on,
            "township": township,
            "villages": "、".join(villages),
            "inspectors": "、".join(inspectors),
            "problem": problem,
            "requirement": requirement,
            "deadline": deadline,
        }
        finding, why = check_finding(campaign, values, recorded_on=day)
        if finding is None:
            reasons += [r for r in why if r not in reasons]
        else:
            findings.append(finding)
    if reasons:
        raise LedgerError("；".join(reasons))
    stored = store_findings(ws, findings, day)
    if stored.refused:
        raise LedgerError("；".join(f"“{f.problem}”：{why}" for f, why in stored.refused))
    first = findings[0]
    return {
        "visited_on": first.visited_on.isoformat(),
        "township": first.township_code,
        "recorded": stored.recorded,
        "duplicates": stored.duplicates,
        "deadlines": sorted({f.deadline.isoformat() for f in findings}),
    }


def import_ledger(ws: Workspace, files: Sequence[Path], recorded_on: date | None = None) -> dict[str, Any]:
    """Ledger workbooks: the good rows recorded, the refused ones in a rejects workbook (written first, so that a
    failure records nothing and the same files can be imported again)."""
    from tasks.intake.ingest import existing_files
    from tasks.intake.snapshots import digest_files

    _cid, campaign = ws.campaign()
    day = recorded_on or today_in(campaign)
    paths = existing_files([str(f) for f in files])
    read = read_ledger(campaign, paths, recorded_on=day)
    stored_refusals = _stored_conflicts(ws, read.accepted)
    refused_keys = {id(f) for f, _why in stored_refusals}
    for finding, why in stored_refusals:
        read.refused.append(_refused_row(finding, why))
    rejects_file = None
    if read.refused:
        folder = ws.settings.data_path / "rejects" / "inspection"
        name = f"督查台账-退回-{day.isoformat()}-{digest_files(paths)[:8]}.xlsx"
        rejects_file = str(write_ledger_rejects(read, folder / name))
    stored = store_findings(ws, [f for f in read.accepted if id(f) not in refused_keys], day)
    return {
        "files": read.files,
        "rows_read": read.rows_read,
        "recorded": stored.recorded,
        "rejected": len(read.refused),
        "duplicates": read.duplicates + stored.duplicates,
        "rejects_file": rejects_file,
        "inspections": stored.inspections,
        "rejects": [{"file": r.file, "sheet": r.sheet, "row": r.row, "reason": r.reason} for r in read.refused],
    }


def _stored_conflicts(ws: Workspace, findings: Sequence[Finding]) -> list[tuple[Finding, str]]:
    """The findings that contradict one already recorded (looked up before anything is written)."""
    campaign_id, _campaign = ws.campaign()
    found: list[tuple[Finding, str]] = []
    with ws.session() as session:
        for finding in findings:
            visit_id = db.visit_id_of(session, campaign_id=campaign_id, fingerprint=finding.fingerprint)
            known = None if visit_id is None else db.finding_of(session, visit_id=visit_id, problem=finding.problem)
            if known is not None:
                why = conflict(_as_finding(known, finding), finding)
                if why is not None:
                    found.append((finding, why))
    return found


def _refused_row(finding: Finding, why: str) -> Any:
    from tasks.inspection.ledger_book import RefusedRow

    cells = {
        "visited_on": finding.visited_on.isoformat(),
        "township": finding.township_code,
        "problem": finding.problem,
        "requirement": finding.requirement,
        "deadline": finding.deadline.isoformat(),
    }
    return RefusedRow(finding.file, finding.sheet, finding.row, why, cells)


# -- rectification --------------------------------------------------------------------------------------------


def record_rectified(
    ws: Workspace, *, township: str, reported_on: date | None, note: str, findings: Sequence[int] = ()
) -> dict[str, Any]:
    """A township's report that it rectified its findings (the ones named, else every one not yet rectified
    of inspections up to the report's day)."""
    campaign_id, campaign = ws.campaign()
    day = reported_on or today_in(campaign)
    found = resolve_township(campaign, township)
    if found is None:
        raise LedgerError(f"找不到乡镇“{township}”。请用 9 位乡镇代码或乡镇名称（运行 canbao orgs 查看）。")
    if not note.strip():
        raise LedgerError("请填写整改情况（--note），例如“已组织重新走访并更正登记”")
    entries = {e.finding_id: e for e in _entries(ws, campaign_id, campaign, day, found.code)}
    every = _entries(ws, campaign_id, campaign, date.max, found.code)
    if findings:
        unknown = [n for n in findings if n not in {e.finding_id for e in every}]
        if unknown:
            numbers = "、".join(f"第{n}号" for n in unknown)
            raise LedgerError(
                f"{found.name}没有{numbers}督查问题（运行 canbao inspect ledger --township {found.code} 查看）"
            )
        later = [n for n in findings if n not in entries]
        if later:
            first = next(e for e in every if e.finding_id == later[0])
            raise LedgerError(
                f"第{later[0]}号问题是{cn_date(first.visited_on)}督查发现的，整改报告日期{cn_date(day)}早于督查日期"
            )
        wanted = [entries[n] for n in findings]
    else:
        wanted = [e for e in entries.values() if e.state != "rectified"]
        if not wanted:
            raise LedgerError(f"{found.name}截至{cn_date(day)}没有待整改的督查问题")
    done = [e for e in wanted if e.state == "rectified"]
    if done:
        e = done[0]
        assert e.reported_on is not None
        raise LedgerError(f"第{e.finding_id}号问题已于{cn_date(e.reported_on)}报告整改，不再重复登记")
    if any(e for e in every if e.finding_id in {w.finding_id for w in wanted} and e.reported_on is not None):
        raise LedgerError("所选问题已有更晚日期的整改报告，不再重复登记")
    with ws.session() as session:
        for e in wanted:
            db.add_rectification(
                session, campaign_id=campaign_id, finding_id=e.finding_id, reported_on=day, note=note.strip()
            )
    return {
        "township": found.code,
        "reported_on": day.isoformat(),
        "rectified": [e.finding_id for e in wanted],
        "late": [e.finding_id for e in wanted if day > e.deadline],
    }


# -- the ledger -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    as_of: date
    entries: list[Entry]
    townships: list[TownshipLedger]
    rates: dict[str, tuple[int, int, float | None]]  # township → spot checks: checked, errors, error rate
    township: str | None = None  # the one township asked for

    @property
    def shown_townships(self) -> list[TownshipLedger]:
        return [t for t in self.townships if self.township is None or t.code == self.township]

    def to_json(self) -> dict[str, Any]:
        shown = self.shown_townships
        return {
            "as_of": self.as_of.isoformat(),
            "findings": [e.to_json() for e in self.entries],
            "townships": [
                {
                    **t.to_json(),
                    "spot_checked": self.rates[t.code][0],
                    "spot_errors": self.rates[t.code][1],
                    "spot_error_rate": self.rates[t.code][2],
                }
                for t in shown
            ],
        }


def load_ledger(ws: Workspace, as_of: date | None = None, township: str | None = None) -> Ledger:
    """The ledger on `as_of` (default today), of one township (code or name) when given, with the townships'
    spot-check error rates."""
    campaign_id, campaign = ws.campaign()
    day = as_of or today_in(campaign)
    code = None
    if township is not None:
        found = resolve_township(campaign, township)
        if found is None:
            raise LedgerError(f"找不到乡镇“{township}”。请用 9 位乡镇代码或乡镇名称（运行 canbao orgs 查看）。")
        code = found.code
    from tasks.inspection.rates import township_rates  # pandas: the rectification reminders read only entries

    entries = _entries(ws, campaign_id, campaign, day, code)
    _campaign, rates = township_rates(ws, day)
    return Ledger(
        day,
        entries,
        township_ledgers(campaign, entries),
        {r.code: (r.checked, r.errors, r.error_rate) for r in rates},
        code,
    )


def ledger_entries_on(ws: Workspace, as_of: date) -> list[Entry]:
    """The ledger's findings on `as_of` (what the rectification reminders need), without the spot-check rates;
    an empty ledger is answered without reading it into a table."""
    campaign_id, campaign = ws.campaign()
    with ws.engine.connect() as connection:
        if not db.has_findings(connection, campaign_id=campaign_id):
            return []
    return _entries(ws, campaign_id, campaign, as_of, None)


def _entries(ws: Workspace, campaign_id: int, campaign: Campaign, as_of: date, township: str | None) -> list[Entry]:
    with ws.engine.connect() as connection:
        rows = db.ledger_rows(connection, campaign_id=campaign_id)
    return ledger_entries(campaign, rows.to_dict("records"), as_of, township)
