"""Workbooks meant for paper are set up to print on A4, and the household forms come one per household on A4."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from models.campaign.spec import INSURANCES, Campaign
from tasks.analysis.expansion import expansion_plan
from tasks.analysis.expansion_workbook import write_plan_workbook
from tasks.inspection.samples import Drawn, write_sample
from tasks.survey.corrections import CORRECTION_HEADINGS
from tasks.survey.household_form import FormChoices, households, registered_place, village_forms, write_forms
from tasks.survey.paper import ID_WIDTH, LINE_POINTS, column_width, display_width, row_height, table_layout
from tasks.survey.worklists import village_lists, write_table, write_village_list
from tests.services import require_libreoffice

LONG_ADDRESS = "福建省泉州市安溪县凤城镇大同路东段二百三十八号凤城花园小区十二号楼三单元一千二百零三室"
ID_A, ID_B, ID_C = "350524198003051234", "350524198507091246", "35052420100101123X"


def person(id_number: str, name: str, household: str, campaign: Campaign, **changes: object) -> dict[str, object]:
    township = campaign.townships[0]
    row: dict[str, object] = {
        "id_number": id_number, "name": name, "sex": "男", "birth_date": date(1980, 3, 5), "age": 37,
        "township_code": township.code, "village_code": township.villages[0].code, "household": household,
        "household_type": "农业", "address": LONG_ADDRESS, "phone": "13905951234", "deceased": False,
        "student": False, "employed": False, "employer": "", "category": "partial", "employment_status": "",
        "subsidised": "", "anomalies": "",
        **{i: "not_applicable" for i in INSURANCES},
    }  # fmt: skip
    row.update({"pension": "insured", "medical": "missing"})
    row.update(changes)
    return row


@pytest.fixture
def persons(campaign: Campaign) -> pd.DataFrame:
    return pd.DataFrame(
        [
            person(ID_A, "陈一", "H001", campaign, employer="安溪县茶叶公司", injury="missing"),
            person(ID_B, "陈二", "H001", campaign, sex="女", category="uninsured", pension="missing"),
            person(ID_C, "林三", "", campaign, medical="insured", pension="missing", birth_date="2010-01-01"),
            person("350524199001011111", "王四", "H002", campaign, category="insured_full", medical="insured"),
        ]
    )


NO_ANOMALIES = pd.DataFrame(columns=["id_number", "kind", "sources", "evidence", "village_code"])


def insurance_names(campaign: Campaign) -> dict[str, str]:
    assert campaign.comparison is not None
    return {key: insurance.name for key, insurance in campaign.comparison.insurances.items()}


# -- the workbooks meant for paper ------------------------------------------------------------------------------


def work_list(campaign: Campaign, persons: pd.DataFrame, path: Path) -> Path:
    first = next(village_lists(campaign, persons, NO_ANOMALIES, insurance_names(campaign)))
    return write_village_list(first, path, "凤城镇某村全民参保登记入户调查名单（比对日期：2017年4月28日，共3人）" * 2)


def correction_list(campaign: Campaign, persons: pd.DataFrame, path: Path) -> Path:
    frame = pd.DataFrame([dict.fromkeys(CORRECTION_HEADINGS.values(), "住址有误")] * 3)
    frame["身份证号"] = [ID_A, ID_B, ID_C]
    return write_table(frame, path, "反馈清单", "公安局数据问题", text_columns={"身份证号", "原信息", "核实后信息"})


def spot_sample(campaign: Campaign, persons: pd.DataFrame, path: Path) -> Path:
    township = campaign.townships[0]
    frame = pd.DataFrame(
        {
            "key": ["k1", "k2"],
            "id_number": [ID_A, ID_C],
            "village_code": township.villages[0].code,
            "outcome": "registered",
            "visited_on": date(2017, 6, 1),
            "visitor": "李五",
        }
    )
    details = {ID_A: ("陈一", "H001"), ID_C: ("林三", "")}
    return write_sample(campaign, township, Drawn(3, False, frame), details, date(2017, 6, 10), path)


def expansion_workbook(campaign: Campaign, persons: pd.DataFrame, path: Path) -> Path:
    plan = expansion_plan(campaign, persons, date(2017, 7, 15))
    return write_plan_workbook(campaign, plan, date(2017, 7, 1), path)


PAPER_WORKBOOKS: dict[str, Callable[[Campaign, pd.DataFrame, Path], Path]] = {
    "work_list": work_list,
    "correction_list": correction_list,
    "spot_sample": spot_sample,
    "expansion_plan": expansion_workbook,
}


@pytest.mark.parametrize("write", PAPER_WORKBOOKS.values(), ids=PAPER_WORKBOOKS.keys())
def test_each_paper_workbook_prints_on_a4_landscape_fitted_to_the_width_with_title_and_header_on_every_page(
    write: Callable[[Campaign, pd.DataFrame, Path], Path], campaign: Campaign, persons: pd.DataFrame, tmp_path: Path
) -> None:
    book = load_workbook(write(campaign, persons, tmp_path / "book.xlsx"))
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == "9", ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # one page wide (xlsxwriter leaves out fitToWidth="1", the default), as many tall as needed
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert ws.print_title_rows == "$1:$2", ws.title
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页", ws.title
        last = ws.max_column
        assert f"A1:{get_column_letter(last)}1" in {str(r) for r in ws.merged_cells.ranges}, ws.title
        assert ws.cell(1, 1).alignment.wrap_text, ws.title  # a long title wraps within the page width
        assert all(ws.cell(2, c).border.left.style == "thin" for c in range(1, last + 1)), ws.title
        if ws.max_row > 2:
            assert ws.cell(3, 1).border.bottom.style == "thin", ws.title


@pytest.mark.parametrize("write", [work_list, correction_list, spot_sample], ids=["work_list", "corrections", "spot"])
def test_ids_are_text_in_a_column_wide_enough_for_18_digits(
    write: Callable[[Campaign, pd.DataFrame, Path], Path], campaign: Campaign, persons: pd.DataFrame, tmp_path: Path
) -> None:
    ws = load_workbook(write(campaign, persons, tmp_path / "book.xlsx")).worksheets[0]
    header = [c.value for c in ws[2]]
    column = header.index("身份证号") + 1
    ids = [ws.cell(r, column) for r in range(3, ws.max_row + 1)]
    assert ids and all(c.data_type == "s" and re.fullmatch(r"\d{17}[\dX]", c.value) for c in ids)
    assert ws.column_dimensions[ids[0].column_letter].width >= ID_WIDTH


def test_a_full_address_gets_a_wide_wrapping_column(campaign: Campaign, persons: pd.DataFrame, tmp_path: Path) -> None:
    ws = load_workbook(work_list(campaign, persons, tmp_path / "list.xlsx")).worksheets[0]
    column = [c.value for c in ws[2]].index("现居住地") + 1
    cell = ws.cell(3, column)
    assert cell.value == LONG_ADDRESS  # whole, wrapped in its cell rather than cut
    assert cell.alignment.wrap_text
    assert ws.column_dimensions[cell.column_letter].width >= 30
    assert display_width(LONG_ADDRESS) > ws.column_dimensions[cell.column_letter].width  # hence the wrap
    assert ws.row_dimensions[3].height >= 2 * LINE_POINTS  # and the row is tall enough to show it


# -- the household forms ---------------------------------------------------------------------------------------


def test_persons_are_grouped_by_household_and_one_without_a_number_is_alone(persons: pd.DataFrame) -> None:
    found = list(households(persons.iloc[:3], "凤城镇", "某村"))
    assert [(h.number, h.members["name"].tolist()) for h in found] == [
        ("H001", ["陈一", "陈二"]),
        ("", ["林三"]),
    ]
    alone = persons.iloc[[2, 2]].assign(household=[None, " "])
    assert len(list(households(alone, "凤城镇", "某村"))) == 2


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "凤城镇某村"),
        ({"registered_address": "安溪县凤城镇某村12号"}, "安溪县凤城镇某村12号"),
        ({"registered_address": ""}, "凤城镇某村"),
        ({"registered_address": None}, "凤城镇某村"),
    ],
)
def test_registered_place_is_the_registered_address_or_else_the_village(
    changes: dict[str, object], expected: str
) -> None:
    assert registered_place(pd.Series({"name": "陈一", **changes}), "凤城镇", "某村") == expected


def forms_file(campaign: Campaign, persons: pd.DataFrame, path: Path) -> Path:
    (village,) = village_forms(campaign, persons, NO_ANOMALIES)
    return write_forms(village.households, FormChoices.of(campaign, insurance_names(campaign)), path)


def test_the_form_file_has_one_form_per_household_on_a4_with_the_prefilled_items(
    campaign: Campaign, persons: pd.DataFrame, tmp_path: Path
) -> None:
    document = Document(str(forms_file(campaign, persons, tmp_path / "forms.docx")))
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    text = "\n".join(
        [p.text for p in document.paragraphs] + [c.text for t in document.tables for row in t.rows for c in row.cells]
    )
    title = f"{campaign.county.name}全民参保登记入户调查登记表"
    assert text.count(title) == 2  # H001 (two members) and 林三 alone; 王四 is fully insured, not listed
    page_breaks = sum(1 for p in document.paragraphs for r in p.runs if 'w:type="page"' in r._element.xml)
    assert page_breaks == 1
    for item in ("姓名", "性别", "身份证号", "出生日期", "户口性质", "户籍所在地", "现居住地", "联系电话"):
        assert item in text
    village = campaign.townships[0].villages[0].name
    for value in (ID_A, ID_B, ID_C, "陈一", "陈二", "林三", "1980年3月5日", "2010年1月1日", "农业", LONG_ADDRESS,
                  "13905951234", f"{campaign.townships[0].name}{village}", "安溪县茶叶公司"):  # fmt: skip
        assert value in text, value
    assert "王四" not in text
    names = insurance_names(campaign)
    assert f"{names['pension']}" in text and f"{names['medical']}" in text
    for outcome in campaign.survey.outcomes.values():
        assert f"□{outcome.name}" in text
    for blank in ("未参保原因", "就业状况", "信息更正", "被调查人签字", "调查员签字", "入户调查证号", "调查日期"):
        assert blank in text


def test_each_member_shows_the_insurances_held_and_lacking(
    campaign: Campaign, persons: pd.DataFrame, tmp_path: Path
) -> None:
    document = Document(str(forms_file(campaign, persons, tmp_path / "forms.docx")))
    names = insurance_names(campaign)
    blocks = {}
    for table in document.tables:
        cells = [[c.text for c in row.cells] for row in table.rows]
        if cells[0][0].startswith("（"):
            blocks[cells[0][0]] = {row[0]: row[1] for row in cells[1:]}
    chen = next(v for k, v in blocks.items() if ID_A in k)
    assert chen["已参保险种"] == names["pension"]
    assert chen["未参保险种"] == f"{names['medical']}、{names['injury']}"
    lin = next(v for k, v in blocks.items() if ID_C in k)
    assert (lin["已参保险种"], lin["未参保险种"]) == (names["medical"], names["pension"])


def test_the_household_form_prints_through_libreoffice(
    campaign: Campaign, persons: pd.DataFrame, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    from tests.office import docx_to_pdf, pdf_text

    require_libreoffice()
    pdf = docx_to_pdf(forms_file(campaign, persons, tmp_path / "forms.docx"), tmp_path / "pdf")
    pages = PdfReader(pdf).pages
    assert len(pages) == 2  # one page per household
    assert all(round(float(p.mediabox.width) / 72 * 25.4) == 210 for p in pages)
    flat = re.sub(r"\s+", "", pdf_text(pdf))
    title = re.sub(r"\s+", "", f"{campaign.county.name}全民参保登记入户调查登记表")
    assert flat.count(title) == 2
    for value in (ID_A, ID_B, ID_C, "13905951234", "被调查人签字", "调查员签字", "入户调查证号", "第1页共2页"):
        assert value in flat, value


@pytest.mark.parametrize(
    ("heading", "values", "width"),
    [
        ("序号", [1, 2, 10], 6),  # the heading (4 units) and 2
        ("身份证号", [ID_A], 20),  # 18 digits and 2
        ("姓名", ["欧阳小明"], 10),  # Chinese characters count two
        ("走访结果", ["", None], 14),  # an empty column is left wide enough to write in
        ("现居住地", [LONG_ADDRESS], 36),  # capped: the address wraps
        ("性别", ["男"], 6),
    ],
)
def test_column_width(heading: str, values: list[object], width: float) -> None:
    assert column_width(heading, values) == width


@pytest.mark.parametrize(
    ("values", "widths", "height"),
    [
        (["陈一", "男"], [10, 6], None),  # one line each
        ([LONG_ADDRESS], [36], 2 * LINE_POINTS),  # 86 units over 35 * 1.3 = 45.5 per line
        ([LONG_ADDRESS * 2], [36], 4 * LINE_POINTS),
        ([None, "短"], [36, 6], None),
    ],
)
def test_row_height_follows_the_longest_wrapped_text(
    values: list[object], widths: list[float], height: float | None
) -> None:
    assert row_height(values, widths) == height


def test_display_width_counts_wide_characters_as_unicodedata_does() -> None:
    texts = [
        "",
        "abc",
        "陈一",
        "欧阳小明",
        "３５０５２４",
        "ｱｲ",
        "a中b文c",
        "安溪县城厢镇\u3000经兜村",
        "😀x",
        LONG_ADDRESS,
    ]
    for text in texts:
        expected = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
        assert display_width(text) == expected, text


def test_table_layout_gives_the_widths_and_heights_of_column_width_and_row_height() -> None:
    headings = ["序号", "姓名", "身份证号", "现居住地", "走访结果", "备注"]
    rows: list[list[object]] = [
        [1, "欧阳小明", ID_A, LONG_ADDRESS, "", None],
        [2, "陈一", ID_A, "短", None, 0],
        [10, "", ID_A, LONG_ADDRESS * 2, "", "说明" * 30],
    ]
    unwrapped = [False, False, True, False, False, False]
    widths, heights = table_layout(headings, rows, unwrapped)
    assert widths == [column_width(h, [row[c] for row in rows]) for c, h in enumerate(headings)]
    assert heights == [row_height((None if unwrapped[c] else v for c, v in enumerate(row)), widths) for row in rows]
    assert heights[0] is not None and heights[1] is None
