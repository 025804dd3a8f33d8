"""Bad input at volume: every importer gets generated files (CSV in several encodings, .xlsx with odd cells,
title rows, notes, repeated headers, formulas, huge numbers, garbage bytes, truncated or empty files) and must
either account for every row (recorded, rejected, duplicate or pending) or refuse the file with its Chinese
IngestError naming the file -- never crash. Alongside them come files valid by construction
(tests.valid_imports), in the same formats: each must be read with every row written accepted (with the IDs and
values written), counted as an exact duplicate or, for returned lists and spot checks, as pending -- so an
importer that refuses or drops what it should read fails here.

CANBAO_FUZZ_EXAMPLES sets the number of generated files per importer (default 150; e.g. 3000 for a long run).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from models.campaign.spec import DEFAULT_ATTENDANCE_COLUMNS, DEFAULT_SESSION_COLUMNS, Campaign, load_campaign
from models.settings import DEFAULT_CAMPAIGN
from tasks.inspection.spot_checks import check_results, spot_check_source
from tasks.intake.ingest import IngestError, read_source
from tasks.survey.visits import returned_list_source, returned_visits
from tasks.training.sheets import read_attendance, read_sessions
from tests.ingest_files import make_id
from tests.valid_imports import Expected, Key, Kind, Kinds, Table, person_pool, valid_tables

EXAMPLES = int(os.environ.get("CANBAO_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # CI's two shared cores: an example's time says nothing about the importer's correctness
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("CANBAO_FUZZ_EXAMPLES") is None,  # the default run is the same every time
)
VALID_SHARE = 4  # at least one generated file in this many must be a valid one
CAMPAIGN: Campaign = load_campaign(DEFAULT_CAMPAIGN)[0]
CJK = re.compile(r"[\u4e00-\u9fff]")
IDS = [make_id(date(1960 + k, 1 + k % 12, 1 + k % 28), k) for k in range(8)]
POOL = person_pool(40)  # persons on the villages' lists and in the spot-check sample, for the valid files
TOWNSHIPS = [t.name for t in CAMPAIGN.townships[:3]]
_VILLAGE = CAMPAIGN.townships[0].villages[0]
LISTED = {i: (CAMPAIGN.townships[0].code, _VILLAGE.code) for i in [*IDS[:5], *POOL]}
AS_OF = date(2017, 5, 22)
SAMPLED_ON = date(2017, 5, 10)
KINDS = Kinds(CAMPAIGN, AS_OF, listed=POOL, sampled=POOL, sample_day=SAMPLED_ON)

# Cells a department or a village might send, and cells nobody should.
plausible = st.sampled_from(
    [*IDS, *TOWNSHIPS, "张三", "王 建国", "男", "女", "2017-04-10", "2017/5/12", "20170520", "2017年5月3日",
     "已登记参保", "外地参保", "已死亡", "查无此人", "信息更正", "联系电话：13800001111", "属实", "不属实", "是", "否",
     "30", "县人社局", "凤城镇会议室", IDS[0].lower().replace("x", "x"), "３５０５２４１９８００１０１００１４"]
)  # fmt: skip
odd = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=30),
    st.text(alphabet="0123456789Xx ，,;；\t\"'=+-.", max_size=25),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["=1+1", "=SUM(A1:A3)", "=HYPERLINK(\"x\")", "#N/A", "#REF!", "1e308", "350524198001010014.0",
                     "3.50524198001E+17", "备注：以上数据截至4月30日", "合计", "\x00", "\ufeff身份证号"]),
)  # fmt: skip
cell = st.one_of(plausible, plausible, odd)


def sheets(columns: dict[str, list[str]]) -> st.SearchStrategy[Table]:
    """A table with its header (synonyms, shuffled, sometimes a column missing or an unknown one added)."""

    @st.composite
    def build(draw: st.DrawFn) -> Table:
        fields = draw(st.permutations(list(columns)))
        keep = draw(st.lists(st.booleans(), min_size=len(fields), max_size=len(fields)))
        header: list[Any] = [
            draw(st.sampled_from(columns[f])) for f, k in zip(fields, keep, strict=True) if k or f == "id_number"
        ]
        if draw(st.booleans()):
            header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(["序号", "备注", "", None])))
        width = len(header)
        rows: list[list[Any]] = draw(st.lists(st.lists(cell, min_size=0, max_size=width + 2), max_size=40))
        if len(rows) > 0 and draw(st.booleans()):
            rows.insert(draw(st.integers(0, len(rows))), list(header))  # a repeated header
        titles = draw(
            st.lists(st.lists(st.sampled_from(["安溪县全民参保登记", "单位：人", "", None]), max_size=3), max_size=2)
        )
        notes = draw(
            st.lists(st.lists(st.sampled_from(["备注：", "制表人：李四", "合计", None]), max_size=2), max_size=2)
        )
        return Table(titles, header, rows, notes)

    return build()


def _storable(value: Any) -> Any:
    """What an .xlsx cell can hold: control characters cannot be stored, NaN and infinity only as text."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return str(value)
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _written(value: Any) -> str:
    """A cell of a valid CSV file: a date as the date a department's export writes."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return _text(value)


def write_file(folder: Path, sheet: Table, fmt: str, mutation: str, data: st.DataObject) -> Path:
    """The table as .xlsx or CSV, then damaged as `mutation` says. A valid file ("none-valid") keeps every cell
    as written: its CSV cells hold no separator and its encoding can write every character (else it fails here)."""
    valid = mutation == "none-valid"
    grid = [*sheet.titles, sheet.header, *sheet.rows, *sheet.notes]
    if fmt == "xlsx":
        path = folder / "名单.xlsx"
        book = openpyxl.Workbook()
        ws = book.active
        assert ws is not None
        for row in grid:
            ws.append([_storable(v) for v in row])
        if data.draw(st.booleans()):
            book.create_sheet("空表")
        book.save(path)
    else:
        path = folder / "名单.csv"
        separator = data.draw(st.sampled_from([",", ",", "\t"]))
        cell = _written if valid else _text
        if valid:
            assert not any(separator in cell(v) for row in grid for v in row), "a valid cell holds the separator"
        text = "\r\n".join(separator.join(cell(v).replace(separator, " ") for v in row) for row in grid)
        encoding = fmt.removeprefix("csv-")
        try:
            path.write_bytes(text.encode(encoding))
        except UnicodeEncodeError:
            assert not valid, f"a valid file cannot be written in {encoding}"
            path.write_bytes(text.encode(encoding, errors="replace"))
    raw = path.read_bytes()
    if mutation == "truncated" and raw:
        path.write_bytes(raw[: data.draw(st.integers(0, 10**6)) % len(raw)])  # .xlsx sizes vary with the clock
    elif mutation == "garbage":
        path.write_bytes(data.draw(st.binary(max_size=300)))
    elif mutation == "spliced" and raw:
        at = data.draw(st.integers(0, 10**6)) % (len(raw) + 1)
        path.write_bytes(raw[:at] + data.draw(st.binary(min_size=1, max_size=40)) + raw[at:])
    elif mutation == "empty":
        path.write_bytes(b"")
    return path


formats = st.sampled_from(["xlsx", "csv-utf-8", "csv-utf-8-sig", "csv-gb18030", "csv-gbk", "csv-utf-16"])
mutations = st.sampled_from(["none", "none", "none", "truncated", "garbage", "spliced", "empty"])


@dataclass(frozen=True)
class Outcome:
    """What an importer made of one file, in the terms of the accounting every file must satisfy."""

    rows_read: int
    accepted: list[Key]  # the values of each accepted (recorded) row, which a valid file's rows are checked by
    rejected: list[str]  # the reason of each rejected row
    duplicates: int
    pending: int = 0

    @property
    def accounted(self) -> int:
        return len(self.accepted) + len(self.rejected) + self.duplicates + self.pending


def check_damaged(path: Path, read: Callable[[Path], Outcome]) -> None:
    try:
        outcome = read(path)
    except IngestError as exc:
        assert CJK.search(str(exc)), f"not a Chinese message: {exc}"
        assert path.name in str(exc), f"the message does not name the file: {exc}"
        return
    assert outcome.rows_read == outcome.accounted


def check_valid(path: Path, read: Callable[[Path], Outcome], expected: Expected) -> None:
    outcome = read(path)  # an IngestError here fails the test: a valid file must be read
    assert outcome.rejected == [], f"rows of a valid file rejected: {outcome.rejected[:3]}"
    assert Counter(outcome.accepted) == Counter(expected.accepted), "accepted rows differ from the rows written"
    assert (outcome.duplicates, outcome.pending) == (expected.duplicates, expected.pending)
    assert outcome.rows_read == outcome.accounted == expected.rows_written


def fuzz(columns: dict[str, list[str]], kind: Kind, read: Callable[[Path], Outcome]) -> Counter[str]:
    """Run the generated cases; returns how many files of each sort were generated."""
    generated: Counter[str] = Counter()

    @FUZZ
    @given(valid=st.booleans(), fmt=formats, data=st.data())
    def run(valid: bool, fmt: str, data: st.DataObject) -> None:
        generated["file"] += 1
        with tempfile.TemporaryDirectory() as folder:
            if valid:
                generated["valid"] += 1
                event("a valid file")
                case = data.draw(valid_tables(kind), label="valid table")
                path = write_file(Path(folder), case.table, fmt, "none-valid", data)
                check_valid(path, read, case.expected)
            else:
                mutation = data.draw(mutations, label="mutation")
                event(f"a file with random cells, damage: {mutation}")
                path = write_file(Path(folder), data.draw(sheets(columns), label="table"), fmt, mutation, data)
                check_damaged(path, read)

    run()
    return generated


def _keys(frame: pd.DataFrame, *columns: str) -> list[Key]:
    """The rows' values in `columns` (a column the file did not have reads as empty)."""
    values = [frame[c].tolist() if c in frame.columns else [""] * len(frame) for c in columns]
    return list(zip(*values, strict=True)) if values and len(frame) else []


def read_ingest(path: Path) -> Outcome:
    result = read_source(CAMPAIGN.sources["household"], [path], CAMPAIGN, as_of=AS_OF)
    assert len(result.rejected) == len(result.rejected.drop_duplicates(["file", "sheet", "row"]))
    keys = _keys(result.accepted, "id_number", "name", "village_code")
    return Outcome(result.rows_read, keys, list(result.rejected["reason"]), result.duplicates)


def read_survey(path: Path) -> Outcome:
    result = read_source(returned_list_source(CAMPAIGN), [path], CAMPAIGN, as_of=AS_OF)
    rows = returned_visits(result.accepted, CAMPAIGN, LISTED, AS_OF)
    assert all(v.id_number in LISTED for v in rows.visits)
    return Outcome(
        result.rows_read,
        [(v.id_number, v.outcome, v.visited_on) for v in rows.visits],  # repeated visits: the database's to tell
        [*result.rejected["reason"], *rows.rejected["reason"]],
        result.duplicates,
        rows.pending,
    )


def read_training_sessions(path: Path) -> Outcome:
    result = read_sessions(CAMPAIGN, [path])  # TrainingImport checks its own accounting on construction
    keys: list[Key] = [(r.township_code, r.held_on, r.place, r.capacity) for r in result.accepted]
    return Outcome(result.rows_read, keys, [r.reason for r in result.rejected], result.duplicates)


def read_training_attendance(path: Path) -> Outcome:
    booked = [(CAMPAIGN.townships[0].code, date(2017, 4, 10))]
    result = read_attendance(CAMPAIGN, [path], imported_on=AS_OF, booked=booked)
    keys: list[Key] = [(r.township_code, r.held_on, r.name, r.unit, r.attended) for r in result.accepted]
    return Outcome(result.rows_read, keys, [r.reason for r in result.rejected], result.duplicates)


MEMBERS = pd.DataFrame(
    {
        "sample_id": 1,
        "as_of": SAMPLED_ON,
        "visit_key": [f"v{k}" for k in range(4 + len(POOL))],
        "id_number": [*IDS[:4], *POOL],
        "township_code": CAMPAIGN.townships[0].code,
        "village_code": _VILLAGE.code,
    }
)
RECORDED = pd.DataFrame(
    columns=["sample_id", "visit_key", "result", "error", "township_code", "checked_on", "received_on",
             "source_file", "source_row"]
)  # fmt: skip


def read_inspection(path: Path) -> Outcome:
    result = read_source(spot_check_source(CAMPAIGN), [path], CAMPAIGN, as_of=AS_OF)
    rows = check_results(result.accepted, CAMPAIGN.inspection, MEMBERS, RECORDED, AS_OF)
    return Outcome(
        result.rows_read,
        _keys(rows.checks, "id_number", "result", "checked_on"),
        [*result.rejected["reason"], *rows.rejected["reason"]],
        result.duplicates + rows.duplicates,
        rows.pending,
    )


# pyarrow decodes a ragged row's bytes for the skip handler and reports a decode error there as "unraisable";
# the parser then fails and the importer reads the file again with Python's csv module (or names the encoding).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(
    ("columns", "kind", "read"),
    [
        pytest.param(CAMPAIGN.sources["household"].columns, KINDS.household(), read_ingest, id="ingest"),
        pytest.param(returned_list_source(CAMPAIGN).columns, KINDS.survey(), read_survey, id="survey"),
        pytest.param(DEFAULT_SESSION_COLUMNS, KINDS.sessions(), read_training_sessions, id="training-sessions"),
        pytest.param(
            DEFAULT_ATTENDANCE_COLUMNS, KINDS.attendance(), read_training_attendance, id="training-attendance"
        ),
        pytest.param(spot_check_source(CAMPAIGN).columns, KINDS.inspection(), read_inspection, id="inspection"),
    ],
)
def test_generated_files_never_crash_an_importer_and_every_row_is_accounted_for(
    columns: dict[str, list[str]], kind: Kind, read: Callable[[Path], Outcome]
) -> None:
    generated = fuzz(columns, kind, read)
    # A generator that stopped making valid files would leave only refusals and the accounting to check.
    assert generated["valid"] * VALID_SHARE >= generated["file"], generated
    assert generated["valid"] > 0 or generated["file"] < 10, generated


def test_a_spot_check_workbook_without_a_date_column_is_recorded_on_the_day_received(tmp_path: Path) -> None:
    """Found by the fuzzing above: no 核查日期 column made every result crash the import."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号", "核查结果"])
    sheet.append([IDS[0], "属实"])
    book.save(tmp_path / "抽查.xlsx")
    result = read_source(spot_check_source(CAMPAIGN), [tmp_path / "抽查.xlsx"], CAMPAIGN, as_of=AS_OF)
    rows = check_results(result.accepted, CAMPAIGN.inspection, MEMBERS, RECORDED, AS_OF)
    assert len(rows.checks) == 1 and rows.checks.iloc[0]["checked_on"] == AS_OF


def test_a_returned_list_without_a_date_column_is_recorded_on_the_day_received(tmp_path: Path) -> None:
    """Found by the valid files above: without a 走访日期 column every visit was rejected as an unreadable date."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号", "走访结果", "未参保原因"])
    sheet.append([POOL[0], "不愿参保", "经济困难"])
    book.save(tmp_path / "名单.xlsx")
    result = read_source(returned_list_source(CAMPAIGN), [tmp_path / "名单.xlsx"], CAMPAIGN, as_of=AS_OF)
    rows = returned_visits(result.accepted, CAMPAIGN, LISTED, AS_OF)
    assert list(rows.rejected["reason"]) == []
    assert [(v.id_number, v.outcome, v.visited_on) for v in rows.visits] == [(POOL[0], "refused", AS_OF)]


def test_a_workbook_whose_sheet_is_damaged_is_refused_with_the_chinese_error(tmp_path: Path) -> None:
    """Found by the long fuzzing run: a workbook that opens but whose sheet cannot be unzipped crashed the
    department, training and spot-check importers."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["身份证号", "姓名"])
    sheet.append([IDS[0], "张三"])
    path = tmp_path / "户籍.xlsx"
    book.save(path)
    raw = path.read_bytes()
    at = raw.index(b"xl/worksheets/sheet1.xml") - 30  # the local file header of the sheet
    assert raw[at : at + 4] == b"PK\x03\x04"
    path.write_bytes(raw[:at] + b"PK\x03\x05" + raw[at + 4 :])
    with pytest.raises(IngestError, match="Excel 文件已损坏"):
        read_source(CAMPAIGN.sources["household"], [path], CAMPAIGN, as_of=AS_OF)
    with pytest.raises(IngestError, match="Excel 文件已损坏"):
        read_sessions(CAMPAIGN, [path])
