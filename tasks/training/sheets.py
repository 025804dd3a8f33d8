"""The township training's files (三（三）): booked sessions and sign-in sheets read into accepted and rejected
rows, and the workbook that sends the rejected ones back. Pure: files in, rows out.

Rules, each visible below:

* Files are read with the department importer's helpers (tasks.intake.ingest): the header is found below title
  rows by the synonyms of `[training.session_columns]` / `[training.attendance_columns]`, every cell is read
  as text and normalised the same way. Blank rows, repeated headers, note rows (制表人、备注、合计 …) and the
  footer below the last person are not data and are not counted.
* A session or attendance date must fall between the start of the training milestone's phase and the end of
  the campaign (a session in May is late, not wrong); an attendance date after the import date is rejected
  (the session has not happened yet).
* One session per township and day. One attendance record per township, day, name and unit. An empty
  attendance cell, when the sheet has that column, counts as absent; an unknown value is rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from models.campaign.spec import ATTENDANCE_FIELDS, SESSION_FIELDS, Campaign, training_window
from models.campaign.values import AttendanceRow, SessionRow
from tasks.training.standings import training_of
from tasks.wording.render import cn_date

if TYPE_CHECKING:  # the importer loads pandas and Arrow: only the import commands need it
    from models.campaign.spec import Source
    from tasks.intake.ingest import _Headers, _Table


# -- rows read from files ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejected:
    """A row that cannot be used: where it is, why (in Chinese), and its cells as received."""

    file: str
    sheet: str
    row: int
    reason: str
    cells: dict[str, str]


R = TypeVar("R", bound=SessionRow | AttendanceRow)


@dataclass
class TrainingImport(Generic[R]):
    """What one import read: `rows_read = len(accepted) + len(rejected) + duplicates` (repeats in the files)."""

    kind: Literal["sessions", "attendance"]
    files: list[str]
    rows_read: int
    accepted: list[R]
    rejected: list[Rejected]
    duplicates: int
    labels: dict[str, str] = field(default_factory=dict)  # field -> its Chinese column heading

    def __post_init__(self) -> None:
        if self.rows_read != len(self.accepted) + len(self.rejected) + self.duplicates:
            raise ValueError("rows_read must equal accepted + rejected + duplicates")


# -- reading files -------------------------------------------------------------------------------------------

_TRUE = {"是", "√", "✓", "✔", "Y", "YES", "1", "TRUE", "参加", "已参加", "参训", "已参训", "签到", "已签到", "出席"}
_TRUE |= {"到", "已到", "到会", "正常", "出勤"}
_FALSE = {"否", "×", "✗", "✘", "N", "NO", "0", "FALSE", "未参加", "未参训", "未签到", "缺席", "请假", "未到"}
_FALSE |= {"缺勤", "缺会", "病假", "事假"}
_CAPACITY = re.compile(r"^(\d+)(?:\.0+)?人?$")


def read_sessions(campaign: Campaign, files: Sequence[Path]) -> TrainingImport[SessionRow]:
    """Booked sessions from .xlsx/.xls/.csv files (乡镇, 培训日期, 地点, 授课人, 容量)."""
    training = training_of(campaign)
    places = _Townships(campaign)
    window = training_window(campaign, training)
    table = _read(files, training.session_columns, SESSION_FIELDS, "培训场次", ("place", "trainer", "capacity"))
    accepted: list[SessionRow] = []
    rejected: list[Rejected] = []
    first: dict[tuple[str, date], SessionRow] = {}
    duplicates = 0
    for row in table.rows:
        reasons = _missing(row.norm, table.labels, required=("township", "date", "place", "capacity"))
        township = places.code(row.norm["township"], reasons)
        held_on = _date(row.norm["date"], table.labels["date"], window, None, reasons)
        capacity = 0
        if row.norm.get("capacity"):
            match = _CAPACITY.match(row.norm["capacity"])
            capacity = int(match.group(1)) if match else 0
            if capacity < 1:
                reasons.append(f"{table.labels['capacity']}应为不小于 1 的整数：{row.raw['capacity']}")
        if reasons or township is None or held_on is None:
            rejected.append(row.rejected(reasons))
            continue
        accepted_row = SessionRow(
            township, held_on, row.norm["place"], row.norm.get("trainer", ""), capacity, row.file, row.sheet, row.row
        )
        earlier = first.get(accepted_row.key)
        if earlier is None:
            first[accepted_row.key] = accepted_row
            accepted.append(accepted_row)
        elif earlier.values == accepted_row.values:
            duplicates += 1
        else:
            rejected.append(row.rejected([f"同一乡镇同一天的场次已在{_where(earlier)}登记，内容不同"]))
    return TrainingImport("sessions", table.files, len(table.rows), accepted, rejected, duplicates, table.labels)


def read_attendance(
    campaign: Campaign, files: Sequence[Path], *, imported_on: date, booked: Iterable[tuple[str, date]] = ()
) -> TrainingImport[AttendanceRow]:
    """Sign-in sheets (乡镇, 培训日期, 姓名, 单位, 职务, 联系电话, 是否参训) imported on `imported_on`.

    `booked`: the (township, day) of the sessions known so far; attendance on another day is accepted and
    listed for checking."""
    training = training_of(campaign)
    places = _Townships(campaign)
    window = training_window(campaign, training)
    known = set(booked)
    table = _read(files, training.attendance_columns, ATTENDANCE_FIELDS, "培训签到", ("name",))
    accepted: list[AttendanceRow] = []
    rejected: list[Rejected] = []
    first: dict[tuple[str, date, str, str], AttendanceRow] = {}
    duplicates = 0
    for row in table.rows:
        reasons = _missing(row.norm, table.labels, required=("township", "date", "name"))
        township = places.code(row.norm["township"], reasons)
        held_on = _date(row.norm["date"], table.labels["date"], window, imported_on, reasons)
        attended = True
        if "attended" in row.norm:  # the sheet has the column: an empty cell means not signed in
            value = _attended(row.norm["attended"])
            if value is None:
                reasons.append(f"{table.labels['attended']}无法识别：{row.raw['attended']}")
            attended = bool(value)
        if reasons or township is None or held_on is None:
            rejected.append(row.rejected(reasons))
            continue
        issue = "" if (township, held_on) in known else "该乡镇当天没有登记培训场次，请核实培训日期"
        accepted_row = AttendanceRow(
            township,
            held_on,
            row.norm["name"],
            row.norm.get("unit", ""),
            row.norm.get("role", ""),
            row.norm.get("phone", ""),
            attended,
            row.file,
            row.sheet,
            row.row,
            issue,
        )
        earlier = first.get(accepted_row.key)
        if earlier is None:
            first[accepted_row.key] = accepted_row
            accepted.append(accepted_row)
        elif earlier.values == accepted_row.values:
            duplicates += 1
        else:
            rejected.append(row.rejected([f"同一人同一场次已在{_where(earlier)}登记，内容不同"]))
    return TrainingImport("attendance", table.files, len(table.rows), accepted, rejected, duplicates, table.labels)


def _where(row: SessionRow | AttendanceRow) -> str:
    sheet = f"工作表“{row.sheet}”" if row.sheet else ""
    return f"{row.file}{sheet}第 {row.row} 行"


def _missing(norm: Mapping[str, str], labels: Mapping[str, str], *, required: Sequence[str]) -> list[str]:
    return [f"缺少必填项：{labels[name]}" for name in required if not norm.get(name)]


def _date(
    text: str, label: str, window: tuple[date, date] | None, latest: date | None, reasons: list[str]
) -> date | None:
    if not text:
        return None  # reported as missing
    import pyarrow as pa

    from tasks.intake.ingest import _parse_dates

    parsed = _parse_dates(pa.array([text], type=pa.large_string()))
    if parsed.bad[0] or parsed.month_only[0]:
        reasons.append(f"{label}无法识别：{text}")
        return None
    day: date = parsed.days[0].astype(object)
    if window is not None and not window[0] <= day <= window[1]:
        reasons.append(f"{label}{cn_date(day)}不在培训期间（{cn_date(window[0])}至{cn_date(window[1])}）")
        return None
    if latest is not None and day > latest:
        reasons.append(f"{label}{cn_date(day)}晚于导入日期{cn_date(latest)}，培训尚未举办")
        return None
    return day


def _attended(text: str) -> bool | None:
    value = text.upper()
    if value == "":
        return False
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


class _Townships:
    """A township's code from its code, its name, or its name without 镇/乡/人民政府."""

    def __init__(self, campaign: Campaign) -> None:
        from tasks.intake.ingest import _TOWNSHIP_SUFFIXES, _core, header_key

        self._core = lambda text: _core(text, _TOWNSHIP_SUFFIXES)
        self.codes: dict[str, str] = {}
        for t in campaign.townships:
            self.codes[t.code] = t.code
            self.codes.setdefault(header_key(t.name), t.code)
        for t in campaign.townships:
            self.codes.setdefault(self._core(header_key(t.name)), t.code)

    def code(self, text: str, reasons: list[str]) -> str | None:
        if not text:
            return None  # reported as missing
        core = self._core(text)
        found = self.codes.get(text) or self.codes.get(core) or self.codes.get(self._core(core))
        if found is None:
            reasons.append(f"乡镇不存在：{text}")
        return found


@dataclass(frozen=True)
class _Row:
    file: str
    sheet: str
    row: int
    raw: dict[str, str]  # field -> cell text as received
    norm: dict[str, str]  # field -> normalised text

    def rejected(self, reasons: Sequence[str]) -> Rejected:
        return Rejected(self.file, self.sheet, self.row, "；".join(reasons), dict(self.raw))


@dataclass(frozen=True)
class _Rows:
    files: list[str]
    rows: list[_Row]
    labels: dict[str, str]


def _read(
    files: Sequence[Path],
    columns: dict[str, list[str]],
    fields: Mapping[str, bool],
    name: str,
    anchors: Sequence[str],
) -> _Rows:
    """Every data row of the files, with raw and normalised text per field (see the module docstring)."""
    from tasks.intake.ingest import IngestError, _Headers, _normalised, _read_file

    required = [f for f, needed in fields.items() if needed]
    headers = _Headers(_layout(name, columns, required))
    paths = [Path(f) for f in files]
    rows: list[_Row] = []
    for path in paths:
        if not path.is_file():
            raise IngestError(f"找不到文件：{path}")
        for table in _read_file(path, headers):
            raw = {f: table.columns[j].to_pylist() for f, j in table.mapping.items()}
            norm = {f: _normalised(f, table.columns[j]).to_pylist() for f, j in table.mapping.items()}
            for i in _data_rows(table, headers, anchors):
                rows.append(
                    _Row(
                        table.file,
                        table.sheet,
                        int(table.rows[i]),
                        {f: str(v[i] or "") for f, v in raw.items()},
                        {f: str(v[i] or "") for f, v in norm.items()},
                    )
                )
    labels = {f: synonyms[0] for f, synonyms in columns.items()}
    return _Rows([str(p) for p in paths], rows, labels)


def _layout(name: str, columns: dict[str, list[str]], required: list[str]) -> Source:
    """The importer's header search reads only a source's columns and required fields (its department, due
    date and role are not used): a training file is described to it as such a source."""
    from models.campaign.spec import Source

    return Source(
        key=name, name=name, department="training", due=date.max, role="register", columns=columns, required=required
    )


def _data_rows(table: _Table, headers: _Headers, anchors: Sequence[str]) -> list[int]:
    """Indices of the data rows: not blank, not a repeated header, not a note, not in the footer.

    A row is anonymous when its anchor cells (the name; a session's place, trainer and capacity) are empty or notes; a
    note row is an anonymous row with a note in any cell; the footer is what follows the last row that is
    not anonymous, when a note is among it."""
    from tasks.intake.ingest import _is_note

    cells = {f: table.columns[j].to_pylist() for f, j in table.mapping.items()}
    kept: list[int] = []
    anonymous: dict[int, bool] = {}
    notes: set[int] = set()
    for i in range(len(table.rows)):
        values = {f: str(cells[f][i] or "").strip() for f in table.mapping}
        if not any(values.values()):
            continue  # blank
        if sum(headers.field_of(v) == f for f, v in values.items() if v) >= 2:
            continue  # the header repeated
        quiet = all(not values.get(f) or _is_note(values[f]) for f in anchors if f in table.mapping)
        anonymous[i] = quiet
        if quiet and any(_is_note(c) for c in table.row_cells([i])[0]):
            notes.add(i)
            continue
        kept.append(i)
    named = [i for i in kept if not anonymous[i]]
    last = named[-1] if named else -1
    if any(i > last for i in notes):
        kept = [i for i in kept if i <= last]
    return kept


def write_training_rejects(
    result: TrainingImport[SessionRow] | TrainingImport[AttendanceRow], path: Path, title: str
) -> Path:
    """The rejected rows ("退回明细") and the accepted rows to check ("需核实"), in the importer's layout."""
    from tasks.intake.rejects import Listing, write_rejects

    fields = list(result.labels)
    headings = [result.labels[f] for f in fields]
    returned: list[list[str | int]] = [
        [r.file, r.sheet, r.row, r.reason, *(r.cells.get(f, "") for f in fields)] for r in result.rejected
    ]
    flagged = [r for r in result.accepted if isinstance(r, AttendanceRow) and r.issue]
    checks: list[list[str | int]] = [
        [r.file, r.sheet, r.row, r.issue, *(_shown(r, f) for f in fields)] for r in flagged
    ]
    return write_rejects(
        path,
        Listing(f"{title}退回明细（共 {len(returned)} 条，请更正后重新报送）", headings, returned),
        Listing(f"{title}需核实的记录（共 {len(checks)} 条，已接收，请核实）", headings, checks),
    )


def _shown(row: AttendanceRow, name: str) -> str:
    values = {"township": row.township_code, "date": row.held_on.isoformat(), "name": row.name, "unit": row.unit}
    values |= {"role": row.role, "phone": row.phone, "attended": "是" if row.attended else "否"}
    return values.get(name, "")
