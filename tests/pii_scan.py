"""Scanning produced files for unmasked ID and mobile numbers (tasks.identity.masking.find_unmasked), as a person would
read them: the text of messages, pages and JSON, every cell of a workbook, every paragraph and table cell of a
Word document. Images embedded in pages as data: URIs are skipped (their base64 can spell digits by chance).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from tasks.identity.masking import find_unmasked

TEXT_SUFFIXES = {".txt", ".html", ".htm", ".json", ".md", ".csv", ".log"}
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


def file_text(path: Path) -> str:
    """What a reader of `path` sees, as text; empty for kinds this scanner does not read."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _DATA_URI.sub("", path.read_text(encoding="utf-8", errors="replace"))
    if suffix in {".xlsx", ".xls"}:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        return "\n".join(
            "\t".join(_cell_text(cell) for cell in row)
            for name in book.sheet_names
            for row in book.get_sheet_by_name(name).to_python()
        )
    if suffix == ".docx":
        from docx import Document

        document = Document(str(path))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
        for section in document.sections:
            parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
        return "\n".join(parts)
    return ""


def _cell_text(cell: object) -> str:
    """A cell as a reader sees it: a rate is not a run of 15 digits, but an ID typed as a number still is."""
    if isinstance(cell, float):
        return f"{cell:.0f}" if abs(cell) >= 1e9 else f"{cell:.6g}"
    return str(cell)


def scan(paths: Iterable[Path]) -> Iterator[tuple[Path, list[str]]]:
    """Each file holding something that looks like an unmasked ID or mobile, with what was found."""
    for path in paths:
        found = find_unmasked(file_text(path))
        if found:
            yield path, found


def scan_tree(root: Path, *, exclude: Iterable[Path] = ()) -> dict[Path, list[str]]:
    """`scan` over every file below `root`, except those below the `exclude` folders."""
    skipped = [e.resolve() for e in exclude]
    files = (
        p for p in sorted(root.rglob("*"))
        if p.is_file() and not any(p.resolve().is_relative_to(e) for e in skipped)
    )  # fmt: skip
    return dict(scan(files))
