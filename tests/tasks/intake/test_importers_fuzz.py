"""Bad input at volume: every importer gets generated files (CSV in several encodings, .xlsx with odd cells,
title rows, notes, repeated headers, formulas, huge numbers, garbage bytes, truncated or empty files) and must
either account for every row (recorded, rejected, duplicate or pending) or refuse the file with its Chinese
IngestError -- never crash.

CANBAO_FUZZ_EXAMPLES sets the number of generated files per importer (default 150; e.g. 3000 for a long run).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from models.campaign.spec import DEFAULT_ATTENDANCE_COLUMNS, DEFAULT_SESSION_COLUMNS, Campaign, load_campaign
from models.settings import DEFAULT_CAMPAIGN
from tasks.inspection.spot_checks import check_results, spot_check_source
from tasks.intake.ingest import IngestError, read_source
from tasks.survey.visits import returned_list_source, returned_visits
from tasks.training.sheets import read_attendance, read_sessions
from tests.ingest_files import make_id

EXAMPLES = int(os.environ.get("CANBAO_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("CANBAO_FUZZ_EXAMPLES") is None,  # the default run is the same every time
)
CAMPAIGN: Campaign = load_campaign(DEFAULT_CAMPAIGN)[0]
CJK = re.compile(r"[\u4e00-\u9fff]")
IDS = [make_id(date(1960 + k, 1 + k % 12, 1 + k % 28), k) for k in range(8)]
TOWNSHIPS = [t.name for t in CAMPAIGN.townships[:3]]
_VILLAGE = CAMPAIGN.townships[0].villages[0]
LISTED = {i: (CAMPAIGN.townships[0].code, _VILLAGE.code) for i in IDS[:5]}
GENERATED: list[int] = [0]

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


@dataclass(frozen=True)
class Sheet:
    titles: list[list[Any]]
    header: list[Any]
    rows: list[list[Any]]
    notes: list[list[Any]]


def sheets(columns: dict[str, list[str]]) -> st.SearchStrategy[Sheet]:
    """A table with its header (synonyms, shuffled, sometimes a column missing or an unknown one added)."""

    @st.composite
    def build(draw: st.DrawFn) -> Sheet:
        fields = draw(st.permutations(list(columns)))
        keep = draw(st.lists(st.booleans(), min_size=len(fields), max_size=len(fields)))
        header: list[Any] = [
            draw(st.sampled_from(columns[f])) for f, k in zip(fields, keep, strict=True) if k or f == "id_number"
        ]
        if draw(st.booleans()):
            header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(["序号", "备注", "", None])))
        width = len(header)
        rows = draw(st.lists(st.lists(cell, min_size=0, max_size=width + 2), max_size=40))
        if rows and draw(st.booleans()):
            rows.insert(draw(st.integers(0, len(rows))), list(header))  # a repeated header
        titles = draw(
            st.lists(st.lists(st.sampled_from(["安溪县全民参保登记", "单位：人", "", None]), max_size=3), max_size=2)
        )
        notes = draw(
            st.lists(st.lists(st.sampled_from(["备注：", "制表人：李四", "合计", None]), max_size=2), max_size=2)
        )
        return Sheet(titles, header, rows, notes)

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


def write_file(folder: Path, sheet: Sheet, fmt: str, mutation: str, data: st.DataObject) -> Path:
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
        text = "\r\n".join(separator.join(_text(v).replace(separator, " ") for v in row) for row in grid)
        encoding = fmt.removeprefix("csv-")
        try:
            path.write_bytes(text.encode(encoding))
        except UnicodeEncodeError:
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
    GENERATED[0] += 1
    return path


formats = st.sampled_from(["xlsx", "csv-utf-8", "csv-utf-8-sig", "csv-gb18030", "csv-gbk", "csv-utf-16"])
mutations = st.sampled_from(["none", "none", "none", "truncated", "garbage", "spliced", "empty"])


def fuzz(columns: dict[str, list[str]], check: Callable[[Path], None]) -> Callable[..., None]:
    @FUZZ
    @given(sheet=sheets(columns), fmt=formats, mutation=mutations, data=st.data())
    def run(sheet: Sheet, fmt: str, mutation: str, data: st.DataObject) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = write_file(Path(folder), sheet, fmt, mutation, data)
            try:
                check(path)
            except IngestError as exc:
                assert CJK.search(str(exc)), f"not a Chinese message: {exc}"

    return run


AS_OF = date(2017, 5, 22)


def check_ingest(path: Path) -> None:
    result = read_source(CAMPAIGN.sources["household"], [path], CAMPAIGN, as_of=AS_OF)
    assert result.rows_read == len(result.accepted) + len(result.rejected) + result.duplicates
    assert result.rows_read >= 0 and len(result.rejected) == len(
        result.rejected.drop_duplicates(["file", "sheet", "row"])
    )


def check_survey(path: Path) -> None:
    result = read_source(returned_list_source(CAMPAIGN), [path], CAMPAIGN, as_of=AS_OF)
    rows = returned_visits(result.accepted, CAMPAIGN, LISTED, AS_OF)
    recorded_or_duplicate = len(rows.visits)  # duplicates among visits are told apart by the database
    assert (
        result.rows_read
        == recorded_or_duplicate + len(result.rejected) + len(rows.rejected) + result.duplicates + rows.pending
    )
    assert all(v.id_number in LISTED for v in rows.visits)


def check_sessions(path: Path) -> None:
    result = read_sessions(CAMPAIGN, [path])  # TrainingImport checks its own accounting on construction
    assert result.rows_read == len(result.accepted) + len(result.rejected) + result.duplicates


def check_attendance(path: Path) -> None:
    booked = [(CAMPAIGN.townships[0].code, date(2017, 4, 10))]
    result = read_attendance(CAMPAIGN, [path], imported_on=AS_OF, booked=booked)
    assert result.rows_read == len(result.accepted) + len(result.rejected) + result.duplicates


MEMBERS = pd.DataFrame(
    {
        "sample_id": [1] * 4,
        "as_of": [date(2017, 5, 10)] * 4,
        "visit_key": [f"v{k}" for k in range(4)],
        "id_number": IDS[:4],
        "township_code": [CAMPAIGN.townships[0].code] * 4,
        "village_code": [_VILLAGE.code] * 4,
    }
)
RECORDED = pd.DataFrame(
    columns=["sample_id", "visit_key", "result", "error", "township_code", "checked_on", "received_on",
             "source_file", "source_row"]
)  # fmt: skip


def check_inspection(path: Path) -> None:
    result = read_source(spot_check_source(CAMPAIGN), [path], CAMPAIGN, as_of=AS_OF)
    rows = check_results(result.accepted, CAMPAIGN.inspection, MEMBERS, RECORDED, AS_OF)
    assert result.rows_read == (
        len(rows.checks)
        + len(result.rejected)
        + len(rows.rejected)
        + result.duplicates
        + rows.duplicates
        + rows.pending
    )


# pyarrow decodes a ragged row's bytes for the skip handler and reports a decode error there as "unraisable";
# the parser then fails and the importer reads the file again with Python's csv module (or names the encoding).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(
    ("columns", "check"),
    [
        pytest.param(CAMPAIGN.sources["household"].columns, check_ingest, id="ingest"),
        pytest.param(returned_list_source(CAMPAIGN).columns, check_survey, id="survey"),
        pytest.param(DEFAULT_SESSION_COLUMNS, check_sessions, id="training-sessions"),
        pytest.param(DEFAULT_ATTENDANCE_COLUMNS, check_attendance, id="training-attendance"),
        pytest.param(spot_check_source(CAMPAIGN).columns, check_inspection, id="inspection"),
    ],
)
def test_generated_files_never_crash_an_importer_and_every_row_is_accounted_for(
    columns: dict[str, list[str]], check: Callable[[Path], None]
) -> None:
    fuzz(columns, check)()


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
