"""Official documents (公文) in the layout of GB/T 9704-2012, as .docx and as one self-contained HTML page.

Pure rendering: an `OfficialDocument` in, bytes or text out. Only `write_notice_files` touches the disk.

Layout (GB/T 9704-2012): A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; the issuer (版头) in red
小标宋, the document number centred below it and a red separator line; the title in 小标宋 二号 (22 pt), centred;
the body in 仿宋_GB2312 三号 (16 pt), first line indented two characters, line spacing fixed at 28 pt;
first-level headings (一、) in 黑体, second-level ones ((一)) in 楷体_GB2312; the signature and date on the
right; page numbers "— 1 —" in 宋体 四号 (14 pt), on the right of odd pages and the left of even ones.

Fonts: the .docx names the fonts of the standard (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312, 宋体) for both the
Latin and the East Asian script (`w:eastAsia`; without it Word and LibreOffice set Chinese in the Latin font's
fallback). Where a font is missing the office suite substitutes; the usual fallbacks, which the HTML page
lists in this order, are in `FONT_STACKS` (e.g. 仿宋: FangSong, STFangsong, Noto Serif CJK SC).

Personal data: every text goes through `tasks.identity.masking.mask_text` before it is put into a document, so an ID
or mobile number that slipped into a finding never appears in full.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from tasks.documents.webfonts import FAMILIES, embed_fonts
from tasks.identity.masking import mask_text
from tasks.wording.render import TEMPLATES_DIR, cn_date

__all__ = [
    "FONT_STACKS",
    "OfficialDocument",
    "Section",
    "Table",
    "document_number",
    "heading_label",
    "notice_file_names",
    "set_east_asian_font",
    "title_lines",
    "to_docx",
    "to_html",
    "write_notice_files",
]

# The standard's fonts as Word names them, and what to fall back to where they are not installed.
XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
FONT_STACKS: dict[str, tuple[str, ...]] = {
    XIAOBIAOSONG: ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong", "SimSun", "宋体",
                   "Noto Serif CJK SC", "Source Han Serif SC", "serif"),
    FANGSONG: ("FangSong", "仿宋", "仿宋_GB2312", "STFangsong", "Noto Serif CJK SC", "serif"),
    HEITI: ("SimHei", "黑体", "STHeiti", "Noto Sans CJK SC", "Source Han Sans SC", "sans-serif"),
    KAITI: ("KaiTi", "楷体", "楷体_GB2312", "STKaiti", "Noto Serif CJK SC", "serif"),
    SONGTI: ("SimSun", "宋体", "STSong", "Noto Serif CJK SC", "serif"),
}  # fmt: skip

RED = RGBColor(0xFF, 0x00, 0x00)
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_WIDTH_MM = 210 - 28 - 26  # 156 mm, the width of the type area (版心)
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
TABLE_SIZE = Pt(14)  # 四号: a ranking table of seven columns fits the type area in 四号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
LINE_SPACING = Pt(28)  # fixed: 22 lines of 28 chars on a page, as the standard's type area gives
TITLE_LINE_SPACING = Pt(35)

_CN_DIGITS = "零一二三四五六七八九"

# A title longer than a line is broken by meaning (GB/T 9704 7.3.2: 回行时要做到词意完整，排列对称): after these
# words or before these, never inside a word and never leaving one character alone on a line.
BREAK_AFTER = ("关于", "登记", "调查", "情况", "总结", "方案", "计划", "质量", "印发")
BREAK_BEFORE = ("暨", "的通报", "的报告", "的通知", "的意见", "的决定", "的请示", "的函")
TITLE_CHARS_PER_LINE = int(TEXT_WIDTH_MM / 25.4 * 72 // TITLE_SIZE.pt)  # 20 characters in 二号


@dataclass(frozen=True)
class Table:
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    caption: str | None = None


@dataclass(frozen=True)
class Section:
    """A part of the body. `heading` is numbered by its `level` (1: 一、 in 黑体, 2: （一） in 楷体); a section
    without heading continues the text. The table, if any, follows the paragraphs."""

    heading: str | None
    paragraphs: Sequence[str] = ()
    table: Table | None = None
    level: int = 1
    closing: Sequence[str] = ()  # paragraphs after the table


@dataclass(frozen=True)
class OfficialDocument:
    issuer: str  # 发文机关（版头）
    doc_number: str  # 发文字号, e.g. 安参保办〔2017〕3号
    title: str  # 标题
    recipients: str  # 主送机关, e.g. 各乡镇人民政府，县直有关单位：
    sections: Sequence[Section]
    signed_by: str  # 落款
    signed_on: date  # 成文日期
    cc: str | None = None  # 抄送, e.g. 县委办、县政府办
    printed: str | None = None  # 印发 line, e.g. 安溪县全民参保登记工作领导小组办公室  2017年6月30日印发
    short_title: str | None = None  # for file names; the title without 关于…的 by default
    keywords: Sequence[str] = ()

    @classmethod
    def issued(
        cls,
        office: str,
        *,
        doc_number: str,
        title: str,
        recipients: str,
        sections: Sequence[Section],
        signed_on: date,
        keywords: Sequence[str] = (),
    ) -> OfficialDocument:
        """A document an office issues, signs and prints itself on `signed_on` (the campaign's notices)."""
        return cls(issuer=office, doc_number=doc_number, title=title, recipients=recipients, sections=sections,
                   signed_by=office, signed_on=signed_on, printed=f"{office}  {cn_date(signed_on)}印发",
                   keywords=keywords)  # fmt: skip


def document_number(pattern: str, *, prefix: str, year: int, serial: int) -> str:
    """安参保办〔2017〕3号 from "{prefix}〔{year}〕{serial}号": numbers as they are, never zero-padded."""
    if serial < 1:
        raise ValueError(f"文号序号必须从 1 开始：{serial}")
    return pattern.format(prefix=prefix, year=int(year), serial=int(serial))


def heading_label(level: int, number: int) -> str:
    """一、 for level 1, （一） for level 2, 1. for level 3, (1) for level 4 (GB/T 9704 7.3.3)."""
    if level == 1:
        return f"{_cn_number(number)}、"
    if level == 2:
        return f"（{_cn_number(number)}）"
    if level == 3:
        return f"{number}."
    return f"({number})"


def title_lines(title: str, per_line: int = TITLE_CHARS_PER_LINE) -> list[str]:
    """The title in lines of at most `per_line` characters, broken between words: as even as the words allow,
    an upper line no shorter than the lower one where that is as even (梯形), and no line of one character."""
    if len(title) <= per_line:
        return [title]
    breaks = sorted(
        {i + len(w) for w in BREAK_AFTER for i in _positions(title, w)}
        | {i for w in BREAK_BEFORE for i in _positions(title, w)}
    )
    fitting = [i for i in breaks if 1 < i < len(title) - 1 and i <= per_line]
    two_lines = [i for i in fitting if len(title) - i <= per_line]
    if two_lines:
        best = min(two_lines, key=lambda i: (abs(len(title) - 2 * i), i < len(title) - i))
        return [title[:best], title[best:]]
    if fitting:  # longer than two lines: as much as fits on the first, the rest broken the same way
        return [title[: fitting[-1]], *title_lines(title[fitting[-1] :], per_line)]
    half = -(-len(title) // 2) if len(title) <= 2 * per_line else per_line
    return [title[:half], *title_lines(title[half:], per_line)]


def _positions(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), text)]


def _cn_number(n: int) -> str:
    if not 0 < n < 100:
        raise ValueError(f"标题序号超出范围：{n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _numbered(sections: Sequence[Section]) -> list[tuple[str | None, Section]]:
    """Each section with its heading's full text (label + heading), counters restarting below each level."""
    counters = [0, 0, 0, 0]
    out: list[tuple[str | None, Section]] = []
    for section in sections:
        if section.heading is None:
            out.append((None, section))
            continue
        level = min(max(section.level, 1), 4)
        counters[level - 1] += 1
        for deeper in range(level, 4):
            counters[deeper] = 0
        out.append((heading_label(level, counters[level - 1]) + section.heading, section))
    return out


def _masked(doc: OfficialDocument) -> OfficialDocument:
    """The same document with every text passed through mask_text."""
    m = mask_text

    def table(t: Table | None) -> Table | None:
        if t is None:
            return None
        return Table(
            columns=[m(c) for c in t.columns],
            rows=[[m(str(cell)) for cell in row] for row in t.rows],
            caption=m(t.caption) if t.caption is not None else None,
        )

    return replace(
        doc,
        issuer=m(doc.issuer),
        doc_number=m(doc.doc_number),
        title=m(doc.title),
        recipients=m(doc.recipients),
        sections=[
            replace(
                s,
                heading=m(s.heading) if s.heading is not None else None,
                paragraphs=[m(p) for p in s.paragraphs],
                table=table(s.table),
                closing=[m(p) for p in s.closing],
            )
            for s in doc.sections
        ],
        signed_by=m(doc.signed_by),
        cc=m(doc.cc) if doc.cc is not None else None,
        printed=m(doc.printed) if doc.printed is not None else None,
        short_title=m(doc.short_title) if doc.short_title is not None else None,
    )


# ---------------------------------------------------------------------------------------------------------
# .docx
# ---------------------------------------------------------------------------------------------------------


def set_east_asian_font(target: Any, name: str, *, latin: str | None = None) -> None:
    """Set the font of a run or a style for Latin *and* East Asian text.

    python-docx's `font.name` writes only w:ascii and w:hAnsi; Chinese characters use w:eastAsia, which this
    sets too (a missing w:eastAsia makes Word fall back to the theme's East Asian font)."""
    target.font.name = latin or name
    element = target.element if hasattr(target, "type") else target._element  # a style, or a run
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), name)
    # Theme fonts override explicit ones in Word: drop them, as a style copied from a template may carry them.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)


def _run(paragraph: Any, text: str, font: str, size: Any, *, bold: bool = False, color: RGBColor | None = None) -> Any:
    run = paragraph.add_run(text)
    set_east_asian_font(run, font)
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _format(
    paragraph: Any,
    *,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: Any = None,
    line: Any = LINE_SPACING,
    right_indent: Any = None,
) -> None:
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = indent
    fmt.right_indent = right_indent
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.widow_control = False


def _border(paragraph: Any, *sides: str, color: str = "000000", size: int = 8) -> None:
    """A line along the paragraph's edge (w:pBdr); size in eighths of a point."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in sides:
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), str(size))
        edge.set(qn("w:space"), "1")
        edge.set(qn("w:color"), color)
        borders.append(edge)
    # w:pBdr must come before w:spacing/w:ind/w:jc in CT_PPr's sequence.
    anchor = next((c for c in ppr if c.tag in {qn("w:shd"), qn("w:tabs"), qn("w:spacing"), qn("w:ind")}), None)
    if anchor is None:
        anchor = next((c for c in ppr if c.tag == qn("w:jc")), None)
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        ppr.append(borders)


def _page_number(paragraph: Any) -> None:
    """— N — with N a PAGE field, so every page shows its own number."""
    _run(paragraph, "— ", SONGTI, PAGE_NUMBER_SIZE)
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        run = _run(paragraph, "", SONGTI, PAGE_NUMBER_SIZE)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "text":
            run.text = text
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
    _run(paragraph, " —", SONGTI, PAGE_NUMBER_SIZE)


def _setup_page(document: Any) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(15)
    section.footer_distance = Mm(21)  # the page number's line 7 mm below the type area
    # Odd pages: number on the right, one character in; even pages: on the left (GB/T 9704 7.5).
    document.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        paragraph = footer.paragraphs[0]
        _format(paragraph, align=align, line=Pt(20))
        if side == "right":
            paragraph.paragraph_format.right_indent = PAGE_NUMBER_SIZE
        else:
            paragraph.paragraph_format.left_indent = PAGE_NUMBER_SIZE
        _page_number(paragraph)

    normal = document.styles["Normal"]
    set_east_asian_font(normal, FANGSONG)
    normal.font.size = BODY_SIZE


def _width(text: str) -> float:
    """Width in points in the body size: Chinese characters one em, ASCII half of one."""
    return sum(BODY_SIZE.pt / 2 if ch.isascii() else BODY_SIZE.pt for ch in text)


def _issuer_size(issuer: str) -> Any:
    """As large as 小初 (36 pt) allows, and never wider than the type area."""
    fits = TEXT_WIDTH_MM / 25.4 * 72 / max(len(issuer), 1)
    return Pt(min(36.0, int(fits * 2) / 2))


def _paragraph(document: Any, text: str, font: str = FANGSONG, *, indent: bool = True, **kw: Any) -> Any:
    paragraph = document.add_paragraph()
    _format(paragraph, indent=2 * BODY_SIZE if indent else None, **kw)
    _run(paragraph, text, font, BODY_SIZE)
    return paragraph


def _blank(document: Any, line: Any = LINE_SPACING) -> None:
    paragraph = document.add_paragraph()
    _format(paragraph, line=line)


def _line_break() -> Any:
    """A run holding a line break (w:br), placed before the run of the next line."""
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:br"))
    return run


CELL_PADDING_PT = 2 * 5.4 + 2  # Word's default cell margins (0.075 in each side) and a little air


def _text_width(text: str, size: float) -> float:
    """Points `text` takes in `size`: CJK and full-width characters one em, digits and Latin about half."""
    return sum(size if not ch.isascii() else size * 0.55 for ch in text)


def column_widths(table: Table, total: float = TEXT_WIDTH_MM / 25.4 * 72, size: float = TABLE_SIZE.pt) -> list[float]:
    """Widths in points that keep every cell on one line: each column as wide as its widest cell; then as many
    headings as the type area allows on one line (the narrowest shortfall first), the others on two lines of
    half their length (应访/人数, 经费补助/（元）); the room left shared out evenly."""

    def need(texts: Sequence[str]) -> float:
        return max((_text_width(str(t), size) for t in texts), default=0.0) + CELL_PADDING_PT

    columns = [str(c) for c in table.columns]
    cells = [need([row[i] for row in table.rows if i < len(row)]) for i in range(len(columns))]
    two_lines = [need([c[: -(-len(c) // 2)], c[-(-len(c) // 2) :]]) for c in columns]
    widths = [max(cell, half) for cell, half in zip(cells, two_lines, strict=True)]
    for i in sorted(range(len(columns)), key=lambda i: need([columns[i]]) - widths[i]):
        one_line = need([columns[i]])
        if one_line > widths[i] and sum(widths) - widths[i] + one_line <= total:
            widths[i] = one_line
    spare = max(total - sum(widths), 0.0) / max(len(widths), 1)
    return [w + spare for w in widths]


def _table(document: Any, table: Table) -> None:
    if table.caption:
        caption = document.add_paragraph()
        _format(caption, align=WD_ALIGN_PARAGRAPH.CENTER)
        caption.paragraph_format.keep_with_next = True  # the caption never ends a page its table does not start
        _run(caption, table.caption, HEITI, BODY_SIZE)
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    widths = [Pt(w) for w in column_widths(table)]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    for row_index, values in enumerate([table.columns, *table.rows]):
        row = grid.rows[row_index]
        properties = row._tr.get_or_add_trPr()
        cant_split = OxmlElement("w:cantSplit")  # a row stays whole on one page
        properties.append(cant_split)
        if row_index == 0:
            # The header repeats on every page the table runs over.
            header = OxmlElement("w:tblHeader")
            header.set(qn("w:val"), "true")
            properties.append(header)
        for cell, value, width in zip(row.cells, values, widths, strict=False):
            cell.width = width
            paragraph = cell.paragraphs[0]
            _format(paragraph, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(22))
            if row_index == 0 or table.caption:
                # Keep the caption, the header and the first rows together: Word and LibreOffice keep a table
                # with the paragraph before it only when its rows are kept with the next as well.
                paragraph.paragraph_format.keep_with_next = row_index < 2
            text = str(value)
            if row_index == 0 and _text_width(text, TABLE_SIZE.pt) + CELL_PADDING_PT > width.pt:
                # A heading that must take two lines is broken in its middle (应访/人数), not where it overflows.
                half = -(-len(text) // 2)
                _run(paragraph, text[:half], HEITI, TABLE_SIZE, bold=True)._r.addnext(_line_break())
                _run(paragraph, text[half:], HEITI, TABLE_SIZE, bold=True)
            else:
                _run(paragraph, text, HEITI if row_index == 0 else FANGSONG, TABLE_SIZE, bold=row_index == 0)


def to_docx(doc: OfficialDocument) -> bytes:
    """The document as .docx bytes; the same document always gives the same bytes."""
    doc = _masked(doc)
    document = Document()
    _setup_page(document)

    # 版头: issuer in red, the number below it, a red line across the type area.
    head = document.add_paragraph()
    _format(head, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(60))
    _run(head, doc.issuer, XIAOBIAOSONG, _issuer_size(doc.issuer), color=RED)
    _blank(document)
    number = _paragraph(document, doc.doc_number, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _border(number, "bottom", color="FF0000", size=12)
    _blank(document)
    _blank(document)

    title = document.add_paragraph()
    _format(title, align=WD_ALIGN_PARAGRAPH.CENTER, line=TITLE_LINE_SPACING)
    for index, line in enumerate(title_lines(doc.title)):
        run = _run(title, line, XIAOBIAOSONG, TITLE_SIZE)
        if index:
            run._r.addprevious(_line_break())
    _blank(document)

    _paragraph(document, doc.recipients, indent=False)
    for heading, section in _numbered(doc.sections):
        if heading is not None:
            font = HEITI if section.level == 1 else KAITI if section.level == 2 else FANGSONG
            _paragraph(document, heading, font).paragraph_format.keep_with_next = True  # never last on a page
        for text in section.paragraphs:
            _paragraph(document, text)
        if section.table is not None:
            _table(document, section.table)
        for text in section.closing:
            _paragraph(document, text)

    _blank(document)
    _blank(document)
    # 成文日期右空四字; the issuer's name centred over the date (flush right where it is the longer one).
    signed_on = cn_date(doc.signed_on)
    right = 4 * BODY_SIZE.pt
    signer_right = max(0.0, right + (_width(signed_on) - _width(doc.signed_by)) / 2)
    signer = _paragraph(
        document, doc.signed_by, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=Pt(signer_right)
    )
    signer.paragraph_format.keep_with_next = True  # the issuer and the date on one page
    _paragraph(document, signed_on, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent=Pt(right))

    if doc.cc or doc.printed:
        _blank(document)
        _blank(document)
        if doc.cc:
            cc = document.add_paragraph()
            _format(cc, indent=None)
            cc.paragraph_format.left_indent = TABLE_SIZE
            _run(cc, f"抄送：{doc.cc}。".replace("。。", "。"), FANGSONG, TABLE_SIZE)
            _border(cc, "top", size=4)
        if doc.printed:
            printed = document.add_paragraph()
            _format(printed, align=WD_ALIGN_PARAGRAPH.CENTER)
            _run(printed, doc.printed, FANGSONG, TABLE_SIZE)
            _border(printed, "bottom", *(() if doc.cc else ("top",)), size=8)

    props = document.core_properties
    stamp = datetime.combine(doc.signed_on, time(0, 0))
    props.title, props.author, props.last_modified_by = doc.title, doc.issuer, doc.issuer
    props.subject, props.keywords, props.comments = doc.doc_number, "、".join(doc.keywords), ""
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue(), stamp)


def _stable_zip(data: bytes, stamp: datetime) -> bytes:
    """python-docx stamps every zip entry with the current time: restamp them so equal documents are equal."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _html_environment(directory: Path = TEMPLATES_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(directory),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn_date"] = cn_date
    return env


def _css_fonts(font: str) -> Markup:
    """A CSS font-family list; names with spaces quoted, the page's embedded glyphs (tasks.documents.webfonts)
    before the generic family. Our own constants, so marked safe for the template."""
    *names, generic = FONT_STACKS[font]
    embedded = FAMILIES["sans"] if generic == "sans-serif" else FAMILIES["serif"]
    return Markup(", ".join(f"'{name}'" if " " in name else name for name in [*names, embedded, generic]))


def to_html(doc: OfficialDocument) -> str:
    """One self-contained page (inline CSS, no external resource), printable on A4 with the same margins."""
    doc = _masked(doc)
    page = (
        _html_environment()
        .get_template("documents/notice.html.j2")
        .render(
            doc=doc,
            sections=_numbered(doc.sections),
            title_lines=title_lines(doc.title),
            signed_on=cn_date(doc.signed_on),
            fonts={
                "title": _css_fonts(XIAOBIAOSONG),
                "body": _css_fonts(FANGSONG),
                "heiti": _css_fonts(HEITI),
                "kaiti": _css_fonts(KAITI),
                "songti": _css_fonts(SONGTI),
            },
            margins={"top": 37, "bottom": 35, "left": 28, "right": 26},
        )
    )
    return embed_fonts(page, ("serif", "sans"))


# ---------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------

_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s]+')


def _short_title(doc: OfficialDocument) -> str:
    if doc.short_title:
        return doc.short_title
    title = re.sub(r"（第\d+期）$", "", doc.title)
    title = re.sub(r"^关于", "", title)
    return re.sub(r"的(通报|通知|报告|意见|决定)$", r"\1", title)


def notice_file_names(doc: OfficialDocument) -> tuple[str, str]:
    """The .docx and .html file names: 安参保办〔2017〕3号-全民参保登记工作进展情况通报.docx (masked, no path
    separators or spaces)."""
    stem = _UNSAFE_IN_NAMES.sub("_", mask_text(f"{doc.doc_number}-{_short_title(doc)}")).strip("._") or "notice"
    return f"{stem}.docx", f"{stem}.html"


def notice_folder_name(doc: OfficialDocument) -> str:
    """The folder of one notice: its date and number, e.g. 2017-05-05-安参保办〔2017〕1号."""
    number = _UNSAFE_IN_NAMES.sub("_", mask_text(doc.doc_number)).strip("._")
    return f"{doc.signed_on.isoformat()}-{number}" if number else doc.signed_on.isoformat()


def write_notice_files(doc: OfficialDocument, folder: Path) -> list[Path]:
    """Write the .docx and the .html into `folder`; returns their paths.

    Idempotent: a file that already holds the same bytes is left alone; otherwise it is written to a temporary
    file in the same folder and renamed over the old one, so a reader never sees half a document."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    docx_name, html_name = notice_file_names(doc)
    paths = []
    for name, content in ((docx_name, to_docx(doc)), (html_name, to_html(doc).encode("utf-8"))):
        path = folder / name
        paths.append(path)
        try:
            if path.read_bytes() == content:
                continue
        except FileNotFoundError:
            pass
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".canbao-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return paths
