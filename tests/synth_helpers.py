"""Read the synthetic county's files back, independently of tasks.simulation.synth: a minimal, strict importer for
tests.

Rules (the ones tasks.simulation.synth documents): the header is the first row whose cells name every required field
by one of its synonyms; after it, a row whose required cells are all empty is a blank row, a note or a title and is
skipped; any other row is a data row. A data row is rejected if its ID fails `validate_id` or a required cell is
empty. An exact duplicate is an accepted data row identical, cell for cell, to an earlier one of the same source.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from models.campaign.spec import Source
from tasks.identity.idnumber import validate_id

Rows = list[list[Any]]


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding that decodes it: UTF-8 (with or without BOM), else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gb18030"


def read_sheets(path: Path) -> dict[str, Rows]:
    """Every sheet of a workbook (or the one table of a CSV) as rows of cell values, empty cells as ''."""
    if path.suffix == ".csv":
        text, _ = decode_csv(path.read_bytes())
        return {"csv": [list(row) for row in csv.reader(io.StringIO(text))]}
    workbook = CalamineWorkbook.from_path(str(path))
    return {
        name: [list(row) for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)]
        for name in workbook.sheet_names
    }


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_header(rows: Rows, source: Source) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(rows):
        texts = [str(cell).strip() for cell in row]
        mapping: dict[str, int] = {}
        for name, synonyms in source.columns.items():
            for position, text in enumerate(texts):
                if text in synonyms:
                    mapping[name] = position
                    break
        if all(name in mapping for name in source.required):
            return index, mapping
    return None


@dataclass
class SourceScan:
    rows: int = 0
    rejects: int = 0
    duplicates: int = 0
    headers: list[list[str]] = field(default_factory=list)
    # accepted rows: canonical ID -> list of mapped rows (field -> cell value)
    accepted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def scan_source(folder: Path, source: Source, as_of: date) -> SourceScan:
    scan = SourceScan()
    seen: set[tuple[Any, ...]] = set()
    for path in sorted(folder.iterdir()):
        for rows in read_sheets(path).values():
            found = find_header(rows, source)
            if found is None:
                continue
            start, mapping = found
            scan.headers.append([str(c) for c in rows[start]])
            for row in rows[start + 1 :]:
                cells = {name: (row[i] if i < len(row) else "") for name, i in mapping.items()}
                if all(_empty(cells[name]) for name in source.required):
                    continue
                scan.rows += 1
                raw = cells["id_number"]
                check = validate_id(None if _empty(raw) else raw, as_of=as_of)
                if not check.ok or any(_empty(cells[name]) for name in source.required):
                    scan.rejects += 1
                    continue
                key = tuple(row)
                if key in seen:
                    scan.duplicates += 1
                    continue
                seen.add(key)
                assert check.id is not None
                scan.accepted.setdefault(check.id, []).append(cells)
    return scan
