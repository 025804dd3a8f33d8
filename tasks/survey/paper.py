"""Workbooks meant for paper: how a sheet prints on A4 (landscape, fitted to the page width, the title and the
header repeated on every page, page numbers in the footer) and how wide its columns are.

Village workers and inspectors open these files in a spreadsheet program and send them to an A4 printer; without
a page setup a village's list splits across portrait pages, the ID column shows 13 digits and the header is on the
first page only.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import numpy as np

A4 = 9  # the paper size code of A4 in Excel's page setup
FOOTER = "&C第 &P 页 共 &N 页"
ID_WIDTH = 21.0  # an 18-digit ID number with room to spare
MIN_WIDTH = 5.0
MAX_WIDTH = 36.0  # longer texts (full addresses, notes) wrap inside the cell instead
BLANK_WIDTH = 14.0  # a column left empty is there to be filled in by hand
LINE_POINTS = 13.5  # the height of one line of 10-point text
TEXT_PER_UNIT = 1.3  # 10-point 宋体 fits about 1.3 display units per unit of column width (Calc, Excel)
TITLE_POINTS = 14  # the title's font size; one line of it is about 21 points high


def display_width(text: str) -> int:
    """Width in spreadsheet character units: a Chinese character (East Asian width W or F) takes two."""
    if text.isascii():
        return len(text)
    return len(text) + len(_wide_characters().findall(text))


@cache
def _wide_characters() -> re.Pattern[str]:
    """A character class of every code point whose East Asian width is W or F, as ranges: a work list has
    millions of cells, and a regular expression counts them in C where a loop over characters would not."""
    ranges: list[tuple[int, int]] = []
    for point in range(sys.maxunicode + 1):
        if unicodedata.east_asian_width(chr(point)) in "WF":
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1] = (ranges[-1][0], point)
            else:
                ranges.append((point, point))
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]")


def column_width(heading: str, values: Iterable[object]) -> float:
    """Wide enough for the heading and the longest value, within MIN_WIDTH and MAX_WIDTH (longer ones wrap); a
    column with no value at all is left BLANK_WIDTH wide for handwriting."""
    return _width_for(heading, max((display_width(str(v)) for v in values if v is not None), default=0))


def _width_for(heading: str, longest: int) -> float:
    if longest == 0:
        return max(BLANK_WIDTH, display_width(heading) + 2)
    return max(MIN_WIDTH, min(MAX_WIDTH, max(display_width(heading), longest) + 2))


def row_height(values: Iterable[object], widths: Iterable[float]) -> float | None:
    """The height (points) a row needs for its wrapped texts, or None where one line is enough. Spreadsheet
    programs do not grow a row for wrapped text on opening a file, so the height is written."""
    lines = max(
        (
            math.ceil(display_width(str(v)) / max((w - 1) * TEXT_PER_UNIT, 1.0))
            for v, w in zip(values, widths, strict=True)
            if v
        ),
        default=1,
    )
    return lines * LINE_POINTS if lines > 1 else None


def table_layout(
    headings: Sequence[str], rows: Sequence[Sequence[object]], unwrapped: Sequence[bool]
) -> tuple[list[float], list[float | None]]:
    """Each column's width (`column_width`) and each row's height (`row_height`, the `unwrapped` columns left
    out), with every cell's display width computed once: the same figures as those two functions give, for a
    table of a million cells in seconds."""
    widths: list[float] = []
    lines = np.ones(len(rows))
    for c, heading in enumerate(headings):
        cells = [row[c] for row in rows]
        measured = np.fromiter(
            (display_width(str(v)) if v is not None else -1 for v in cells), dtype=np.int64, count=len(cells)
        )
        width = _width_for(heading, max(int(measured.max(initial=-1)), 0))
        widths.append(width)
        if not unwrapped[c]:
            filled = np.fromiter((bool(v) for v in cells), dtype=bool, count=len(cells))
            needed = np.ceil(np.where(filled, measured, 0) / max((width - 1) * TEXT_PER_UNIT, 1.0))
            lines = np.maximum(lines, needed)
    heights = [float(n) * LINE_POINTS if n > 1 else None for n in lines.tolist()]
    return widths, heights


def title_height(title: str, total_width: float) -> float:
    """Row height (points) for a title merged across columns `total_width` wide, wrapped onto as many lines as
    it needs (a 14-point character is about 1.6 units of an 11-point column)."""
    lines = max(1, math.ceil(display_width(title) * TITLE_POINTS / 11 / max(total_width, 1.0)))
    return lines * TITLE_POINTS * 1.5


def set_up_for_paper(ws: Any, header_rows: int) -> None:
    """A4 landscape, fitted to one page wide (as many pages tall as needed), the first `header_rows` rows (title
    and headings) printed on every page, narrow margins, centred, "第 1 页 共 3 页" in the footer."""
    ws.set_paper(A4)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, header_rows - 1)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer(FOOTER, {"margin": 0.25})
