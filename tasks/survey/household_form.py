"""The household survey form (入户调查登记表) a village worker carries door to door, one per household, as a .docx
that Word and WPS open and print on A4.

Each form holds the listed members of one household (by household number; a person without one is a household of
their own): the eight items of personal data the plan names (二（一）) prefilled, the insurances each member has and
lacks, and blank fields for what the visit finds (the outcome as check boxes, the reason not insured, employment,
corrections), the signatures of the respondent and the investigator, the investigator's card number and the date.
It is a work document: ID numbers and phones are in full, and each file written is logged as a personal-data export.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from models.campaign.spec import INSURANCES, Campaign
from tasks.survey.worklists import to_visit

FONT = "宋体"
TITLE_FONT = "黑体"
BOX = "□"
BLANK = "＿" * 8
SIGNATURE = "＿" * 11  # two signature fields side by side fit the 174 mm line at 11 pt
EMPLOYMENT_CHOICES = ("就业", "灵活就业", "未就业", "在校学生", "退休", "其他")
BASIC_HEADINGS = ("序号", "姓名", "性别", "身份证号", "出生日期", "户口性质", "户籍所在地", "现居住地", "联系电话")
BASIC_WIDTHS_MM = (9, 14, 9, 36, 24, 12, 18, 28, 24)  # 174 mm: A4 portrait less 18 mm margins each side
LABEL_WIDTH_MM = 26
CELL_POINTS = 9  # an 18-digit ID fits 36 mm on one line, a phone number 24 mm
PAGE_WIDTH_MM, PAGE_HEIGHT_MM, MARGIN_MM = 210, 297, 18


@dataclass(frozen=True)
class Household:
    """One form: a household's listed members, in the order of the work list."""

    township: str
    village: str
    number: str  # the household number, or "" for a person without one
    members: pd.DataFrame  # rows of the comparison's persons


@dataclass(frozen=True)
class FormChoices:
    """What the campaign file names: the insurances, the visit outcomes and the correctable fields."""

    county: str
    insurance_names: dict[str, str]
    outcomes: tuple[str, ...]
    corrections: tuple[str, ...]

    @classmethod
    def of(cls, campaign: Campaign, insurance_names: dict[str, str]) -> FormChoices:
        return cls(
            county=campaign.county.name,
            insurance_names={i: insurance_names.get(i, i) for i in INSURANCES},
            outcomes=tuple(o.name for o in campaign.survey.outcomes.values()),
            corrections=tuple(c.label for c in campaign.survey.corrections.values()),
        )


def registered_place(person: pd.Series, township: str, village: str) -> str:
    """户籍所在地: the person's registered address where the comparison has one, else their township and village
    (the register lists every person under the village of their household registration)."""
    value = person.get("registered_address")
    text = "" if value is None or pd.isna(value) else str(value).strip()
    return text or f"{township}{village}"


def households(members: pd.DataFrame, township: str, village: str) -> Iterator[Household]:
    """The village's listed persons grouped by household number, in order of first appearance; a person without
    a household number is a household alone."""
    numbers = members["household"].fillna("").astype(str).str.strip()
    keys = [number or f"\0{i}" for i, number in enumerate(numbers)]
    order = list(dict.fromkeys(keys))
    positions: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        positions.setdefault(key, []).append(position)
    for key in order:
        yield Household(township, village, "" if key.startswith("\0") else key, members.iloc[positions[key]])


@dataclass(frozen=True)
class VillageForms:
    township: str
    village_code: str
    village_name: str
    households: list[Household]

    @property
    def persons(self) -> int:
        return sum(len(h.members) for h in self.households)


def village_forms(campaign: Campaign, persons: pd.DataFrame, anomalies: pd.DataFrame) -> Iterator[VillageForms]:
    """The forms of each village with listed persons (the persons of its work list, in the same order)."""
    chosen = to_visit(persons, anomalies).sort_values(["village_code", "household", "id_number"], kind="stable")
    by_village = {str(code): rows for code, rows in chosen.groupby("village_code", sort=False)}
    for township in campaign.townships:
        for village in township.villages:
            members = by_village.get(village.code)
            if members is not None and len(members):
                found = list(households(members, township.name, village.name))
                yield VillageForms(township.name, village.code, village.name, found)


def form_document(forms: list[Household], choices: FormChoices) -> Any:
    """A python-docx Document with one form per household, each starting on a new page."""
    document = Document()
    _page_setup(document)
    _base_font(document)
    for index, household in enumerate(forms):
        if index:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _household_form(document, household, choices, index + 1)
    return document


def form_bytes(forms: list[Household], choices: FormChoices) -> bytes:
    buffer = io.BytesIO()
    form_document(forms, choices).save(buffer)
    return buffer.getvalue()


def write_forms(forms: list[Household], choices: FormChoices, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(form_bytes(forms, choices))
    return path


def _household_form(document: Any, household: Household, choices: FormChoices, number: int) -> None:
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.keep_with_next = True
    _run(title, f"{choices.county}全民参保登记入户调查登记表", size=16, bold=True, font=TITLE_FONT)
    head = document.add_paragraph()
    head.paragraph_format.keep_with_next = True
    number_text = household.number or "（无户号）"
    _run(
        head,
        f"乡镇：{household.township}　村（社区）：{household.village}　户号：{number_text}　"
        f"本户列入调查 {len(household.members)} 人　表号：{number}",
        size=10.5,
    )
    _section_heading(document, "一、个人基本信息")
    _basic_table(document, household)
    _section_heading(document, "二、参保情况及调查结果（逐人填写）")
    count = len(household.members)
    for position, (_, person) in enumerate(household.members.iterrows(), start=1):
        _member_table(document, household, person, position, choices, last=position == count)
    _signatures(document)


def _basic_table(document: Any, household: Household) -> None:
    table = document.add_table(rows=1, cols=len(BASIC_HEADINGS))
    _table_frame(table, BASIC_WIDTHS_MM)
    for cell, heading in zip(table.rows[0].cells, BASIC_HEADINGS, strict=True):
        _cell_text(cell, heading, bold=True, center=True)
    _repeat_header(table.rows[0])
    for position, (_, person) in enumerate(household.members.iterrows(), start=1):
        values = (
            str(position),
            _text(person.get("name")),
            _text(person.get("sex")),
            _text(person.get("id_number")),
            _day(person.get("birth_date")),
            _text(person.get("household_type")),
            registered_place(person, household.township, household.village),
            _text(person.get("address")),
            _text(person.get("phone")),
        )
        row = table.add_row()
        _keep_row_together(row)
        for cell, value in zip(row.cells, values, strict=True):
            _cell_text(cell, value)


def _member_table(
    document: Any, household: Household, person: pd.Series, position: int, choices: FormChoices, last: bool
) -> None:
    """A member's block, kept on one page; the last one stays with the signatures. Its first row names the
    household too, for a form that runs onto a second page."""
    has = [choices.insurance_names[i] for i in INSURANCES if person.get(i) == "insured"]
    lacks = [choices.insurance_names[i] for i in INSURANCES if person.get(i) == "missing"]
    employer = _text(person.get("employer"))
    employment = "　".join(
        f"{BOX}{choice}（工作单位：{BLANK}）" if choice == "就业" else f"{BOX}{choice}" for choice in EMPLOYMENT_CHOICES
    )
    if employer:
        employment += f"\n部门登记的工作单位：{employer}"
    rows = (
        ("已参保险种", "、".join(has) or "无"),
        ("未参保险种", "、".join(lacks) or "无"),
        ("调查结果", "　".join(f"{BOX}{name}" for name in choices.outcomes)),
        ("未参保原因", ""),
        ("就业状况", employment),
        ("信息更正", f"更正项目（{'、'.join(choices.corrections)}）及核实后信息：\n"),
    )
    table = document.add_table(rows=1, cols=2)
    _table_frame(table, (LABEL_WIDTH_MM, PAGE_WIDTH_MM - 2 * MARGIN_MM - LABEL_WIDTH_MM))
    first = table.rows[0].cells[0].merge(table.rows[0].cells[1])
    _cell_text(
        first,
        f"（{position}）{_text(person.get('name'))}　身份证号：{_text(person.get('id_number'))}"
        f"　户号：{household.number or '（无户号）'}",
        bold=True,
    )
    _keep_row_together(table.rows[0], with_next=True)
    for index, (label, value) in enumerate(rows):
        row = table.add_row()
        _cell_text(row.cells[0], label, bold=True)
        _cell_text(row.cells[1], value, min_lines=2 if not value or label == "信息更正" else 1)
        _keep_row_together(row, with_next=last or index < len(rows) - 1)  # a member's block stays on one page
    spacer = document.add_paragraph()
    spacer.paragraph_format.keep_with_next = last


def _signatures(document: Any) -> None:
    lines = (
        f"被调查人签字：{SIGNATURE}　　调查员签字：{SIGNATURE}",
        f"入户调查证号：{SIGNATURE}　　调查日期：{'＿' * 4}年{'＿' * 2}月{'＿' * 2}日",
    )
    for index, line in enumerate(lines):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(10)
        paragraph.paragraph_format.keep_with_next = index < len(lines) - 1
        _run(paragraph, line, size=11)


def _section_heading(document: Any, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.space_before = Pt(6)
    _run(paragraph, text, size=12, bold=True, font=TITLE_FONT)


def _page_setup(document: Any) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.left_margin = section.right_margin = Mm(MARGIN_MM)
    section.top_margin = section.bottom_margin = Mm(18)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "第 ", size=9)
    _field(footer, "PAGE")
    _run(footer, " 页 共 ", size=9)
    _field(footer, "NUMPAGES")
    _run(footer, " 页", size=9)


def _base_font(document: Any) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10.5)
    _east_asian(style.element.get_or_add_rPr(), FONT)
    style.paragraph_format.space_after = Pt(0)


def _table_frame(table: Any, widths_mm: tuple[int, ...]) -> None:
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _cell_text(cell: Any, text: str, bold: bool = False, center: bool = False, min_lines: int = 1) -> None:
    lines = text.split("\n")
    lines += [""] * max(0, min_lines - len(lines))
    paragraph = cell.paragraphs[0]
    for index, line in enumerate(lines):
        if index:
            paragraph = cell.add_paragraph()
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, line, size=CELL_POINTS, bold=bold)


def _run(paragraph: Any, text: str, size: float, bold: bool = False, font: str = FONT) -> Any:
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = font
    _east_asian(run._element.get_or_add_rPr(), font)
    return run


def _east_asian(rpr: Any, font: str) -> None:
    """Name the font for the East Asian script too, without which Word and WPS set Chinese in a fallback."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attribute), font)


def _field(paragraph: Any, code: str) -> None:
    """A field (PAGE, NUMPAGES) that the word processor fills in when it lays out the pages."""
    run = _run(paragraph, "", size=9)
    for tag, value in (("fldChar", "begin"), ("instrText", f" {code} "), ("fldChar", "separate"), ("t", "1"),
                       ("fldChar", "end")):  # fmt: skip
        element = OxmlElement(f"w:{tag}")
        if tag == "fldChar":
            element.set(qn("w:fldCharType"), value)
        else:
            element.set(qn("xml:space"), "preserve")
            element.text = value
        run._element.append(element)


def _repeat_header(row: Any) -> None:
    """The heading row is printed again at the top of each page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
    _keep_row_together(row)


def _keep_row_together(row: Any, with_next: bool = False) -> None:
    """A row never splits across pages; `with_next` keeps it on the page of the following row too."""
    properties = row._tr.get_or_add_trPr()
    cant_split = OxmlElement("w:cantSplit")
    cant_split.set(qn("w:val"), "true")
    properties.append(cant_split)
    if with_next:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


def _text(value: object) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def _day(value: object) -> str:
    """A birth date as the form writes it (1980年3月5日), whatever type the comparison stored it as."""
    if _text(value) == "":
        return ""
    if isinstance(value, datetime | pd.Timestamp):
        day: date = value.date()
    elif isinstance(value, date):
        day = value
    else:
        parsed = pd.to_datetime(str(value), errors="coerce")
        if pd.isna(parsed):
            return str(value)
        day = parsed.date()
    return f"{day.year}年{day.month}月{day.day}日"
