"""The importer of department files: every row read is accepted, rejected or a counted duplicate, and every
rejected row points at the cell it came from."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

import tasks.intake.ingest as ingest
from models.campaign.spec import Campaign, Source
from tasks.identity.idnumber import REASON_EXCEL_NUMBER, REASON_ILLEGAL_CHARS, validate_id
from tasks.intake.ingest import IngestError, IngestResult, read_source
from tasks.intake.rejects import write_rejects_workbook
from tests.ingest_files import (
    HOUSEHOLD_HEADER,
    Cell,
    make_id,
    old_id,
    person_row,
    write_csv,
    write_household_csv,
    write_xls,
    write_xlsx,
)

AS_OF = date(2017, 5, 1)
H = HOUSEHOLD_HEADER
ZHANG = person_row(date(1980, 1, 2), 11, "张三")
LI = person_row(date(1990, 5, 6), 22, "李四", village="新安社区")
WANG = person_row(date(1970, 3, 4), 33, "王五")


@pytest.fixture
def household(campaign: Campaign) -> Source:
    return campaign.sources["household"]


def read(campaign: Campaign, source: Source | str, *files: Path, **kwargs: object) -> IngestResult:
    spec = campaign.sources[source] if isinstance(source, str) else source
    result = read_source(spec, list(files), campaign, as_of=AS_OF, **kwargs)  # type: ignore[arg-type]
    assert result.rows_read == len(result.accepted) + len(result.rejected) + result.duplicates
    assert_points_at_source(result, files)
    return result


def with_check_error(id18: str) -> str:
    return id18[:17] + ("0" if id18[17] != "0" else "1")


def source_cell(path: Path, sheet: str, row: int, column: int) -> str:
    """The text of one cell of a delivered file, found independently of the importer."""
    if path.suffix == ".csv":
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        line = text.splitlines()[row - 1]
        cells = next(csv.reader(io.StringIO(line)))
        return cells[column] if column < len(cells) else ""
    grid = CalamineWorkbook.from_path(path).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    value = grid[row - 1][column]
    return ingest._cell_text(value)


def assert_points_at_source(result: IngestResult, files: tuple[Path, ...]) -> None:
    """Every rejected row's file, sheet and row hold the ID it shows, in the column headed as an ID."""
    by_name = {f.name: f for f in files}
    for rejected in result.rejected.itertuples():
        path = by_name[rejected.file]
        column = _id_column(path, rejected.sheet)
        assert source_cell(path, rejected.sheet, rejected.row, column) == rejected.id_number


def _id_column(path: Path, sheet: str) -> int:
    synonyms = {"身份证号", "身份证号码", "公民身份号码", "证件号码", "死者身份证号"}
    if path.suffix == ".csv":
        data = path.read_bytes()
        text = data.decode("utf-8-sig") if data[:3] == b"\xef\xbb\xbf" or _utf8(data) else data.decode("gb18030")
        rows = list(csv.reader(io.StringIO(text)))
    else:
        rows = CalamineWorkbook.from_path(path).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    for cells in rows:
        for j, cell in enumerate(cells):
            if "".join(str(cell).split()).lstrip("*").startswith(tuple(synonyms)):
                return j
    raise AssertionError("no ID column")


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# -- CSV ---------------------------------------------------------------------------------------------------


def messy_register_rows() -> list[list[Cell]]:
    li_spaced = [*LI]
    li_spaced[1] = "李 四"
    wang_female = [*WANG]
    wang_female[2] = "女"  # contradicts the ID
    bad = [*ZHANG]
    bad[0] = with_check_error(str(ZHANG[0]))
    return [
        ["安溪县户籍人员信息表"],  # 1
        ["制表日期：2017年4月1日"],  # 2
        [],  # 3
        H,  # 4
        ZHANG,  # 5
        li_spaced,  # 6
        [],  # 7
        ZHANG,  # 8: exact duplicate of line 5
        wang_female,  # 9
        bad,  # 10
        ["", "", "", "", "", "", "", "", "", ""],  # 11: blank
        ["合计：4人"],  # 12
        ["制表人：张三", "", "审核人：李四"],  # 13
        ["2017年4月20日"],  # 14
    ]


def test_csv_with_title_blank_rows_notes_and_duplicates(tmp_path: Path, campaign: Campaign) -> None:
    path = write_csv(tmp_path / "凤城镇.csv", messy_register_rows())
    result = read(campaign, "household", path)

    assert (result.rows_read, len(result.accepted), len(result.rejected), result.duplicates) == (5, 3, 1, 1)
    accepted = result.accepted
    assert accepted["row"].tolist() == [5, 6, 9]
    assert accepted["name"].tolist() == ["张三", "李四", "王五"]
    assert accepted["id_number"].tolist() == [ZHANG[0], LI[0], WANG[0]]
    assert accepted["issues"].tolist() == ["", "", "性别与身份证号不符"]
    assert accepted.loc[2, "sex"] == "女" and accepted.loc[2, "id_sex"] == "男"
    assert accepted["id_birth_date"].tolist() == [
        pd.Timestamp(1980, 1, 2),
        pd.Timestamp(1990, 5, 6),
        pd.Timestamp(1970, 3, 4),
    ]
    assert accepted["birth_date"].tolist() == accepted["id_birth_date"].tolist()
    assert accepted["village_code"].tolist() == ["350524100201", "350524100001", "350524100201"]
    assert set(accepted["township_code"]) == {"350524100"}
    assert set(accepted["file"]) == {"凤城镇.csv"} and set(accepted["sheet"]) == {""}
    rejected = result.rejected.iloc[0]
    assert (rejected.file, rejected.sheet, rejected.row) == ("凤城镇.csv", "", 10)
    assert rejected.reason.startswith("校验码错误") and rejected.id_number == with_check_error(str(ZHANG[0]))
    assert list(result.rejected.columns[:4]) == ["file", "sheet", "row", "reason"]


def test_accepted_columns_and_types(tmp_path: Path, campaign: Campaign) -> None:
    result = read(campaign, "household", write_csv(tmp_path / "a.csv", [H, ZHANG]))
    fields = ["name", "sex", "birth_date", "household_type", "township", "village", "household", "address", "phone"]
    extra = ["issues", "id_birth_date", "id_sex", "file", "sheet", "row", "township_code", "village_code"]
    assert list(result.accepted.columns) == ["id_number", *fields, *extra]
    dtypes = result.accepted.dtypes
    assert dtypes["id_number"] == "str" and dtypes["name"] == "str" and dtypes["row"] == np.int64
    assert pd.api.types.is_datetime64_any_dtype(dtypes["birth_date"])
    assert pd.api.types.is_datetime64_any_dtype(dtypes["id_birth_date"])
    assert result.labels["id_number"] == "身份证号" and result.labels["village"] == "村（社区）"


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gb18030", False), ("gbk", False)])
def test_encodings(tmp_path: Path, campaign: Campaign, encoding: str, bom: bool) -> None:
    path = write_csv(tmp_path / "a.csv", messy_register_rows(), encoding=encoding, bom=bom)
    result = read(campaign, "household", path)
    reference = read(campaign, "household", write_csv(tmp_path / "ref.csv", messy_register_rows()))
    columns = [c for c in result.accepted.columns if c != "file"]
    pd.testing.assert_frame_equal(result.accepted[columns], reference.accepted[columns])
    assert result.rejected["row"].tolist() == reference.rejected["row"].tolist()


def test_gb18030_discovered_after_the_first_megabyte(tmp_path: Path, campaign: Campaign) -> None:
    """The first megabyte is plain ASCII (field keys as headers, village codes): pyarrow finds the GBK bytes."""
    ids = [
        make_id(date(1950, 1, 1) + (date(1951, 1, 1) - date(1950, 1, 1)) * (i / 30_000), i % 900) for i in range(30_000)
    ]
    lines = ["id_number,name,village"] + [f"{i},Zhang,350524100201" for i in ids] + [f"{LI[0]},李四,350524100001"]
    path = tmp_path / "gbk.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    assert path.stat().st_size > 1 << 20
    result = read_source(campaign.sources["household"], [path], campaign, as_of=AS_OF)
    assert result.accepted["name"].iloc[-1] == "李四" and result.accepted["row"].iloc[-1] == len(lines)
    assert result.rows_read == len(lines) - 1


def test_header_synonyms_order_and_extra_columns_differ_per_file(tmp_path: Path, campaign: Campaign) -> None:
    first = write_csv(tmp_path / "1.csv", [H, ZHANG])
    header = ["序号", "村居", "名字", "公 民 身 份 号 码", "备注栏", "联系电话", "乡镇（街道）"]
    second = write_csv(tmp_path / "2.csv", [header, ["1", "新安社区", "李四", LI[0], "", "13900000000", "凤城镇"]])
    result = read(campaign, "household", first, second)
    assert result.accepted["id_number"].tolist() == [ZHANG[0], LI[0]]
    # fields missing from the second file are empty there
    assert result.accepted["household_type"].tolist() == ["农业", ""]
    assert pd.isna(result.accepted["birth_date"].iloc[1])
    assert result.accepted["phone"].tolist() == ["13800000000", "13900000000"]


def test_missing_required_column_names_it_and_the_headers_found(tmp_path: Path, campaign: Campaign) -> None:
    path = write_csv(tmp_path / "缺列.csv", [["标题"], ["身份证号", "姓名", "性别"], ZHANG[:3]])
    with pytest.raises(IngestError) as error:
        read(campaign, "household", path)
    message = str(error.value)
    assert "缺列.csv" in message and "村（社区）" in message and "身份证号、姓名、性别" in message


def test_normalisation_of_messy_cells(tmp_path: Path, campaign: Campaign) -> None:
    fullwidth = str(LI[0]).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    x_id = make_id(date(1949, 12, 31), 2, "110105")  # ends in X
    assert x_id.endswith("X")
    rows: list[list[Cell]] = [
        H,
        [
            f" {str(ZHANG[0])[:6]} {str(ZHANG[0])[6:]}",
            "张\u3000三 ",
            "男性",
            "1980/1/2",
            "农业",
            "凤城镇",
            "山盘村",
            "",
            "",
            "138-0000-0000",
        ],
        [fullwidth, " 李四", "2", "1990年5月6日", "农业", "凤城镇", "新安社区", "", "", "+86 139 0000 0000"],
        [x_id.lower(), "Li  Ming", "F", "19491231", "非农业", "凤城镇", "山盘村", "", " 安溪  县 ", ""],
        [old_id(date(1970, 3, 4), 33), "王五", "1", "1970-03", "农业", "凤城镇", "山盘村", "", "", "123"],
        [make_id(date(1975, 6, 7), 44), "赵六", "未知", "不详", "农业", "凤城镇", "山盘村", "", "", ""],
    ]
    result = read(campaign, "household", write_csv(tmp_path / "a.csv", rows))
    accepted = result.accepted
    assert accepted["id_number"].tolist() == [ZHANG[0], LI[0], x_id, WANG[0], make_id(date(1975, 6, 7), 44)]
    assert accepted["name"].tolist() == ["张三", "李四", "Li Ming", "王五", "赵六"]
    assert accepted["sex"].tolist() == ["男", "女", "女", "男", "未知"]
    assert accepted["phone"].tolist() == ["13800000000", "13900000000", "", "123", ""]
    assert accepted["address"].tolist()[2] == "安溪 县"
    assert accepted["birth_date"].tolist()[:4] == [
        pd.Timestamp(1980, 1, 2),
        pd.Timestamp(1990, 5, 6),
        pd.Timestamp(1949, 12, 31),
        pd.Timestamp(1970, 3, 1),  # only the month was given; it agrees with the ID
    ]
    assert pd.isna(accepted["birth_date"].iloc[4])
    assert accepted["issues"].tolist() == [
        "",
        "",
        "",
        "联系电话位数不对：123",
        "日期无法识别：不详（出生日期）；性别无法识别：未知",
    ]


def test_wrapped_ids_and_repeated_headers(tmp_path: Path, campaign: Campaign) -> None:
    rows: list[list[Cell]] = [H, [f"'{ZHANG[0]}", *ZHANG[1:]], H, [f'="{LI[0]}"', *LI[1:]]]
    result = read(campaign, "household", write_csv(tmp_path / "a.csv", rows))
    assert result.rows_read == 2
    assert result.accepted["id_number"].tolist() == [ZHANG[0], LI[0]]
    assert result.accepted["row"].tolist() == [2, 4]


def test_birth_date_contradicting_the_id_is_an_issue(tmp_path: Path, campaign: Campaign) -> None:
    row = [*ZHANG]
    row[3] = "1980-02-01"
    result = read(campaign, "household", write_csv(tmp_path / "a.csv", [H, row]))
    assert result.accepted["issues"].tolist() == ["出生日期与身份证号不符"]
    assert result.accepted["birth_date"].iloc[0] == pd.Timestamp(1980, 2, 1)
    assert result.accepted["id_birth_date"].iloc[0] == pd.Timestamp(1980, 1, 2)


def test_required_fields_and_invalid_ids_are_rejected_with_reasons(tmp_path: Path, campaign: Campaign) -> None:
    no_name = [*ZHANG]
    no_name[1] = ""
    no_id = [*LI]
    no_id[0] = ""
    future = person_row(date(2018, 1, 1), 1, "未来")
    rows = [H, no_name, no_id, ["12010X198901011234", *LI[1:]], future]
    result = read(campaign, "household", write_csv(tmp_path / "a.csv", rows))
    assert result.rejected["reason"].tolist() == [
        "缺少必填项：姓名",
        "身份证号为空",
        REASON_ILLEGAL_CHARS,
        "出生日期无效",  # born after as_of
    ]
    assert result.rejected["row"].tolist() == [2, 3, 4, 5]
    assert result.rejected["name"].tolist() == ["", "李四", "李四", "未来"]


def test_exact_duplicates_collapse_but_conflicting_rows_are_kept(tmp_path: Path, campaign: Campaign) -> None:
    renamed = [*ZHANG]
    renamed[1] = "张叁"
    spaced = [*ZHANG]
    spaced[1] = "张 三"  # equal once normalised
    first = write_csv(tmp_path / "1.csv", [H, ZHANG, renamed])
    second = write_csv(tmp_path / "2.csv", [H, spaced, ZHANG], encoding="gb18030")
    result = read(campaign, "household", first, second)
    assert result.duplicates == 2
    assert result.accepted["name"].tolist() == ["张三", "张叁"]
    assert result.accepted["id_number"].tolist() == [ZHANG[0], ZHANG[0]]
    assert (result.accepted["file"] + ":" + result.accepted["row"].astype(str)).tolist() == ["1.csv:2", "1.csv:3"]


# -- villages (register) ------------------------------------------------------------------------------------


def test_village_mapping(tmp_path: Path, campaign: Campaign) -> None:
    def row(seq: int, township: str, village: str) -> list[Cell]:
        return person_row(date(1985, 1, 1), seq, f"人{seq}", village=village, township=township)

    rows = [
        H,
        row(1, "凤城镇", "山盘村"),
        row(2, "", "350524101203"),  # a village code
        row(3, "350524101", "大同社区"),  # a township code disambiguates
        row(4, "蓬莱", "大同社区"),  # a township name without 镇
        row(5, "", "凤城镇山盘村"),  # township written in front of the village
        row(6, "凤城镇", "山盘"),  # without 村
        row(7, "", "大同社区"),  # in two townships
        row(8, "凤城镇", "不存在村"),
        row(9, "", "350524999999"),
    ]
    result = read(campaign, "household", write_csv(tmp_path / "a.csv", rows))
    accepted = result.accepted.set_index("name")
    assert accepted.loc["人1", "village_code"] == "350524100201"
    assert accepted.loc["人2", ["township_code", "village_code"]].tolist() == ["350524101", "350524101203"]
    assert accepted.loc["人3", "village_code"] == "350524101001"
    assert accepted.loc["人4", "village_code"] == "350524101001"
    assert accepted.loc["人5", "village_code"] == "350524100201"
    assert accepted.loc["人6", "village_code"] == "350524100201"
    reasons = dict(zip(result.rejected["name"], result.rejected["reason"], strict=True))
    assert reasons["人7"] == "村（社区）名称不唯一，请填写乡镇：大同社区"
    assert reasons["人8"] == "村（社区）不存在：凤城镇不存在村"
    assert reasons["人9"] == "村（社区）不存在：350524999999"
    assert set(reasons) == {"人7", "人8", "人9"}


def test_unknown_township_with_a_unique_village_is_an_issue(tmp_path: Path, campaign: Campaign) -> None:
    unique = next(
        v.name
        for t in campaign.townships
        for v in t.villages
        if sum(v.name == w.name for s in campaign.townships for w in s.villages) == 1
    )
    row = person_row(date(1985, 1, 1), 1, "甲", village=unique, township="火星乡")
    result = read(campaign, "household", write_csv(tmp_path / "a.csv", [H, row]))
    assert result.accepted["issues"].tolist() == ["乡镇无法识别：火星乡"]
    mismatch = person_row(date(1985, 1, 1), 3, "乙", village="350524101203", township="凤城镇")
    result = read(campaign, "household", write_csv(tmp_path / "b.csv", [H, mismatch]))
    assert result.accepted["issues"].tolist() == ["乡镇与村（社区）代码不符：凤城镇"]
    assert result.accepted["township_code"].tolist() == ["350524101"]


# -- Excel ---------------------------------------------------------------------------------------------------


def test_xlsx_with_several_sheets_title_rows_notes_and_number_cells(tmp_path: Path, campaign: Campaign) -> None:
    old = old_id(date(1950, 2, 3), 15)
    corrupt = float(make_id(date(1980, 1, 2), 11))  # Excel kept 15 significant digits
    sheets: dict[str, list[list[Cell]]] = {
        "凤城镇": [
            ["安溪县凤城镇户籍人员信息"],  # 1
            [None, "单位：人"],  # 2
            H,  # 3
            [ZHANG[0], "张三", "男", date(1980, 1, 2), "农业", "凤城镇", "山盘村", 100001, "", 13800000000.0],  # 4
            [int(old), "老人", "男", "1950-02-03", "农业", "凤城镇", "山盘村"],  # 5: a 15-digit number cell
            [corrupt, "数字", "男", "", "农业", "凤城镇", "山盘村"],  # 6: an 18-digit number cell
            [],  # 7
            [None, None, None, None, None, None, None, None, "合计"],  # 8: note in another column
            ["制表：王五"],  # 9
        ],
        "空白": [],
        "蓬莱镇": [
            ["村居", "名字", "乡镇", "身份证号码"],  # 1
            ["福岩村", "李四", "蓬莱镇", LI[0]],  # 2
            ["福岩村", "钱七", "蓬莱镇", int(make_id(date(1960, 1, 1), 12))],  # 3: 18 digits as an integer
        ],
    }
    path = write_xlsx(tmp_path / "户籍.xlsx", sheets)
    result = read(campaign, "household", path)
    assert (result.rows_read, len(result.accepted), len(result.rejected), result.duplicates) == (5, 3, 2, 0)
    accepted = result.accepted
    assert accepted["id_number"].tolist() == [ZHANG[0], make_id(date(1950, 2, 3), 15), LI[0]]
    assert (accepted["sheet"] + ":" + accepted["row"].astype(str)).tolist() == ["凤城镇:4", "凤城镇:5", "蓬莱镇:2"]
    assert accepted["birth_date"].tolist()[:2] == [pd.Timestamp(1980, 1, 2), pd.Timestamp(1950, 2, 3)]
    assert accepted["phone"].tolist()[0] == "13800000000" and accepted["household"].tolist()[0] == "100001"
    assert accepted["village_code"].tolist()[2] == "350524101201"
    rejected = result.rejected
    assert (rejected["sheet"] + ":" + rejected["row"].astype(str)).tolist() == ["凤城镇:6", "蓬莱镇:3"]
    assert rejected["reason"].tolist() == [REASON_EXCEL_NUMBER, REASON_EXCEL_NUMBER]
    assert rejected["id_number"].tolist()[0] == "350524198001020000"  # as Excel shows it


def test_xls_written_by_xlwt(tmp_path: Path, campaign: Campaign) -> None:
    sheets: dict[str, list[list[Cell]]] = {
        "Sheet1": [
            ["户籍人员"],
            H,
            ZHANG,
            [float(old_id(date(1950, 2, 3), 15)), "老人", "男", "", "", "凤城镇", "山盘村"],
        ],
        "Sheet2": [],
    }
    result = read(campaign, "household", write_xls(tmp_path / "old.xls", sheets))
    assert result.accepted["id_number"].tolist() == [ZHANG[0], make_id(date(1950, 2, 3), 15)]
    assert result.accepted["row"].tolist() == [3, 4]


def test_sheet_with_data_but_no_header_names_the_sheet(tmp_path: Path, campaign: Campaign) -> None:
    path = write_xlsx(tmp_path / "报送.xlsx", {"数据": [H, ZHANG], "填表说明": [["1. 身份证号请填写18位"]]})
    with pytest.raises(IngestError) as error:
        read(campaign, "household", path)
    message = str(error.value)
    assert "报送.xlsx" in message and "填表说明" in message and "1. 身份证号请填写18位" in message


def test_hidden_sheet_of_drop_down_lists_is_skipped(tmp_path: Path, campaign: Campaign) -> None:
    import xlsxwriter

    path = tmp_path / "模板.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        data = book.add_worksheet("数据")
        for j, label in enumerate(H):
            data.write_string(0, j, label)
        for j, cell in enumerate(ZHANG):
            data.write_string(1, j, str(cell))
        lists = book.add_worksheet("字典")
        for i, village in enumerate(["山盘村", "新安社区"]):
            lists.write_string(i, 0, village)
        lists.hide()
    result = read(campaign, "household", path)
    assert result.accepted["id_number"].tolist() == [ZHANG[0]]


def test_unreadable_and_unsupported_files(tmp_path: Path, campaign: Campaign) -> None:
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(IngestError, match=r"坏\.xlsx"):
        read(campaign, "household", broken)
    other = tmp_path / "a.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(IngestError, match=r"a\.pdf"):
        read(campaign, "household", other)
    with pytest.raises(IngestError, match="找不到文件"):
        read(campaign, "household", tmp_path / "missing.csv")


def test_xls_that_is_really_text(tmp_path: Path, campaign: Campaign) -> None:
    path = tmp_path / "导出.xls"
    path.write_text("\t".join(H) + "\n" + "\t".join(str(c) for c in ZHANG) + "\n", encoding="gb18030")
    result = read_source(campaign.sources["household"], [path], campaign, as_of=AS_OF)
    assert result.accepted["id_number"].tolist() == [ZHANG[0]]


# -- CSV parsing paths ----------------------------------------------------------------------------------------


def _no_python_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> object:
        raise AssertionError("the Python csv fallback was used")

    monkeypatch.setattr(ingest, "_parse_body_python", fail)


def test_clean_and_ragged_csv_stay_on_the_vectorised_path(
    tmp_path: Path, campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_python_csv(monkeypatch)
    path = tmp_path / "ragged.csv"
    lines = [
        ",".join(H),
        ",".join(map(str, ZHANG)),
        "",
        ",".join(map(str, LI)) + ",多余",
        "只有一格",
        ",".join(map(str, WANG[:7])),
    ]
    path.write_text("\n".join(lines) + "\n\n制表人：某某\n", encoding="utf-8")
    result = read(campaign, "household", path)
    assert result.accepted["row"].tolist() == [2, 4, 6]
    assert result.rejected["row"].tolist() == [5]  # "只有一格" is no note and no ID
    assert result.accepted["household"].tolist() == ["100001", "100001", ""]


def test_quoted_csv(tmp_path: Path, campaign: Campaign, monkeypatch: pytest.MonkeyPatch) -> None:
    quoted = tmp_path / "quoted.csv"
    quoted.write_text("\r\n".join(",".join(f'"{c}"' for c in row) for row in [H, ZHANG, LI]) + "\r\n", encoding="utf-8")
    with monkeypatch.context() as patch:
        _no_python_csv(patch)
        assert read(campaign, "household", quoted).accepted["row"].tolist() == [2, 3]
    # A line break inside a quoted cell: the record starts on line 2 and the next one on line 4.
    multiline = tmp_path / "multiline.csv"
    address = [*ZHANG]
    address[8] = "凤城镇\n山盘村1号"
    write_csv(multiline, [H, address, [], LI, ["注：地址可换行"]])
    result = read(campaign, "household", multiline)
    assert result.accepted["row"].tolist() == [2, 5]
    assert result.accepted["address"].iloc[0] == "凤城镇 山盘村1号"


def test_line_ends_delimiters_and_wide_rows(tmp_path: Path, campaign: Campaign) -> None:
    mac = tmp_path / "mac.csv"
    mac.write_bytes(("\r".join([",".join(H), ",".join(map(str, ZHANG)), "", ",".join(map(str, LI))]) + "\r").encode())
    assert read(campaign, "household", mac).accepted["row"].tolist() == [2, 4]
    tabs = tmp_path / "tabs.csv"
    tabs.write_text("\n".join("\t".join(map(str, r)) for r in [["说明"], H, ZHANG]), encoding="utf-8")
    assert read(campaign, "household", tabs).accepted["row"].tolist() == [3]
    trailing = tmp_path / "trailing.csv"  # every data row ends in a comma the header does not have
    trailing.write_text("\n".join([",".join(H)] + [",".join(map(str, r)) + "," for r in (ZHANG, LI)]), encoding="utf-8")
    assert read(campaign, "household", trailing).accepted["row"].tolist() == [2, 3]


def test_empty_files_and_no_files(tmp_path: Path, campaign: Campaign) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = write_csv(tmp_path / "header.csv", [["标题"], H, [], []])
    result = read(campaign, "household", empty, header_only, write_xlsx(tmp_path / "e.xlsx", {"Sheet1": []}))
    assert (result.rows_read, len(result.accepted), len(result.rejected)) == (0, 0, 0)
    assert "id_number" in result.accepted.columns and "reason" in result.rejected.columns
    nothing = read_source(campaign.sources["household"], [], campaign, as_of=AS_OF)
    assert nothing.rows_read == 0 and nothing.files == []


def test_progress_is_reported_per_file(tmp_path: Path, campaign: Campaign) -> None:
    calls: list[tuple[int, int]] = []
    first = write_csv(tmp_path / "1.csv", [H, ZHANG, LI])
    second = write_csv(tmp_path / "2.csv", [H, WANG])
    read(campaign, "household", first, second, progress=lambda done, total: calls.append((done, total)))
    assert calls[0][0] == 2 and calls[0][1] >= 2
    assert calls[-1] == (3, 3)


def test_a_large_clean_register(tmp_path: Path, campaign: Campaign) -> None:
    path = write_household_csv(tmp_path / "register.csv", campaign, 30_000, seed=3)
    result = read_source(campaign.sources["household"], [path], campaign, as_of=date(2018, 1, 1))
    assert (result.rows_read, len(result.accepted), len(result.rejected), result.duplicates) == (30_000, 30_000, 0, 0)
    assert (result.accepted["issues"] == "").all()
    assert result.accepted["row"].tolist() == list(range(2, 30_002))
    assert (result.accepted["sex"] == result.accepted["id_sex"]).all()
    assert (result.accepted["birth_date"] == result.accepted["id_birth_date"]).all()
    assert result.accepted["village_code"].str.len().eq(12).all()


# -- other sources ---------------------------------------------------------------------------------------------


def test_deaths_source(tmp_path: Path, campaign: Campaign) -> None:
    rows: list[list[Cell]] = [
        ["死者姓名", "死者身份证号", "火化日期"],
        ["张三", ZHANG[0], "2017-03-01"],
        ["李四", LI[0], "2017-06-01"],  # after as_of
        ["王五", WANG[0], "1960-01-01"],  # before birth
    ]
    result = read(campaign, "cremation", write_csv(tmp_path / "火化.csv", rows))
    assert list(result.accepted.columns) == [
        "id_number", "name", "death_date", "issues", "id_birth_date", "id_sex", "file", "sheet", "row",
    ]  # fmt: skip
    assert result.accepted["issues"].tolist() == ["", "死亡日期晚于2017年5月1日", "死亡日期早于出生日期"]
    assert result.accepted["death_date"].iloc[0] == pd.Timestamp(2017, 3, 1)


@pytest.mark.parametrize(
    "written",
    ["2017-03-01", "2017/3/1", "2017.03.01", "20170301", "2017年3月1日", "2017-03-01 00:00:00", " ２０１７-３-１ "],
)
def test_date_formats(tmp_path: Path, campaign: Campaign, written: str) -> None:
    rows: list[list[Cell]] = [["姓名", "身份证号", "死亡日期"], ["张三", ZHANG[0], written]]
    result = read(campaign, "cremation", write_csv(tmp_path / "a.csv", rows))
    assert result.accepted["death_date"].tolist() == [pd.Timestamp(2017, 3, 1)]
    assert result.accepted["issues"].tolist() == [""]


def test_impossible_dates_and_excel_date_cells(tmp_path: Path, campaign: Campaign) -> None:
    rows: list[list[Cell]] = [
        ["姓名", "身份证号", "死亡日期"],
        ["张三", ZHANG[0], date(2017, 3, 1)],  # a real date cell
        ["李四", LI[0], "2017-02-30"],
        ["王五", WANG[0], 20170301],  # digits typed into a number cell
    ]
    result = read(campaign, "cremation", write_xlsx(tmp_path / "a.xlsx", {"火化": rows}))
    assert result.accepted["death_date"].tolist()[0::2] == [pd.Timestamp(2017, 3, 1)] * 2
    assert pd.isna(result.accepted["death_date"].iloc[1])
    assert result.accepted["issues"].tolist() == ["", "日期无法识别：2017-02-30（火化日期）", ""]


# -- the workbook returned to the department -----------------------------------------------------------------


def test_rejects_workbook(tmp_path: Path, campaign: Campaign) -> None:
    sheets: dict[str, list[list[Cell]]] = {
        "凤城镇": [H, [float(make_id(date(1980, 1, 2), 11)), "数字", "男", "", "农业", "凤城镇", "山盘村"], ZHANG]
    }
    xlsx = write_xlsx(tmp_path / "a.xlsx", sheets)
    wrong_sex = [*LI]
    wrong_sex[2] = "男"
    csv_file = write_csv(tmp_path / "b.csv", [H, [with_check_error(str(WANG[0])), *WANG[1:]], wrong_sex])
    result = read(campaign, "household", xlsx, csv_file)
    out = write_rejects_workbook(result, tmp_path / "out" / "退回.xlsx", "县公安局户籍人员信息")
    assert out == tmp_path / "out" / "退回.xlsx"

    book = CalamineWorkbook.from_path(out)
    assert book.sheet_names == ["退回明细", "需核实"]
    rejects = book.get_sheet_by_name("退回明细").to_python()
    assert "县公安局户籍人员信息" in rejects[0][0]
    assert rejects[1][:6] == ["文件", "工作表", "行号", "原因", "身份证号", "姓名"]
    assert rejects[1][6:] == ["性别", "出生日期", "户口性质", "乡镇", "村（社区）", "户号", "现居住地", "联系电话"]
    body = rejects[2:]
    assert [r[:3] for r in body] == [["a.xlsx", "凤城镇", 2.0], ["b.csv", "", 2.0]]
    assert [r[4] for r in body] == ["350524198001020000", with_check_error(str(WANG[0]))]
    assert all(isinstance(r[4], str) for r in body)
    assert body[0][3] == REASON_EXCEL_NUMBER
    review = book.get_sheet_by_name("需核实").to_python()
    assert review[1][3:5] == ["需核实的问题", "身份证号"]
    assert review[2][:5] == ["b.csv", "", 3.0, "性别与身份证号不符", LI[0]]
    assert isinstance(review[2][4], str)

    sheet = openpyxl.load_workbook(out)["退回明细"]
    assert sheet.freeze_panes == "A3"
    assert sheet["E3"].data_type == "s" and sheet["E3"].number_format == "@"


def test_rejects_workbook_with_nothing_to_return(tmp_path: Path, campaign: Campaign) -> None:
    result = read(campaign, "household", write_csv(tmp_path / "a.csv", [H, ZHANG]))
    out = write_rejects_workbook(result, tmp_path / "r.xlsx", "县公安局户籍人员信息")
    book = CalamineWorkbook.from_path(out)
    assert [len(book.get_sheet_by_name(s).to_python()) for s in book.sheet_names] == [2, 2]


# -- random tables with random mess ------------------------------------------------------------------------


FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


SYNONYMS = {
    "身份证号": ["身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证号码（18位）", " 身份证号 "],
    "姓名": ["姓名", "名字", "*姓名"],
    "村（社区）": ["村（社区）", "村(社区)", "村居", "所属村居", "村委会"],
    "乡镇": ["乡镇", "所属乡镇", "乡镇（街道）"],
}


@st.composite
def messy_tables(draw: st.DrawFn) -> tuple[list[list[Cell]], dict[str, object]]:
    """A register table with the truth about it: the row of each valid person's first record, the rows of
    the rejected records, and the number of exact duplicates."""
    people = draw(st.lists(st.integers(0, 20_000), min_size=1, max_size=12, unique=True))
    order = draw(st.permutations(range(len(H))))
    serial = draw(st.booleans())  # a 序号 column in front, also filled in on blank rows of the template
    header = [draw(st.sampled_from(SYNONYMS.get(label, [label]))) for label in H]

    def shaped(cells: list[Cell], number: int) -> list[Cell]:
        arranged = [cells[i] for i in order]
        return [number, *arranged] if serial else arranged

    body: list[tuple[list[Cell], str]] = []  # cells, and "valid:<id>", "rejected", "duplicate" or ""
    for n, k in enumerate(people, start=1):
        born = date(1930, 1, 1) + (date(1999, 12, 31) - date(1930, 1, 1)) * (k / 20_000)
        seq = k % 990  # not 996-999: old numbers reserved those for people born in the 1800s
        row = person_row(born, seq, "张三丰"[: 2 + k % 2])
        kind = draw(
            st.sampled_from(["clean", "fullwidth", "lower", "spaces", "old", "old-number", "float", "bad", "empty"])
        )
        if kind == "fullwidth":
            row[0] = str(row[0]).translate(FULL)
        elif kind == "lower":
            row[0] = str(row[0]).lower()
        elif kind == "spaces":
            row[0] = f" {str(row[0])[:6]} {str(row[0])[6:]} "
            row[1] = " ".join(str(row[1]))
        elif kind == "old":
            row[0] = old_id(born, seq)
        elif kind == "old-number":  # an Excel number cell holding an old 15-digit number: nothing was lost
            row[0] = int(old_id(born, seq))
        elif kind == "float":  # an 18-digit ID that went through a number cell: corrupt
            row[0] = float(str(row[0])[:17] + "0")
        elif kind == "bad":
            row[0] = with_check_error(str(row[0]))
        elif kind == "empty":
            row[0] = ""
        expected = validate_id(row[0], as_of=AS_OF)
        body.append((shaped(row, n), f"valid:{expected.id}" if expected.ok else "rejected"))
        for _ in range(draw(st.integers(0, 1))):
            body.append(([n] if serial and draw(st.booleans()) else [], ""))  # blank rows
        if expected.ok and draw(st.booleans()):
            body.append((shaped([*row], n), "duplicate"))
    title = draw(st.lists(st.sampled_from([["户籍人员信息表"], [], ["填报单位：凤城镇"]]), max_size=3))
    footer = draw(st.lists(st.sampled_from([["合计"], ["制表人：张三"], [], ["", "", "审核：李四"]]), max_size=3))
    if not any(f and any(c for c in f) for f in footer):
        footer = [r for r in footer if not r]  # a footer without any note would be data
    rows = [*title, (["序号"] if serial else []) + [header[i] for i in order], *(cells for cells, _ in body), *footer]
    first = len(title) + 2
    tags = [tag for _, tag in body]
    truth = {
        "valid": {tag[6:]: first + i for i, tag in enumerate(tags) if tag.startswith("valid:")},
        "rejected": [first + i for i, tag in enumerate(tags) if tag == "rejected"],
        "duplicates": tags.count("duplicate"),
    }
    return rows, truth


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messy_tables(), st.sampled_from(["csv", "csv-gb18030", "csv-bom", "xlsx", "xls"]))
def test_random_messy_tables_account_for_every_row(
    tmp_path: Path, campaign: Campaign, table: tuple[list[list[Cell]], dict[str, object]], kind: str
) -> None:
    rows, truth = table
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    if kind.startswith("csv"):
        encoding = "gb18030" if kind == "csv-gb18030" else "utf-8"
        path = write_csv(folder / "t.csv", rows, encoding=encoding, bom=kind == "csv-bom")
    elif kind == "xlsx":
        path = write_xlsx(folder / "t.xlsx", {"S": rows})
    else:
        path = write_xls(folder / "t.xls", {"S": rows})
    result = read(campaign, "household", path)
    valid, rejected, duplicates = truth["valid"], truth["rejected"], truth["duplicates"]
    assert isinstance(valid, dict) and isinstance(rejected, list) and isinstance(duplicates, int)
    assert result.rows_read == len(valid) + len(rejected) + duplicates
    # every valid person accepted exactly once, from the row of their first record
    assert dict(zip(result.accepted["id_number"], result.accepted["row"], strict=True)) == valid
    assert len(result.accepted) == len(valid)
    assert result.rejected["row"].tolist() == rejected and result.duplicates == duplicates
    assert (result.accepted["issues"] == "").all()
    assert (result.accepted["name"].isin(["张三", "张三丰"])).all()


def test_an_error_quoting_a_data_row_masks_its_personal_data(tmp_path: Path, campaign: Campaign) -> None:
    from tasks.identity.masking import find_unmasked

    headerless = tmp_path / "无表头.csv"
    headerless.write_text("11010519491231002X,张三,13812341234\n", encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        read_source(campaign.sources["medical_resident"], [headerless], campaign)
    assert find_unmasked(str(caught.value)) == []
