"""Rejects workbooks (退回表): the rows an import refused ("退回明细") and the accepted ones to be checked
("需核实"), sent back to whoever filled the files in. One layout for all of them, written by `write_rejects`:
every cell as text in text-formatted columns, so Excel never turns an ID or a phone number into a number; a sheet
that outgrows Excel's row limit continues in 退回明细2, 退回明细3, ….

The rejects of a department delivery (`write_rejects_workbook`), of returned workbooks (survey lists, spot
checks: tasks.intake.returned) and of training files (tasks.training) all go through it. No database here."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tasks.intake.ingest import IngestResult

__all__ = ["Listing", "write_rejected_rows", "write_rejects", "write_rejects_workbook"]

LOCATION_COLUMNS = ("文件", "工作表", "行号")
MAX_SHEET_ROWS = 1_048_576


@dataclass(frozen=True)
class Listing:
    """One sheet of a rejects workbook: the title line, the headings after the location and the reason, and the
    rows (file, sheet, row number, reason, then the cells)."""

    title: str
    headings: Sequence[str]
    rows: Iterable[Sequence[str | int]]


def write_rejects(path: Path, returned: Listing, to_check: Listing) -> Path:
    """The workbook: the rows sent back ("退回明细", reason "原因") and those to check ("需核实", "需核实的问题")."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False}) as book:
        formats = _Formats(book)
        _write_sheet(book, formats, "退回明细", returned.title, [*LOCATION_COLUMNS, "原因", *returned.headings],
                     iter(returned.rows))  # fmt: skip
        _write_sheet(book, formats, "需核实", to_check.title, [*LOCATION_COLUMNS, "需核实的问题", *to_check.headings],
                     iter(to_check.rows))  # fmt: skip
    return path


def write_rejects_workbook(result: IngestResult, path: Path, source_name: str) -> Path:
    """A department delivery's rejects: the rejected rows and the accepted rows with issues."""
    labels = result.labels
    rejected = result.rejected
    fields = [c for c in rejected.columns if c not in ("file", "sheet", "row", "reason")]
    accepted = result.accepted
    flagged = accepted[accepted["issues"].fillna("") != ""] if "issues" in accepted else accepted.iloc[:0]
    shown = [c for c in ("id_number", *labels) if c in flagged.columns and c != "id_number"]
    return write_rejects(
        path,
        Listing(
            f"{source_name} 数据退回明细（共 {len(rejected)} 条，请更正后重新报送）",
            [labels.get(f, f) for f in fields],
            _rows(rejected, ["file", "sheet", "row", "reason", *fields]),
        ),
        Listing(
            f"{source_name} 需核实的记录（共 {len(flagged)} 条，已接收，请核实后更正）",
            [labels.get("id_number", "身份证号"), *(labels.get(f, f) for f in shown)],
            _rows(flagged, ["file", "sheet", "row", "issues", "id_number", *shown]),
        ),
    )


def write_rejected_rows(rejected: pd.DataFrame, path: Path, title: str, labels: dict[str, str]) -> Path:
    """A rejects workbook for rows that were read, then refused by checks after the importer's (returned work
    lists, spot checks): `rejected` has file, sheet, row, reason and the row's cells; `labels` heads the cells."""
    fields = [c for c in rejected.columns if c not in ("file", "sheet", "row", "reason")]
    frame = rejected[["file", "sheet", "row", "reason", *fields]].fillna("")
    report = IngestResult(
        source=title,
        files=sorted(set(frame["file"].astype(str))),
        rows_read=len(frame),
        # Nothing accepted is listed for checking: the second sheet stays empty.
        accepted=pd.DataFrame(
            {name: pd.Series(dtype="str") for name in ("file", "sheet", "issues", "id_number")}
        ).assign(row=pd.Series(dtype="int64")),
        rejected=frame,
        duplicates=0,
        labels={name: labels.get(name, name) for name in fields},
    )
    return write_rejects_workbook(report, path, title)


class _Formats:
    def __init__(self, book: Any) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "num_format": "@"})
        self.text = book.add_format({"num_format": "@"})
        self.number = book.add_format({"num_format": "0"})


def _rows(frame: pd.DataFrame, columns: list[str]) -> Iterator[list[str | int]]:
    values: list[list[str | int]] = []
    for column in columns:
        series = frame[column]
        if column == "row":
            values.append([int(v) for v in series])
        elif pd.api.types.is_datetime64_any_dtype(series):
            values.append(series.dt.strftime("%Y-%m-%d").fillna("").tolist())
        else:
            values.append(["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in series])
    for row in zip(*values, strict=True):
        yield list(row)


def _write_sheet(
    book: Any, formats: _Formats, name: str, title: str, header: list[str], rows: Iterator[Sequence[str | int]]
) -> None:
    per_sheet = MAX_SHEET_ROWS - 2
    part = 0
    sheet = None
    written = per_sheet
    for row in rows:
        if written == per_sheet:
            part += 1
            sheet = _start_sheet(book, formats, name if part == 1 else f"{name}{part}", title, header)
            written = 0
        assert sheet is not None
        for j, value in enumerate(row):
            if isinstance(value, int):
                sheet.write_number(written + 2, j, value, formats.number)
            else:
                sheet.write_string(written + 2, j, value, formats.text)
        written += 1
    if sheet is None:
        _start_sheet(book, formats, name, title, header)


def _start_sheet(book: Any, formats: _Formats, name: str, title: str, header: list[str]) -> Any:
    sheet = book.add_worksheet(name)
    widths = [12, 8, 6, 30] + [20] * (len(header) - 4)
    for j, width in enumerate(widths):
        sheet.set_column(j, j, width, formats.text)
    sheet.write_string(0, 0, title, formats.title)
    for j, label in enumerate(header):
        sheet.write_string(1, j, label, formats.header)
    sheet.freeze_panes(2, 0)
    return sheet
