"""Returned work lists for tests: a published list with the village worker's entries written into it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import openpyxl


def fill_returned(
    published: Path,
    returned: Path,
    entries: Mapping[str, Mapping[str, str]],
    extra_rows: list[Mapping[str, str]] | None = None,
) -> Path:
    """Copy `published`, writing `entries` (ID number → {column heading: text}) into the rows of those persons
    and appending `extra_rows` ({column heading: text}) below the table, as a worker would."""
    book = openpyxl.load_workbook(published)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[2]]
    column = {name: i + 1 for i, name in enumerate(header) if name}
    last = 2
    for row in range(3, sheet.max_row + 1):
        id_number = sheet.cell(row, column["身份证号"]).value
        if id_number is None:
            continue
        last = row
        for heading, value in entries.get(str(id_number), {}).items():
            sheet.cell(row, column[heading]).value = value
    for extra in extra_rows or []:
        last += 1
        for heading, value in extra.items():
            sheet.cell(last, column[heading]).value = value
    returned.parent.mkdir(parents=True, exist_ok=True)
    book.save(returned)
    return returned


def listed_ids(published: Path) -> list[str]:
    book = openpyxl.load_workbook(published, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    at = list(rows[1]).index("身份证号")
    return [str(r[at]) for r in rows[2:] if r[at]]
