"""The importer of department files (归集基础数据): files in, DataFrames out. No database, no flow engine.

A department delivers a source as one or more .xlsx, .xls or .csv files (often one per township), each with its
own header order and synonyms, a title above the header and notes below the table. `read_source` finds the
header, maps the columns to the source's fields, reads every cell as text, normalises and validates it, and
splits the rows into accepted records and rejected ones (with a Chinese reason each, sent back to the
department by tasks.intake.rejects). Every data row read ends up in exactly one of: accepted, rejected,
collapsed as an exact duplicate.

Decisions, each visible in the code below:

* Header: the first of the first 30 non-blank rows whose cells name every required field (the source's
  `required` and `header`: by default the ID number and the name). Which heading names which field is
  decided by tasks.intake.headings (normalised spacing, width, case, bracketed notes and required-markers;
  a synonym with a note or a qualifier such as 参保人 around it; never another person's value such as
  户主身份证号). Rows above it are not counted. Columns that name no field are ignored; if two columns name
  the same field, the surer heading and then the first one wins.
* Optional columns: every other column of the source may be missing. The file is read all the same, its
  cells of that field count as empty, and `IngestResult.warnings` names the file and the missing columns
  by their Chinese heading. A missing required column refuses the file (IngestError).
* Rows not counted as read: blank rows (every mapped cell empty, whatever unmapped columns such as 序号
  hold), repeated header rows, note rows and the footer. A row is anonymous when its ID cell is empty or is
  text with a Chinese character in it (notes sit in the first column, which is often the ID column) and its
  name cell is empty or itself a note. A note row is an anonymous row with a cell (any column) that starts
  with a marker such as 制表, 填表, 审核, 注：, 备注, 说明, 合计, 小计 (after NFKC, spaces removed). The
  footer is everything after the last non-anonymous row, provided it holds at least one note row: so a date
  line under "制表人：" goes too, but a trailing half-filled record without any note nearby stays a data row
  and is rejected for its missing ID and name.
* Exact duplicates: accepted rows equal in the ID and in every mapped field after normalisation (and
  therefore in their issues) are collapsed to the first; rejected rows are never collapsed, each location
  must be fixed. Rows with one ID and different other values are all kept.
* ID cells: text is normalised and validated by tasks.identity.idnumber.validate_ids (numpy for clean rows); an Excel
  number cell is passed to validate_id as the number, so it is rejected as corrupt unless it is a 15-digit
  old number. An apostrophe or ="..." wrapper that exports use to keep Excel off the digits is removed.
* Rejected (the record is unusable, sent back): an invalid, empty or corrupt ID, an empty required field,
  and for the register a village that does not exist or whose name is ambiguous. All reasons of a row are
  joined by "；". Accepted with an `issues` entry (also sent back, to be checked): sex or birth date
  contradicting the ID, a date or a sex that cannot be read (the value becomes missing / is kept as given),
  a death date after `as_of` or before the birth, a phone with an impossible number of digits, a township
  that contradicts the village code or is unknown while the village name is unique.
* Text: NFKC, trimmed, inner whitespace collapsed; none at all in names written in Chinese characters and
  in codes and categories (sex, township, village, household, phone); phones keep digits only. Sex becomes
  男/女 when written as 男性, 1, M and the like. Dates: 1980-01-02, 1980/1/2, 1980.1.2, 19800102,
  1980年1月2日, or only a year and month for 出生年月 (compared with the ID by month).

Speed: CSV is parsed by pyarrow and line numbers come from numpy over the raw bytes; every normalisation is a
pyarrow kernel applied only to the cells that need it (or once per distinct value for low-cardinality
columns); Python code runs per row only for notes, invalid IDs and Excel number cells. A clean 1.2-million
row register of 10 columns is read, normalised and validated in about 5 s on two cores.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from models.campaign.spec import Campaign, Source
from tasks.identity.idnumber import validate_ids
from tasks.intake.checks import IngestError as IngestError
from tasks.intake.checks import check_delivery as check_delivery
from tasks.intake.checks import check_folder as check_folder
from tasks.intake.checks import existing_files as existing_files
from tasks.intake.headings import HeadingMatcher

__all__ = ["IngestError", "IngestResult", "read_source"]

HEADER_SCAN_ROWS = 30
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
# A cell that starts with one of these, in a row without ID and name, is a note (after NFKC, no whitespace).
_NOTE = re.compile(
    r"(?:制表|填表|填报|审核|复核|审批|备注|附注|说明|合计|总计|小计|共计|负责人|经办人|统计人|联系人|打印|导出|报送|"
    r"签字|签名|盖章|单位盖章|数据截至|截至|截止|注\d*[:.、])"
)
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "{": "(", "}": ")"})
_VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村")
_TOWNSHIP_SUFFIXES = ("人民政府", "街道办事处", "街道", "镇", "乡")
_SEX = {"男": "男", "男性": "男", "1": "男", "M": "男", "MALE": "男"} | {
    "女": "女",
    "女性": "女",
    "2": "女",
    "F": "女",
    "FEMALE": "女",
}
# Fields whose values are codes or short categories: every space inside is an error, not a separator.
_COMPACT_FIELDS = {"id_number", "sex", "household_type", "township", "village", "household", "phone"}
_DATE_SUFFIXES = ("_date", "_start", "_end", "_on")

Mask = npt.NDArray[np.bool_]
Rows = npt.NDArray[np.int64]


@dataclass
class IngestResult:
    source: str
    files: list[str]
    rows_read: int  # data rows seen (blank rows, notes, title and header rows excluded)
    accepted: pd.DataFrame  # one row per accepted record (exact duplicates collapsed)
    rejected: pd.DataFrame  # one row per rejected record
    duplicates: int  # exact duplicate rows collapsed (after normalisation)
    # The Chinese column heading of each field (its first synonym), for the rejects workbook.
    labels: dict[str, str] = field(default_factory=dict)
    # In Chinese, per file (or sheet): the optional columns it does not have (its rows are imported all the same).
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.rows_read != len(self.accepted) + len(self.rejected) + self.duplicates:
            raise ValueError("rows_read must equal accepted + rejected + duplicates")


def is_date_field(name: str) -> bool:
    return name == "date" or name.endswith(_DATE_SUFFIXES)


# -- header detection --------------------------------------------------------------------------------------


def header_key(value: object) -> str:
    """A header cell (or any cell) in comparable form: NFKC, no whitespace or format characters, no "*"."""
    text = unicodedata.normalize("NFKC", _cell_text(value))
    text = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return text.translate(_BRACKETS).strip("*")


class _Headers:
    """The synonyms of one source's fields, and the search for the header row among a table's first rows."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.labels = {name: (synonyms[0] if synonyms else name) for name, synonyms in source.columns.items()}
        self.matcher = HeadingMatcher(source.columns)
        self.required = list(dict.fromkeys(source.required))  # cells that must not be empty
        self.header = list(dict.fromkeys([*source.required, *source.header]))  # columns the header must name

    def field_of(self, cell: object) -> str | None:
        """The field a cell names as a heading (a synonym, notes aside): for a header repeated among the data."""
        return self.matcher.field_of(_cell_text(cell))

    def mapping(self, cells: Sequence[object]) -> dict[str, int]:
        return self.matcher.mapping([_cell_text(c) for c in cells])

    def find(self, records: Sequence[tuple[int, Sequence[object]]]) -> tuple[int, dict[str, int]] | None:
        """The position in `records` of the header and its column mapping, or None."""
        for position, (_, cells) in enumerate(records[:HEADER_SCAN_ROWS]):
            found = self.mapping(cells)
            if all(name in found for name in self.header):
                return position, found
        return None

    def error(self, where: str, records: Sequence[tuple[int, Sequence[object]]]) -> IngestError:
        best: tuple[int, dict[str, int]] | None = None
        for position, (_, cells) in enumerate(records[:HEADER_SCAN_ROWS]):
            found = self.mapping(cells)
            if best is None or len(found) > len(best[1]):
                best = (position, found)
        missing = [n for n in self.header if best is None or n not in best[1]]
        row = records[best[0] if best is not None and best[1] else 0] if records else (0, [])
        shown = [_cell_text(c).strip() for c in row[1]]
        what = f"第 {row[0]} 行" if records else "表头"
        headers = "、".join(h for h in shown if h) or "（无）"
        return IngestError(
            f"{where}：前 {HEADER_SCAN_ROWS} 行中找不到表头，缺少必填列 {'、'.join(self.labels[n] for n in missing)}。"
            f"{what}的列名为：{headers}。这些列可用的列名：{self._synonyms_of(missing)}"
        )

    def _synonyms_of(self, names: Sequence[str]) -> str:
        return "；".join(f"{self.labels[n]}（{'/'.join(self.source.columns[n])}）" for n in names)


# -- reading files into tables of text ------------------------------------------------------------------------


@dataclass
class _Table:
    """The data rows of one sheet or CSV file below its header: the text of every mapped column."""

    file: str
    sheet: str
    mapping: dict[str, int]
    columns: dict[int, pa.Array]  # column index -> cell text ("" when empty); mapped columns at least
    rows: Rows  # 1-based row (Excel) or line (CSV) number of each data row
    row_cells: Callable[[Sequence[int]], list[list[str]]]  # all cells of some data rows, for note detection
    id_raw: pd.Series | None = None  # Excel: the ID cells as the workbook stores them (numbers stay numbers)


def _cell_text(value: object) -> str:
    """An Excel cell as the text a user sees (numbers without ".0", dates in ISO form)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            if abs(value) < 1e15:
                return str(int(value))
            return format(Decimal(format(value, ".15g")), "f")  # what Excel shows: 15 significant digits
        return format(value, ".15g")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _text_array(values: Sequence[object]) -> pa.Array:
    try:  # a column of text cells only (the usual case) converts without a Python call per cell
        return pa.array(values, type=pa.large_string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([v if type(v) is str else _cell_text(v) for v in values], type=pa.large_string())


def _read_workbook(path: Path, headers: _Headers) -> Iterator[_Table]:
    try:
        workbook = CalamineWorkbook.from_path(path)
    except Exception as exc:  # calamine raises several types for damaged or mislabelled files
        data = path.read_bytes()
        if not data.startswith((b"PK", b"\xd0\xcf\x11\xe0")):
            # Web systems often send a text export named .xls: read it as the delimited text it is.
            table = _read_delimited(path.name, data, headers)
            if table is not None:
                yield table
            return
        raise IngestError(f"文件 {path.name} 无法读取（不是有效的 Excel 文件：{exc}）") from exc
    with workbook:
        for meta in workbook.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue  # chart sheets
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.start is None:
                continue
            grid = sheet.to_python(skip_empty_area=False)
            try:
                table = _table_from_grid(path.name, meta.name, grid, headers)
            except _NoHeader as exc:
                if meta.visible != SheetVisibleEnum.Visible:
                    continue  # a hidden sheet without a header holds the lists behind drop-downs, not persons
                raise exc.error from None
            if table is not None:
                yield table


def _is_blank_cells(cells: Sequence[object]) -> bool:
    return all(_cell_text(c).strip() == "" for c in cells)


def _table_from_grid(name: str, sheet: str, grid: list[list[Any]], headers: _Headers) -> _Table | None:
    records: list[tuple[int, Sequence[object]]] = []
    for i, cells in enumerate(grid):
        if not _is_blank_cells(cells):
            records.append((i + 1, cells))
            if len(records) >= HEADER_SCAN_ROWS:
                break
    if not records:
        return None  # an empty sheet
    found = headers.find(records)
    if found is None:
        raise _NoHeader(headers.error(f"文件 {name} 的工作表“{sheet}”", records))
    position, mapping = found
    header_row = records[position][0]  # 1-based, so it is also the index of the first data row
    data = grid[header_row:]
    width = max((len(r) for r in data), default=0)
    if any(len(r) != width for r in data):  # calamine returns rectangular grids, but be safe
        data = [[*r, *([""] * (width - len(r)))] for r in data]
    transposed = list(zip(*data, strict=True)) if data else []
    raw_columns = {j: transposed[j] if j < width else ("",) * len(data) for j in set(mapping.values())}
    columns = {j: _text_array(raw) for j, raw in raw_columns.items()}
    id_raw = pd.Series(raw_columns[mapping["id_number"]], dtype=object) if "id_number" in mapping else None

    def row_cells(indices: Sequence[int]) -> list[list[str]]:
        return [[_cell_text(c) for c in data[i][:width]] for i in indices]

    rows = np.arange(header_row + 1, header_row + 1 + len(data), dtype=np.int64)
    return _Table(name, sheet, mapping, columns, rows, row_cells, id_raw)


class _NoHeader(Exception):
    def __init__(self, error: IngestError) -> None:
        super().__init__(str(error))
        self.error = error


class _NotUtf8(Exception):
    pass


def _read_delimited(name: str, data: bytes, headers: _Headers) -> _Table | None:
    """A CSV (or tab-separated) file: UTF-8, UTF-8 with BOM, UTF-16 with BOM, or else GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = _transcode(name, data, "utf-16")
    else:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(data[: 1 << 20], final=len(data) <= 1 << 20)
        except UnicodeDecodeError:
            data = _transcode(name, data, "gb18030")
        else:
            try:
                return _parse_delimited(name, data, headers)
            except _NotUtf8:
                data = _transcode(name, data, "gb18030")
    try:
        return _parse_delimited(name, data, headers)
    except _NotUtf8 as exc:  # cannot happen after transcoding, but never loop
        raise IngestError(f"文件 {name} 的编码无法识别") from exc


def _transcode(name: str, data: bytes, encoding: str) -> bytes:
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(f"文件 {name} 的编码无法识别（既不是 UTF-8，也不是 GB18030/GBK）") from exc


def _parse_delimited(name: str, data: bytes, headers: _Headers) -> _Table | None:
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # old Mac line ends: lines as an editor shows
    head = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data[: 1 << 20], final=False)
    errors: list[IngestError] = []
    for delimiter in (",", "\t", ";"):
        records = _head_records(head, delimiter)
        if not records:
            return None  # nothing but blank lines
        found = headers.find([(line, cells) for line, _, cells in records])
        if found is None:
            errors.append(headers.error(f"文件 {name}", [(line, cells) for line, _, cells in records]))
            continue
        position, mapping = found
        header_end = records[position][1]  # physical line where the header record ends
        widths = Counter(len(cells) for _, _, cells in records[position + 1 :])
        width = max(widths.most_common(1)[0][0] if widths else 0, 1)
        width = max(width, max(mapping.values()) + 1)
        start = 0
        for _ in range(header_end):
            found_at = data.find(b"\n", start)
            start = found_at + 1 if found_at >= 0 else len(data)
        columns, rows = _parse_body(data, start, header_end + 1, width, delimiter)
        return _Table(name, "", mapping, columns, rows, _cells_getter(columns, width))
    raise errors[0]


def _head_records(text: str, delimiter: str) -> list[tuple[int, int, list[str]]]:
    """The first non-blank records of a delimited text: (first line, last line, cells)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, int, list[str]]] = []
    previous = 0
    try:
        for cells in reader:
            first, previous = previous + 1, reader.line_num
            if any(c.strip() for c in cells):
                records.append((first, previous, cells))
                if len(records) > HEADER_SCAN_ROWS + 200:
                    break
    except csv.Error:
        pass  # a record cut at the end of the sample
    return records


def _cells_getter(columns: dict[int, pa.Array], width: int) -> Callable[[Sequence[int]], list[list[str]]]:
    def row_cells(indices: Sequence[int]) -> list[list[str]]:
        taken = pa.array(np.asarray(indices, dtype=np.int64))
        picked = [columns[j].take(taken).to_pylist() for j in range(width)]
        return [list(cells) for cells in zip(*picked, strict=True)] if picked else [[] for _ in indices]

    return row_cells


_CONTENT = re.compile(rb"[^\r\n]")


def _parse_body(
    data: bytes, start: int, first_line: int, width: int, delimiter: str
) -> tuple[dict[int, pa.Array], Rows]:
    """Every record of data[start:] (the text below the header) as `width` text columns, with its line number.

    pyarrow parses; numpy finds the line of each record. Rows with another number of cells than the table
    (notes, ragged exports) are skipped by pyarrow and put back from their lines. When quoted cells make the
    lines ambiguous (a quoted line break, or quotes plus ragged rows) Python's csv module reads the file.
    The body is never copied: 1.2 million rows are some 140 MB.
    """
    if _CONTENT.search(data, start) is None:
        return {j: pa.array([], type=pa.large_string()) for j in range(width)}, np.zeros(0, dtype=np.int64)
    parsed = _parse_body_arrow(data, start, width, delimiter)
    if parsed is None:
        return _parse_body_python(data[start:], first_line, width, delimiter)
    columns, n, skipped = parsed
    quoted = data.find(b'"', start) >= 0
    if not quoted and not skipped:
        # Without quotes and skipped rows every non-blank line is one record, so as many records as lines means
        # there is no blank line either: the usual export, numbered without looking at the lines.
        lines = data.count(b"\n", start) + (0 if data.endswith(b"\n") else 1)
        if lines == n:
            return columns, np.arange(first_line, first_line + n, dtype=np.int64)
    return _number_records(data, start, first_line, width, delimiter, columns, n, quoted=quoted, skipped=skipped)


def _parse_body_arrow(
    data: bytes, start: int, width: int, delimiter: str
) -> tuple[dict[int, pa.Array], int, bool] | None:
    """pyarrow's reading of the body: text columns, the number of records, whether rows of another width were
    skipped. None when pyarrow cannot read it (Python's csv module will)."""
    names = [f"c{j}" for j in range(width)]
    skipped: list[int] = []

    def skip(_: Any) -> str:
        skipped.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data).slice(start)),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise _NotUtf8 from exc
        return None
    return {j: table.column(j).combine_chunks() for j in range(width)}, table.num_rows, bool(skipped)


@dataclass
class _Lines:
    """The lines of data[offset:], found by numpy: where each starts and ends (without \\r\\n) and its number."""

    buffer: npt.NDArray[np.uint8]
    newlines: npt.NDArray[np.intp]
    starts: npt.NDArray[np.intp]
    ends: npt.NDArray[np.intp]
    filled: Mask  # not empty
    numbers: Rows

    @classmethod
    def of(cls, data: bytes, offset: int, first_line: int) -> _Lines:
        buffer = np.frombuffer(data, dtype=np.uint8, offset=offset)
        newlines = np.flatnonzero(buffer == ord("\n"))
        starts = np.concatenate(([0], newlines + 1))
        ends = np.concatenate((newlines, [len(buffer)]))
        carriage = (ends > starts) & (buffer[np.maximum(ends - 1, 0)] == ord("\r"))
        ends = ends - carriage
        numbers = np.arange(first_line, first_line + len(starts), dtype=np.int64)
        return cls(buffer, newlines, starts, ends, ends > starts, numbers)

    def count(self, byte: str) -> npt.NDArray[np.int64]:
        """How often `byte` occurs on each line."""
        positions = np.flatnonzero(self.buffer == ord(byte))
        return np.bincount(np.searchsorted(self.newlines, positions), minlength=len(self.starts))


def _number_records(
    data: bytes,
    start: int,
    first_line: int,
    width: int,
    delimiter: str,
    columns: dict[int, pa.Array],
    n: int,
    *,
    quoted: bool,
    skipped: bool,
) -> tuple[dict[int, pa.Array], Rows]:
    """The line number of each of pyarrow's `n` records, with the ragged lines it skipped put back; Python's csv
    module reads the body instead when the lines and the records cannot be matched."""
    lines = _Lines.of(data, start, first_line)
    if quoted:
        if skipped or (lines.count('"') % 2).any() or int(lines.filled.sum()) != n:
            return _parse_body_python(data[start:], first_line, width, delimiter)
        return columns, lines.numbers[lines.filled]
    fits = lines.filled & (lines.count(delimiter) + 1 == width)
    if int(fits.sum()) != n:
        return _parse_body_python(data[start:], first_line, width, delimiter)
    odd = np.flatnonzero(lines.filled & ~fits)
    if odd.size == 0:
        return columns, lines.numbers[fits]
    return _put_back_ragged(data, start, lines, fits, odd, columns, width, delimiter)


def _put_back_ragged(
    data: bytes,
    start: int,
    lines: _Lines,
    fits: Mask,
    odd: npt.NDArray[np.intp],
    columns: dict[int, pa.Array],
    width: int,
    delimiter: str,
) -> tuple[dict[int, pa.Array], Rows]:
    """The records with the ragged lines `odd` (a note, or a row with a missing or an extra trailing cell) cut
    or padded to `width` cells and merged in line order."""
    try:
        extra = [
            _fit(data[start + lines.starts[i] : start + lines.ends[i]].decode("utf-8").split(delimiter), width)
            for i in odd
        ]
    except UnicodeDecodeError as exc:
        raise _NotUtf8 from exc
    numbers = np.concatenate((lines.numbers[fits], lines.numbers[odd]))
    order = pa.array(np.argsort(numbers, kind="stable"))
    merged = {
        j: pa.concat_arrays([columns[j], pa.array([cells[j] for cells in extra], type=pa.large_string())]).take(order)
        for j in range(width)
    }
    return merged, numbers[order.to_numpy()]


def _fit(cells: list[str], width: int) -> list[str]:
    return cells[:width] + [""] * (width - len(cells))


def _parse_body_python(body: bytes, first_line: int, width: int, delimiter: str) -> tuple[dict[int, pa.Array], Rows]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _NotUtf8 from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    numbers: list[int] = []
    previous = 0
    for cells in reader:
        first, previous = previous + 1, reader.line_num
        if cells:
            records.append(_fit(cells, width))
            numbers.append(first_line + first - 1)
    columns = {j: pa.array([r[j] for r in records], type=pa.large_string()) for j in range(width)}
    return columns, np.asarray(numbers, dtype=np.int64)


def _read_file(path: Path, headers: _Headers) -> list[_Table]:
    suffix = path.suffix.lower()
    try:
        if suffix in EXCEL_SUFFIXES:
            return list(_read_workbook(path, headers))
        if suffix in TEXT_SUFFIXES:
            table = _read_delimited(path.name, path.read_bytes(), headers)
            return [table] if table is not None else []
    except OSError as exc:
        raise IngestError(f"文件 {path.name} 无法读取：{exc.strerror or exc}") from exc
    except CalamineError as exc:  # a workbook that opens but whose sheets are damaged (truncated, spliced)
        raise IngestError(f"文件 {path.name} 无法读取（Excel 文件已损坏：{exc}）") from exc
    raise IngestError(f"文件 {path.name} 的格式不支持（只接受 .xlsx、.xls、.csv）")


# -- which rows are data ----------------------------------------------------------------------------------


@dataclass
class _Block:
    """The data rows of one table, in the source's fields, with the raw text of every cell."""

    file: str
    sheet: str
    rows: Rows
    text: dict[str, pa.Array]  # field -> cell text as received
    ids: pd.DataFrame  # validate_ids: id, reason


def _empty(text: pa.Array) -> Mask:
    return (_lengths(text) == 0) | _to_numpy_bool(pc.utf8_is_space(text))


def _is_note(cell: object) -> bool:
    return _NOTE.match(header_key(cell)) is not None


def _data_rows(table: _Table, headers: _Headers) -> Mask:
    """Which rows of a table are data rows (see the module docstring for blank rows, notes and the footer).

    A row is anonymous when its ID cell is empty or is text (holds a Chinese character, so it is no ID: notes
    usually sit in the first column, which is often the ID column) and its name cell is empty or a note.
    """
    n = len(table.rows)
    id_column = table.mapping["id_number"]
    name_column = table.mapping.get("name")
    no_id = _empty(table.columns[id_column])
    blank = no_id.copy()
    if blank.any():  # a blank row has no ID, and nearly every row has one: look at the other cells of the rest
        maybe = np.flatnonzero(blank)
        taken = pa.array(maybe)
        for j in set(table.mapping.values()) - {id_column}:
            blank[maybe] &= _empty(table.columns[j].take(taken))
    keep = ~blank
    texty = _to_numpy_bool(pc.match_substring_regex(table.columns[id_column], r"\p{Han}"))
    suspects = np.flatnonzero(keep & (no_id | texty))
    if suspects.size == 0:
        return keep
    anonymous = np.zeros(n, dtype=bool)
    notes = np.zeros(n, dtype=bool)
    for i, cells in zip(suspects, table.row_cells(suspects.tolist()), strict=True):
        id_cell = cells[id_column] if id_column < len(cells) else ""
        if headers.field_of(id_cell) == "id_number":
            keep[i] = False  # the header repeated (printed pages, files pasted together)
            continue
        name_cell = cells[name_column] if name_column is not None and name_column < len(cells) else ""
        anonymous[i] = name_cell.strip() == "" or _is_note(name_cell)
        notes[i] = anonymous[i] and any(_is_note(c) for c in cells)
    keep &= ~notes
    identified = np.flatnonzero(keep & ~anonymous)
    after = identified[-1] + 1 if identified.size else 0
    if notes[after:].any():
        keep[after:] = False  # the footer: everything below the last person, as it holds a note
    return keep


def _block(table: _Table, headers: _Headers, as_of: date) -> _Block:
    keep = _data_rows(table, headers)
    where = pa.array(keep)
    text = {name: table.columns[j].filter(where) for name, j in table.mapping.items()}
    raw = table.id_raw[keep] if table.id_raw is not None else pd.Series(pd.array(text["id_number"], dtype="str"))
    ids = validate_ids(_unwrap_ids(raw.reset_index(drop=True)), as_of=as_of)
    return _Block(table.file, table.sheet, table.rows[keep], text, ids)


_WRAPPED = r"^\s*(?:'|=\s*\")"


def _unwrap_ids(raw: pd.Series) -> pd.Series:
    """Remove the leading apostrophe or the ="..." formula that exports put around an ID to keep it text."""
    if raw.dtype == object:
        return raw.map(lambda v: _unwrap_one(v) if isinstance(v, str) and ("'" in v or "=" in v) else v)
    arrow = pa.array(raw.array, type=pa.large_string())
    if not pc.any(pc.match_substring_regex(arrow, _WRAPPED)).as_py():
        return raw
    fixed = pc.replace_substring_regex(arrow, r"^\s*=\s*\"(.*)\"\s*$", r"\1")
    fixed = pc.replace_substring_regex(fixed, r"^\s*'", "")
    return pd.Series(pd.array(fixed, dtype="str"), index=raw.index)


def _unwrap_one(value: str) -> str:
    if (match := re.fullmatch(r"\s*=\s*\"(.*)\"\s*", value)) is not None:
        return match.group(1)
    return re.sub(r"^\s*'", "", value)


# -- normalisation ------------------------------------------------------------------------------------------


def _by_value(text: pa.ChunkedArray | pa.Array, transform: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Apply a vectorised transform once per distinct value when values repeat a lot (sex, village, dates)."""
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if len(text) > 20_000:
        sample = text.slice(0, 10_000)  # names, addresses and phones are mostly distinct: not worth a hash table
        if len(pc.unique(sample)) < 2_000:
            encoded = pc.dictionary_encode(text)
            if len(encoded.dictionary) * 2 < len(text):
                return transform(encoded.dictionary).take(encoded.indices)
    return transform(text)


def _where(text: pa.Array, pattern: str, transform: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Transform only the values matching a regex: most cells are clean, and matching costs less than replacing."""
    dirty = pc.match_substring_regex(text, pattern)
    if not pc.any(dirty).as_py():
        return text
    return pc.replace_with_mask(text, dirty, transform(text.filter(dirty)))


# Text made only of printable ASCII without space and of CJK unified ideographs is already in NFKC and has no
# whitespace or invisible characters: such cells (nearly all of them) are left as they are.
_NEEDS_WORK = r"[^\x{21}-\x{7e}\x{4e00}-\x{9fff}]"


def _nfkc(text: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_normalize(text, "NFKC"), r"\p{Cf}+", "")  # zero-width spaces, BOMs


def _compact(text: pa.Array) -> pa.Array:
    return _where(text, _NEEDS_WORK, lambda t: pc.replace_substring_regex(_nfkc(t), r"\s+", ""))


def _collapse(text: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(_nfkc(text), r"\s+", " "))


def _collapsed(text: pa.Array) -> pa.Array:
    return _where(text, _NEEDS_WORK, _collapse)


def _name(text: pa.Array) -> pa.Array:
    # Chinese names lose every space ("张 三" is 张三); others keep single spaces between words.
    def fix(dirty: pa.Array) -> pa.Array:
        collapsed = _collapse(dirty)
        han = pc.match_substring_regex(collapsed, r"\p{Han}")
        return pc.if_else(han, pc.replace_substring(collapsed, " ", ""), collapsed)

    return _where(text, _NEEDS_WORK, fix)


def _phone(text: pa.Array) -> pa.Array:
    digits = _where(text, r"[^0-9]", lambda t: pc.replace_substring_regex(_nfkc(t), r"[^0-9]+", ""))
    prefixed = pc.and_(pc.equal(pc.binary_length(digits), 13), pc.starts_with(digits, "861"))  # +86 138...
    return pc.if_else(prefixed, pc.utf8_slice_codeunits(digits, 2), digits)


def _normalised(name: str, text: pa.Array) -> pa.Array:
    if name == "name":
        return _by_value(text, _name)
    if name == "phone":
        return _by_value(text, _phone)
    if name in _COMPACT_FIELDS or is_date_field(name):
        return _by_value(text, _compact)
    return _by_value(text, _collapsed)


_DATE_PATTERNS = (
    (
        r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?(?:T?\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?$",
        False,
    ),
    (r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$", False),
    (r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})月?$", True),
    (r"^(?P<y>\d{4})(?P<m>\d{2})$", True),
)


@dataclass
class _Dates:
    days: npt.NDArray[np.datetime64]  # datetime64[D], NaT when empty or not a date
    month_only: Mask  # only a year and a month were given (出生年月)
    bad: Mask  # not empty, but not a date


def _parse_dates(compact: pa.Array) -> _Dates:
    """Dates as departments write them: 1980-01-02, 1980/1/2, 1980.1.2, 19800102, 1980年1月2日, 1980-01."""
    if isinstance(compact, pa.ChunkedArray):
        compact = compact.combine_chunks()
    if len(compact) > 1000:
        encoded = pc.dictionary_encode(compact)
        if len(encoded.dictionary) * 2 < len(compact):
            unique = _parse_dates(encoded.dictionary)
            index = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
            return _Dates(unique.days[index], unique.month_only[index], unique.bad[index])
    n = len(compact)
    year = np.zeros(n, dtype=np.int64)
    month = np.zeros(n, dtype=np.int64)
    day = np.ones(n, dtype=np.int64)
    month_only = np.zeros(n, dtype=bool)
    present = ~np.asarray(pc.equal(pc.binary_length(compact), 0).to_numpy(zero_copy_only=False), dtype=bool)
    found = np.zeros(n, dtype=bool)
    for pattern, monthly in _DATE_PATTERNS:
        todo = np.flatnonzero(present & ~found)
        if todo.size == 0:
            break
        parts = pc.extract_regex(compact.take(pa.array(todo)), pattern)
        matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        if not matched.any():
            continue
        hit = todo[matched]
        parts = parts.filter(pa.array(matched))
        year[hit] = pc.cast(parts.field("y"), pa.int64()).to_numpy()
        month[hit] = pc.cast(parts.field("m"), pa.int64()).to_numpy()
        if not monthly:
            day[hit] = pc.cast(parts.field("d"), pa.int64()).to_numpy()
        month_only[hit] = monthly
        found[hit] = True
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    lengths = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    last = lengths[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok = found & (year >= 1800) & (year <= 2200) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    days = np.where(ok, months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]"), np.datetime64("NaT"))
    return _Dates(days.astype("datetime64[D]"), month_only & ok, present & ~ok)


# -- places (register) ----------------------------------------------------------------------------------------


def _core(name: str, suffixes: Sequence[str]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class _Places:
    """Townships and villages of the campaign by code, name and name without suffix (山盘 for 山盘村)."""

    def __init__(self, campaign: Campaign) -> None:
        self.village_township = {v.code: t.code for t in campaign.townships for v in t.villages}
        self.townships: dict[str, str] = {}
        self.township_names = sorted((header_key(t.name), t.code) for t in campaign.townships)
        for t in campaign.townships:
            self.townships[t.code] = t.code
            self.townships.setdefault(header_key(t.name), t.code)
        for t in campaign.townships:
            self.townships.setdefault(_core(header_key(t.name), _TOWNSHIP_SUFFIXES), t.code)
        self.by_name: dict[str, list[tuple[str, str]]] = {}
        self.by_core: dict[str, list[tuple[str, str]]] = {}
        for t in campaign.townships:
            for v in t.villages:
                key = header_key(v.name)
                self.by_name.setdefault(key, []).append((t.code, v.code))
                self.by_core.setdefault(_core(key, _VILLAGE_SUFFIXES), []).append((t.code, v.code))

    def township(self, text: str) -> str | None:
        return self.townships.get(text) or self.townships.get(_core(text, _TOWNSHIP_SUFFIXES))

    def villages(self, text: str) -> list[tuple[str, str]]:
        return self.by_name.get(text) or self.by_core.get(_core(text, _VILLAGE_SUFFIXES), [])

    def resolve(self, township: str, village: str) -> tuple[str, str, str | None, str | None]:
        """(township code, village code, reason to reject, issue) for one pair of normalised cells."""
        if not village:
            return "", "", None, None  # reported as a missing required field
        if re.fullmatch(r"\d{12}", village):
            if village not in self.village_township:
                return "", "", f"村（社区）不存在：{village}", None
            code = self.village_township[village]
            issue = None
            if township and self.township(township) != code:
                issue = f"乡镇与村（社区）代码不符：{township}"
            return code, village, None, issue
        candidates = self.villages(village)
        if not candidates:  # "凤城镇山盘村": the township written in front of the village
            for prefix, prefix_code in self.township_names:
                if village.startswith(prefix) and len(village) > len(prefix):
                    inner = [c for c in self.villages(village[len(prefix) :]) if c[0] == prefix_code]
                    if inner and (not township or self.township(township) in (None, prefix_code)):
                        candidates, township = inner, township or prefix
                        break
        if not candidates:
            return "", "", f"村（社区）不存在：{township}{village}", None
        if township:
            township_code = self.township(township)
            if township_code is None:
                if len(candidates) == 1:
                    return *candidates[0], None, f"乡镇无法识别：{township}"
                return "", "", f"乡镇不存在：{township}", None
            candidates = [c for c in candidates if c[0] == township_code]
            if not candidates:
                return "", "", f"村（社区）不存在：{township}{village}", None
            if len(candidates) > 1:
                return "", "", f"村（社区）名称不唯一，请填写全称或代码：{township}{village}", None
            return *candidates[0], None, None
        if len(candidates) > 1:
            return "", "", f"村（社区）名称不唯一，请填写乡镇：{village}", None
        return *candidates[0], None, None


# -- the import -----------------------------------------------------------------------------------------------


def _arrow_strings(values: Sequence[str | None] | npt.NDArray[Any]) -> pa.Array:
    return pa.array(values, type=pa.large_string())


def _join(parts: list[pa.Array], n: int) -> pa.Array:
    """Per row, the non-null messages of every part joined by "；" ("" when none)."""
    # Not binary_join_element_wise(null_handling="skip"): pyarrow 26 drops the rows where every part is null.
    separator = pa.scalar("；", pa.large_string())
    joined: pa.Array | None = None
    for part in parts:
        if part.null_count == len(part):
            continue
        joined = (
            part if joined is None else pc.coalesce(pc.binary_join_element_wise(joined, part, separator), joined, part)
        )
    if joined is None:
        return pa.repeat(pa.scalar("", pa.large_string()), n)
    return pc.fill_null(joined, "")


def _concat(*parts: str | pa.Array) -> pa.Array:
    args = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*args, pa.scalar("", pa.large_string()))


def _message(mask: Mask, *parts: str | pa.Array) -> pa.Array:
    """The concatenated parts where mask is set, null elsewhere (computed for the masked rows only)."""
    n = len(mask)
    if not mask.any():
        return pa.nulls(n, type=pa.large_string())
    if len(parts) == 1 and isinstance(parts[0], str):
        return pc.if_else(pa.array(mask), pa.scalar(parts[0], pa.large_string()), pa.scalar(None, pa.large_string()))
    chosen = pa.array(mask)
    text = _concat(*(p if isinstance(p, str) else p.filter(chosen) for p in parts))
    return pc.replace_with_mask(pa.nulls(n, type=pa.large_string()), chosen, text)


def _to_numpy_bool(values: pa.Array | pa.ChunkedArray) -> Mask:
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _id_parts(ids: pa.Array) -> tuple[npt.NDArray[np.datetime64], Mask, npt.NDArray[np.int64]]:
    """Birth date, odd-sequence flag and first 17 digits as a number of valid 18-character IDs.

    Rows whose ID is "" (rejected) give NaT, False and -1.
    """
    n = len(ids)
    births = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    odd = np.zeros(n, dtype=bool)
    key = np.full(n, -1, dtype=np.int64)
    full = np.flatnonzero(_lengths(ids) == 18)
    if full.size:
        chosen = ids.take(pa.array(full))
        offsets = np.frombuffer(chosen.buffers()[1], dtype=np.int64)[chosen.offset : chosen.offset + len(chosen) + 1]
        chars = np.frombuffer(chosen.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(-1, 18)

        def number(first: int, last: int) -> npt.NDArray[np.int64]:
            value = np.zeros(len(chars), dtype=np.int64)
            for i in range(first, last):
                value = value * 10 + (chars[:, i] - np.uint8(ord("0")))
            return value

        year, month, day = number(6, 10), number(10, 12), number(12, 14)
        months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
        births[full] = months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
        odd[full] = (chars[:, 16] - np.uint8(ord("0"))) % 2 == 1
        # A valid ID is determined by its first 17 digits (the 18th is their check character).
        key[full] = (number(0, 6) * 10**8 + year * 10**4 + month * 100 + day) * 1000 + number(14, 17)
    return births, odd, key


def _repeat(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.large_string()), n)


def _lengths(text: pa.Array) -> npt.NDArray[np.int64]:
    return np.asarray(pc.binary_length(text).to_numpy(zero_copy_only=False), dtype=np.int64)


def read_source(
    source: Source,
    files: Sequence[Path],
    campaign: Campaign,
    *,
    as_of: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IngestResult:
    """Read, normalise and validate one source's files (see the module docstring for the rules)."""
    as_of = as_of or date.today()
    headers = _Headers(source)
    if "id_number" not in source.columns:
        raise IngestError(f"数据源 {source.name} 没有身份证号列（columns 中缺少 id_number）")
    paths = [Path(f) for f in files]
    sizes = [p.stat().st_size if p.is_file() else 0 for p in paths]
    blocks: list[_Block] = []
    layouts: list[tuple[str, str, set[str]]] = []
    done_rows, done_bytes = 0, 0
    for path, size in zip(paths, sizes, strict=True):
        if not path.is_file():
            raise IngestError(f"找不到文件：{path}")
        for table in _read_file(path, headers):
            layouts.append((table.file, table.sheet, set(table.mapping)))
            block = _block(table, headers, as_of)
            blocks.append(block)
            done_rows += len(block.rows)
        done_bytes += size
        if progress is not None:
            estimate = round(done_rows * sum(sizes) / done_bytes) if done_bytes else done_rows
            progress(done_rows, max(estimate, done_rows))
    result = _assemble(source, campaign, headers, blocks, as_of, [str(p) for p in paths])
    result.warnings = missing_column_warnings(headers, layouts)
    if progress is not None:
        progress(result.rows_read, result.rows_read)
    return result


def missing_column_warnings(headers: _Headers, layouts: Sequence[tuple[str, str, set[str]]]) -> list[str]:
    """One warning per file naming the source's optional columns it lacks by their Chinese heading (the sheets
    named when a workbook's sheets differ). Its rows are imported: those cells count as empty."""
    by_file: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for file, sheet, present in layouts:
        missing = tuple(name for name in headers.source.columns if name not in present)
        by_file.setdefault(file, []).append((sheet, missing))
    warnings = []
    for file, sheets in by_file.items():
        groups: dict[tuple[str, ...], list[str]] = {}  # missing columns -> the sheets missing them, in file order
        for sheet, missing in sheets:
            groups.setdefault(missing, []).append(sheet)
        for missing, named in groups.items():
            if not missing:
                continue
            where = f"文件 {file} "  # a space after the name, as after a path, not after a closing quote
            if len(groups) > 1 and any(named):
                where += "的工作表" + "".join(f"“{s}”" for s in named)
            columns = "".join(f"“{headers.labels[name]}”" for name in missing)
            these = "该列" if len(missing) == 1 else "这些列"
            warnings.append(f"{where}没有{columns}列：数据已导入，{these}按空白处理")
    return warnings


@dataclass
class _Gathered:
    """The rows of every block together: each field's raw text, where each row came from, its ID as validated."""

    raw: dict[str, pa.Array]  # "id_number" and the present fields
    file: pa.Array
    sheet: pa.Array
    row: Rows
    ids: pa.Array  # canonical 18-character IDs, "" when rejected
    id_reason: Any  # per row: why the ID is rejected, "" when it is not


def _gather(blocks: list[_Block], present: list[str]) -> _Gathered:
    def concatenated(parts: list[pa.Array]) -> pa.Array:
        if len(parts) == 1:
            return parts[0]
        return pa.chunked_array(parts, type=pa.large_string()).combine_chunks() if parts else _arrow_strings([])

    raw = {
        name: concatenated([b.text.get(name, _repeat("", len(b.rows))) for b in blocks])
        for name in ["id_number", *present]
    }
    return _Gathered(
        raw=raw,
        file=concatenated([_repeat(b.file, len(b.rows)) for b in blocks]),
        sheet=concatenated([_repeat(b.sheet, len(b.rows)) for b in blocks]),
        row=np.concatenate([b.rows for b in blocks]) if blocks else np.zeros(0, dtype=np.int64),
        ids=concatenated([pa.array(b.ids["id"].array, type=pa.large_string()) for b in blocks]),
        id_reason=np.concatenate([b.ids["reason"].to_numpy(dtype=object) for b in blocks]) if blocks else [],
    )


@dataclass
class _IdFacts:
    """What the valid IDs say: birth date, sex, and the 17-digit key that identifies them."""

    valid: Mask
    births: npt.NDArray[np.datetime64]
    sex: pa.Array  # 男/女 (女 for rejected IDs, which are never compared)
    key: npt.NDArray[np.int64]

    @classmethod
    def of(cls, ids: pa.Array) -> _IdFacts:
        births, odd, key = _id_parts(ids)
        sex = pc.if_else(pa.array(odd), pa.scalar("男", pa.large_string()), pa.scalar("女", pa.large_string()))
        return cls(_lengths(ids) == 18, births, sex, key)


def _check_dates(
    present: list[str],
    norm: dict[str, pa.Array],
    raw: dict[str, pa.Array],
    labels: dict[str, str],
    id_facts: _IdFacts,
    as_of: date,
) -> tuple[dict[str, npt.NDArray[np.datetime64]], list[pa.Array]]:
    """The date fields parsed, and their issues: unreadable, a birth date contradicting the ID, a death date
    after `as_of` or before the birth."""
    dates: dict[str, npt.NDArray[np.datetime64]] = {}
    issues: list[pa.Array] = []
    births = id_facts.births
    for name in present:
        if not is_date_field(name):
            continue
        parsed = _parse_dates(norm[name])
        dates[name] = parsed.days
        if parsed.bad.any():
            issues.append(_message(parsed.bad, "日期无法识别：", raw[name], "（", labels[name], "）"))
        known = id_facts.valid & ~np.isnat(parsed.days)
        if name == "birth_date":
            same_month = parsed.days.astype("datetime64[M]") == births.astype("datetime64[M]")
            differ = known & np.where(parsed.month_only, ~same_month, parsed.days != births)
            issues.append(_message(differ, "出生日期与身份证号不符"))
        elif name == "death_date":
            late = ~np.isnat(parsed.days) & (parsed.days > np.datetime64(as_of, "D"))
            issues.append(_message(late, f"死亡日期晚于{as_of.year}年{as_of.month}月{as_of.day}日"))
            issues.append(_message(known & (parsed.days < births), "死亡日期早于出生日期"))
    return dates, issues


def _check_sex(norm: dict[str, pa.Array], id_facts: _IdFacts) -> list[pa.Array]:
    """Issues of the sex column (unreadable, contradicting the ID); its recognised values become 男/女."""
    canonical = _by_value(norm["sex"], _sex_values)  # null when not recognised
    unknown = _to_numpy_bool(pc.and_(pc.is_null(canonical), pc.greater(pc.binary_length(norm["sex"]), 0)))
    differ = _to_numpy_bool(pc.not_equal(canonical, id_facts.sex))
    issues = [_message(unknown, "性别无法识别：", norm["sex"]), _message(id_facts.valid & differ, "性别与身份证号不符")]
    norm["sex"] = pc.coalesce(canonical, norm["sex"])
    return issues


@dataclass
class _RegisterPlaces:
    """The register's township and village codes, with the reasons and issues their names give."""

    township_code: pa.Array
    village_code: pa.Array
    reasons: list[pa.Array]
    issues: list[pa.Array]


def _register_places(campaign: Campaign, norm: dict[str, pa.Array], n: int) -> _RegisterPlaces:
    if "village" not in norm:
        return _RegisterPlaces(_repeat("", n), _repeat("", n), [], [])
    township_code, village_code, reason, issue = _resolve_places(campaign, norm.get("township"), norm["village"])
    return _RegisterPlaces(township_code, village_code, [reason], [issue])


def _accepted_frame(
    gathered: _Gathered,
    present: list[str],
    norm: dict[str, pa.Array],
    dates: dict[str, npt.NDArray[np.datetime64]],
    issues: pa.Array,
    id_facts: _IdFacts,
    places: _RegisterPlaces | None,
) -> pd.DataFrame:
    """Every row as it would be accepted: normalised fields, issues, what the ID says and where it came from."""
    accepted = pd.DataFrame({"id_number": pd.array(gathered.ids, dtype="str")})
    for name in present:
        if name in dates:
            accepted[name] = dates[name].astype("datetime64[s]")
        else:
            accepted[name] = pd.array(norm[name], dtype="str")
    accepted["issues"] = pd.array(issues, dtype="str")
    accepted["id_birth_date"] = id_facts.births.astype("datetime64[s]")
    accepted["id_sex"] = pd.array(id_facts.sex, dtype="str")
    accepted["file"] = pd.array(gathered.file, dtype="str")
    accepted["sheet"] = pd.array(gathered.sheet, dtype="str")
    accepted["row"] = gathered.row.astype(np.int64)
    if places is not None:
        accepted["township_code"] = pd.array(places.township_code, dtype="str")
        accepted["village_code"] = pd.array(places.village_code, dtype="str")
    return accepted


def _rejected_frame(gathered: _Gathered, present: list[str], reason: pa.Array, rejected_mask: Mask) -> pd.DataFrame:
    """The rejected rows: where they came from, why, and their cells as received."""
    chosen = pa.array(rejected_mask)
    rejected = pd.DataFrame(
        {
            "file": pd.array(gathered.file.filter(chosen), dtype="str"),
            "sheet": pd.array(gathered.sheet.filter(chosen), dtype="str"),
            "row": gathered.row[rejected_mask],
            "reason": pd.array(reason.filter(chosen), dtype="str"),
        }
    )
    for name in ["id_number", *present]:
        rejected[name] = pd.array(gathered.raw[name].filter(chosen), dtype="str")
    return rejected


def _assemble(
    source: Source, campaign: Campaign, headers: _Headers, blocks: list[_Block], as_of: date, files: list[str]
) -> IngestResult:
    """All blocks of a source checked together: the accepted rows (exact duplicates collapsed) and the rejected."""
    present = [name for name in source.columns if name != "id_number" and any(name in b.text for b in blocks)]
    n = sum(len(b.rows) for b in blocks)
    gathered = _gather(blocks, present)
    norm = {name: _normalised(name, gathered.raw[name]) for name in present}
    reasons: list[pa.Array] = [_arrow_strings(gathered.id_reason)]
    for name in headers.required:
        if name != "id_number" and name in norm:
            reasons.append(_message(_lengths(norm[name]) == 0, f"缺少必填项：{headers.labels[name]}"))
    id_facts = _IdFacts.of(gathered.ids)
    dates, issues = _check_dates(present, norm, gathered.raw, headers.labels, id_facts, as_of)
    if "sex" in norm:
        issues += _check_sex(norm, id_facts)
    if "phone" in norm:
        issues.append(_phone_issue(norm["phone"], gathered.raw["phone"], headers.labels["phone"]))
    places = _register_places(campaign, norm, n) if source.role == "register" else None
    if places is not None:
        reasons += places.reasons
        issues += places.issues

    reason = _join(reasons, n)
    rejected_mask = _lengths(reason) > 0
    accepted = _accepted_frame(gathered, present, norm, dates, _join(issues, n), id_facts, places)
    rejected = _rejected_frame(gathered, present, reason, rejected_mask)
    if rejected_mask.any():
        accepted = accepted[~rejected_mask].reset_index(drop=True)
    duplicated = _exact_duplicates(accepted, id_facts.key[~rejected_mask], ["id_number", *present, "issues"])
    duplicates = int(duplicated.sum())
    if duplicates:
        accepted = accepted[~duplicated].reset_index(drop=True)
    return IngestResult(
        source=source.key,
        files=files,
        rows_read=n,
        accepted=accepted,
        rejected=rejected,
        duplicates=duplicates,
        labels={name: headers.labels[name] for name in ["id_number", *present]},
    )


def _sex_values(text: pa.Array) -> pa.Array:
    """男 or 女 for the ways departments write sex (男, 男性, 1, M, male), null for anything else."""
    upper = pc.utf8_upper(text)
    keys = pa.array(list(_SEX), type=pa.large_string())
    values = pa.array(list(_SEX.values()), type=pa.large_string())
    return values.take(pc.index_in(upper, value_set=keys))


def _phone_issue(phone: pa.Array, raw: pa.Array, label: str) -> pa.Array:
    length = np.asarray(pc.binary_length(phone).to_numpy(zero_copy_only=False), dtype=np.int64)
    mobile = _to_numpy_bool(pc.starts_with(phone, "1"))
    trunk = _to_numpy_bool(pc.starts_with(phone, "0"))
    fine = (length == 0) | ((length == 11) & mobile) | np.isin(length, (7, 8)) | (np.isin(length, (10, 11, 12)) & trunk)
    return _message(~fine, f"{label}位数不对：", raw)


def _resolve_places(
    campaign: Campaign, township: pa.Array | None, village: pa.Array
) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    places = _Places(campaign)
    n = len(village)
    if township is None:
        township = pa.repeat(pa.scalar("", pa.large_string()), n)
    pairs = pc.dictionary_encode(_concat(township, "\x1f", village))
    resolved = [places.resolve(*key.split("\x1f", 1)) for key in pairs.dictionary.to_pylist()]
    index = pairs.indices
    columns = list(zip(*resolved, strict=True)) if resolved else [(), (), (), ()]
    return tuple(_arrow_strings(list(values)).take(index) for values in columns)


def _exact_duplicates(frame: pd.DataFrame, id_key: npt.NDArray[np.int64], columns: list[str]) -> Mask:
    """Rows equal to an earlier row in every one of `columns`; only rows sharing an ID can be, and they are few."""
    same_id = pd.Series(id_key).duplicated(keep=False).to_numpy()
    duplicated = np.zeros(len(frame), dtype=bool)
    if same_id.any():
        duplicated[same_id] = frame.loc[same_id, columns].duplicated(keep="first").to_numpy()
    return duplicated
