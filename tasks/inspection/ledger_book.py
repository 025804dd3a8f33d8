"""Reading a ledger workbook (督查台账, .xlsx/.xls/.csv): one row per problem found, headed by the synonyms of
`[inspection.rectification] columns`, into checked findings and refused rows (tasks.inspection.ledger decides).

The header is found below title rows and every cell read as text as the department importer does
(tasks.intake.ingest, through tasks.training.sheets' reader of small hand-made workbooks): blank rows, repeated
headers and note rows (制表人、备注 …) are not data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from models.campaign.spec import Campaign
from tasks.inspection.ledger import REQUIRED, Finding, check_finding, conflict

DATE_FIELDS = ("visited_on", "deadline")


@dataclass(frozen=True)
class RefusedRow:
    file: str
    sheet: str
    row: int
    reason: str
    cells: dict[str, str]


@dataclass
class LedgerRead:
    """What a ledger import read: `rows_read = len(accepted) + len(refused) + duplicates`."""

    files: list[str]
    rows_read: int
    accepted: list[Finding]
    refused: list[RefusedRow]
    duplicates: int
    labels: dict[str, str] = field(default_factory=dict)


def parse_day(text: str) -> date | None:
    """A date as a ledger writes it (2017-05-20, 2017/5/20, 2017.5.20, 20170520, 2017年5月20日), else None."""
    import pyarrow as pa

    from tasks.intake.ingest import _parse_dates

    compact = "".join(text.split())
    if not compact:
        return None
    parsed = _parse_dates(pa.array([compact], type=pa.large_string()))
    if parsed.bad[0] or parsed.month_only[0]:
        return None
    day: date = parsed.days[0].astype(object)
    return day


def read_ledger(campaign: Campaign, files: Sequence[Path], *, recorded_on: date) -> LedgerRead:
    """Checked findings and refused rows of ledger workbooks recorded on `recorded_on`."""
    from tasks.training.sheets import _read

    columns = campaign.inspection.rectification.columns
    fields = {name: name in REQUIRED for name in columns}
    table = _read(files, columns, fields, "督查台账", ("problem", "requirement"))
    accepted: list[Finding] = []
    refused: list[RefusedRow] = []
    first: dict[tuple[str, str], Finding] = {}
    duplicates = 0
    for row in table.rows:
        values: dict[str, object] = {name: row.norm.get(name, "") for name in columns}
        for name in DATE_FIELDS:
            text = row.raw.get(name, "").strip()
            values[name] = parse_day(text) if text else None
            values[f"{name}_text"] = text
        finding, reasons = check_finding(
            campaign, values, recorded_on=recorded_on, file=row.file, sheet=row.sheet, row=row.row
        )
        if finding is None:
            refused.append(RefusedRow(row.file, row.sheet, row.row, "；".join(reasons), dict(row.raw)))
            continue
        key = (finding.fingerprint, finding.problem)
        earlier = first.get(key)
        if earlier is None:
            first[key] = finding
            accepted.append(finding)
            continue
        why = conflict(earlier, finding)
        if why is None:
            duplicates += 1
        else:
            refused.append(RefusedRow(row.file, row.sheet, row.row, why, dict(row.raw)))
    return LedgerRead(table.files, len(table.rows), accepted, refused, duplicates, table.labels)


def write_ledger_rejects(result: LedgerRead, path: Path) -> Path:
    """The refused rows ("退回明细") in the importer's layout, to be corrected and imported again."""
    from tasks.intake.rejects import Listing, write_rejects

    names = list(result.labels)
    headings = [result.labels[n] for n in names]
    rows: list[list[str | int]] = [
        [r.file, r.sheet, r.row, r.reason, *(r.cells.get(n, "") for n in names)] for r in result.refused
    ]
    return write_rejects(
        path,
        Listing(f"督查台账退回明细（共 {len(rows)} 条，请更正后重新导入）", headings, rows),
        Listing("督查台账需核实的记录（共 0 条）", headings, []),
    )
