"""Official notices as documents: GB/T 9704 layout in the .docx, the same text in a self-contained HTML page,
no personal data in either, and a PDF that LibreOffice renders with the Chinese text in it."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from pydantic import ValidationError

from models.campaign.spec import Campaign, Notices
from tasks.documents.official import (
    OfficialDocument,
    Section,
    Table,
    document_number,
    heading_label,
    notice_file_names,
    notice_folder_name,
    to_docx,
    to_html,
    write_notice_files,
)
from tasks.documents.ranking_notice import ranking_document
from tasks.identity.masking import find_unmasked
from tasks.messages.survey_reminders import SurveyStanding
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships
from tests.office import docx_to_pdf, pdf_fonts, pdf_text
from tests.services import require_libreoffice

ID = "350524199001011234"
PHONE = "13812345678"
TITLE = "关于全民参保登记工作进展情况的通报"
ISSUER = "安溪县全民参保登记工作领导小组办公室"


def notice(**changes: object) -> OfficialDocument:
    fields: dict[str, object] = {
        "issuer": ISSUER,
        "doc_number": "安参保办〔2017〕3号",
        "title": TITLE,
        "recipients": "各乡镇人民政府，县直有关单位：",
        "sections": [
            Section(None, ["为掌握全民参保登记工作进度，现将截至2017年6月30日各乡镇工作进展情况通报如下。"]),
            Section(
                "入户调查进度",
                [f"凤城镇新安社区居民张某（身份证{ID}，联系电话{PHONE}）经走访已登记参保。"],
                Table(
                    ["名次", "乡镇", "完成率"],
                    [["1", "凤城镇", "98.5%"], ["2", "城厢镇", "97.0%"], ["3", f"福田乡（联系人 {PHONE}）", "80.0%"]],
                    "各乡镇入户调查进度排名",
                ),
                closing=["福田乡入户调查完成率排名靠后，予以通报。"],
            ),
            Section("存在问题", ["部分村信息不一致。"], level=2),
            Section("工作要求", ["各乡镇要对照工作方案时间安排，扎实抓好落实。<script>alert(1)</script>"]),
        ],
        "signed_by": ISSUER,
        "signed_on": date(2017, 6, 30),
        "printed": f"{ISSUER}  2017年6月30日印发",
    }
    fields.update(changes)
    return OfficialDocument(**fields)  # type: ignore[arg-type]


def east_asia(run: object) -> str | None:
    rpr = run._element.rPr  # type: ignore[attr-defined]
    return None if rpr is None or rpr.rFonts is None else rpr.rFonts.get(qn("w:eastAsia"))


def all_docx_text(data: bytes) -> str:
    """Every XML part of the package (body, footers, properties), so nothing escapes the leak check."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = [package.read(name).decode("utf-8") for name in package.namelist() if name.endswith((".xml", ".rels"))]
    return re.sub(r"<[^>]+>", "", "\n".join(parts))


@pytest.mark.parametrize(
    ("pattern", "prefix", "year", "serial", "expected"),
    [
        ("{prefix}〔{year}〕{serial}号", "安参保办", 2017, 3, "安参保办〔2017〕3号"),
        ("{prefix}〔{year}〕{serial}号", "安参保办", 2017, 10, "安参保办〔2017〕10号"),
        ("{prefix}〔{year}〕{serial}号", "安政办", 2017, 37, "安政办〔2017〕37号"),
        ("{prefix}〔{year}〕{serial}号", "安参保办", 2018, 1, "安参保办〔2018〕1号"),
        ("{prefix}通〔{year}〕{serial}号", "安参保办", 2017, 105, "安参保办通〔2017〕105号"),
    ],
)
def test_document_number(pattern: str, prefix: str, year: int, serial: int, expected: str) -> None:
    number = document_number(pattern, prefix=prefix, year=year, serial=serial)
    assert number == expected
    assert not re.search(r"〔\d+〕0", number)  # never zero-padded
    assert "[" not in number and "(" not in number and "（" not in number


def test_document_number_starts_at_one() -> None:
    with pytest.raises(ValueError, match="从 1 开始"):
        document_number("{prefix}〔{year}〕{serial}号", prefix="安参保办", year=2017, serial=0)


def test_a_campaign_file_cannot_name_an_unknown_placeholder() -> None:
    with pytest.raises(ValidationError, match="文号格式"):
        Notices(issuer=ISSUER, doc_prefix="安参保办", doc_number="{prefix}〔{yr}〕{serial}号", templates={})
    assert Notices(issuer=ISSUER, doc_prefix="安参保办", templates={}).doc_number == "{prefix}〔{year}〕{serial}号"


@pytest.mark.parametrize(
    ("level", "number", "label"),
    [
        (1, 1, "一、"),
        (1, 4, "四、"),
        (1, 10, "十、"),
        (1, 12, "十二、"),
        (1, 21, "二十一、"),
        (2, 3, "（三）"),
        (3, 2, "2."),
        (4, 5, "(5)"),
    ],
)
def test_heading_labels(level: int, number: int, label: str) -> None:
    assert heading_label(level, number) == label


def test_docx_page_is_a4_with_the_standards_margins() -> None:
    section = Document(io.BytesIO(to_docx(notice()))).sections[0]
    # .docx stores lengths in twentieths of a point: 210 mm comes back as 210.004 mm
    size = [round(length.mm, 1) for length in (section.page_width, section.page_height)]
    margins = [
        round(m.mm, 1) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ]
    assert size == [210, 297]
    assert margins == [37, 35, 28, 26]


def test_docx_head_title_and_body_use_the_standards_fonts() -> None:
    document = Document(io.BytesIO(to_docx(notice())))
    paragraphs = [p for p in document.paragraphs if p.text]
    head, number, title = paragraphs[:3]
    assert head.text == ISSUER and head.runs[0].font.color.rgb == (0xFF, 0x00, 0x00)
    assert east_asia(head.runs[0]) == "方正小标宋简体"
    assert number.text == "安参保办〔2017〕3号" and number.alignment == 1  # centred
    assert number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "FF0000"  # red line
    assert title.text == TITLE and title.alignment == 1
    assert east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)

    body = [
        p for p in paragraphs if p.text.startswith(("为掌握", "凤城镇新安社区", "福田乡入户", "部分村", "各乡镇要"))
    ]
    assert len(body) == 5
    for paragraph in body:
        assert all("仿宋" in (east_asia(r) or "") and r.font.size == Pt(16) for r in paragraph.runs)
        assert paragraph.paragraph_format.first_line_indent == Pt(32)  # two characters of 16 pt
        assert paragraph.paragraph_format.line_spacing == Pt(28)
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == "仿宋_GB2312"

    headings = {p.text: east_asia(p.runs[0]) for p in paragraphs if p.text.startswith(("一、", "二、", "（一）"))}
    assert headings == {"一、入户调查进度": "黑体", "（一）存在问题": "楷体_GB2312", "二、工作要求": "黑体"}

    signer, signed_on = paragraphs[-3], paragraphs[-2]
    assert (signer.text, signed_on.text) == (ISSUER, "2017年6月30日")
    assert signer.alignment == signed_on.alignment == 2  # right
    assert paragraphs[-1].text == f"{ISSUER}  2017年6月30日印发"


def test_docx_pages_are_numbered_by_a_page_field_in_songti() -> None:
    section = Document(io.BytesIO(to_docx(notice()))).sections[0]
    for footer in (section.footer, section.even_page_footer):
        paragraph = footer.paragraphs[0]
        instructions = [e.text for e in paragraph._p.iter(qn("w:instrText"))]
        assert [i.strip() for i in instructions] == ["PAGE"]
        assert paragraph.text == "— 1 —"
        assert {east_asia(r) for r in paragraph.runs} == {"宋体"} and paragraph.runs[0].font.size == Pt(14)


def test_docx_table_has_borders_a_bold_header_and_every_row() -> None:
    document = Document(io.BytesIO(to_docx(notice())))
    (table,) = document.tables
    assert table.style.name == "Table Grid"
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["名次", "乡镇", "完成率"]
    assert [r[:2] for r in rows[1:]] == [["1", "凤城镇"], ["2", "城厢镇"], ["3", "福田乡（联系人 138****5678）"]]
    assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_no_personal_data_in_the_docx_or_the_html() -> None:
    doc = notice(title=f"{TITLE}{ID}", recipients=f"各乡镇人民政府（咨询{PHONE}）：")
    docx_text, html = all_docx_text(to_docx(doc)), to_html(doc)
    assert ID in doc.sections[1].paragraphs[0] and PHONE in doc.sections[1].paragraphs[0]
    assert find_unmasked(docx_text) == []
    assert find_unmasked(html) == []
    for text in (docx_text, html):
        assert "350524********1234" in text and "138****5678" in text
    assert all(find_unmasked(name) == [] for name in notice_file_names(doc))


def test_html_is_self_contained_escaped_and_in_chinese() -> None:
    html = to_html(notice())
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert html.count("url(") == html.count("url(data:font/otf;base64,") == 2  # only the embedded glyphs
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for text in (
        ISSUER,
        "安参保办〔2017〕3号",
        TITLE,
        "一、入户调查进度",
        "（一）存在问题",
        "福田乡入户调查完成率排名靠后",
    ):
        assert text in html
    assert "@page { size: A4; margin: 37mm 26mm 35mm 28mm; }" in html
    assert "FangSong, 仿宋, 仿宋_GB2312, STFangsong, 'Noto Serif CJK SC', canbao-cjk-serif, serif" in html
    assert html.count("<tr>") == 4


def test_the_same_document_gives_the_same_bytes_and_files_are_written_once(tmp_path: Path) -> None:
    assert to_docx(notice()) == to_docx(notice())
    assert notice_folder_name(notice()) == "2017-06-30-安参保办〔2017〕3号"
    paths = write_notice_files(notice(), tmp_path / "n")
    assert [p.name for p in paths] == [
        "安参保办〔2017〕3号-全民参保登记工作进展情况通报.docx",
        "安参保办〔2017〕3号-全民参保登记工作进展情况通报.html",
    ]
    before = [p.stat().st_mtime_ns for p in paths]
    assert write_notice_files(notice(), tmp_path / "n") == paths
    assert [p.stat().st_mtime_ns for p in paths] == before
    changed = notice(sections=[Section(None, ["更正后的通报内容。"])])
    write_notice_files(changed, tmp_path / "n")
    assert "更正后的通报内容" in paths[1].read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "n").iterdir()) == sorted(p.name for p in paths)  # no temp files


def test_the_ranking_document_carries_the_ranking_and_the_bottom_townships(campaign: Campaign) -> None:
    as_of = date(2017, 5, 5)
    standings = rank_townships(campaign, milestone_statuses(campaign, [], as_of), as_of)
    doc = ranking_document(campaign, standings, as_of)
    assert doc.doc_number == "安参保办〔2017〕1号" and doc.signed_on == as_of and doc.issuer == campaign.notices.issuer
    document = Document(io.BytesIO(to_docx(doc)))
    (table,) = document.tables
    assert len(table.rows) == 1 + len(campaign.townships)
    assert {row.cells[1].text for row in table.rows[1:]} == {t.name for t in campaign.townships}
    texts = [p.text for p in document.paragraphs]
    assert "一、总体情况" in texts and "二、各乡镇排名" in texts and "三、进度靠后乡镇" in texts
    assert "四、工作要求" in texts


def test_the_ranking_document_during_the_survey_ranks_on_completion(campaign: Campaign) -> None:
    as_of = date(2017, 6, 2)
    standings = rank_townships(campaign, milestone_statuses(campaign, [], as_of), as_of)
    survey = [
        SurveyStanding(
            t.code,
            t.name,
            100,
            100 - 3 * i,
            i,
            (100 - 3 * i) / 100,
            0.6,
            "2017-06-12" if i == 0 else None,
            i > 20,
            i + 1,
        )
        for i, t in enumerate(campaign.townships)
    ]
    doc = ranking_document(campaign, standings, as_of, survey)
    document = Document(io.BytesIO(to_docx(doc)))
    survey_table, nodes_table = document.tables
    assert [c.text for c in survey_table.rows[0].cells] == [
        "名次",
        "乡镇",
        "应访人数",
        "已访人数",
        "完成率",
        "预计完成",
    ]
    assert survey_table.rows[1].cells[1].text == campaign.townships[0].name
    assert survey_table.rows[1].cells[5].text == "2017年6月12日"  # a projection may fall in another year: dated whole
    assert survey_table.rows[-1].cells[5].text == "—（滞后）"
    assert len(nodes_table.rows) == 1 + len(campaign.townships)
    texts = [p.text for p in document.paragraphs]
    assert "一、入户调查进度" in texts and "二、工作任务完成情况" in texts
    # One list of the bottom townships, named once: the last on survey completion behind 序时进度.
    (named,) = [t for t in texts if "排名靠后" in t]
    last = [t.name for t in campaign.townships[-3:]]
    assert named.startswith("、".join(last) + "等3个乡镇入户调查完成率排名靠后且低于序时进度，予以通报。")
    assert "于2017年6月9日前将整改情况书面报送" in named  # a rectification demanded with its deadline


def test_libreoffice_renders_the_notice_to_pdf_with_the_chinese_text(tmp_path: Path) -> None:
    require_libreoffice()
    (docx_path, _html) = write_notice_files(notice(), tmp_path / "notice")
    pdf = docx_to_pdf(docx_path, tmp_path / "pdf")
    text = pdf_text(pdf)
    flat = re.sub(r"\s+", "", text)  # justified lines come back with spaces between the characters
    assert TITLE in flat and ISSUER in flat and "安参保办〔2017〕3号" in flat
    assert "经走访已登记参保" in flat and "各乡镇要对照工作方案时间安排" in flat and "凤城镇" in flat
    assert "350524********1234" in flat and "138****5678" in flat
    assert find_unmasked(text) == [] and find_unmasked(flat) == []
    assert "—1—" in flat
    # The Chinese is set in a CJK font, not in boxes of a Latin font's missing glyphs.
    assert any(re.search(r"CJK|SimHei|SourceHan", name) for name in pdf_fonts(pdf))
