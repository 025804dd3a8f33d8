"""The final notice as LibreOffice prints it (A4 PDF, read back page by page with pdftotext -layout): the title
broken between words with no character alone on a line, every heading and table caption on the page of what
follows it, every amount and number of the ranking on one line, the issuer and the date on one page."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from models.campaign.spec import Campaign
from tasks.documents.final_notice import final_document
from tasks.documents.official import OfficialDocument, Table, column_widths, title_lines, write_notice_files
from tasks.scoring.scores import TownshipFacts, score_townships
from tasks.wording.glossary import yuan
from tests.office import docx_to_pdf
from tests.services import require_libreoffice, unavailable


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        ("关于全民参保登记工作进展情况的通报", ["关于全民参保登记工作进展情况的通报"]),
        ("关于全民参保登记入户调查工作完成情况的通报", ["关于全民参保登记入户调查", "工作完成情况的通报"]),
        (
            "安溪县全民参保登记工作总结暨提升社会保险服务质量的报告",
            ["安溪县全民参保登记工作总结", "暨提升社会保险服务质量的报告"],
        ),
    ],
)
def test_titles_break_between_words(title: str, lines: list[str]) -> None:
    assert title_lines(title) == lines
    assert all(len(line) > 1 for line in title_lines(title))


def test_columns_are_as_wide_as_their_numbers() -> None:
    table = Table(["名次", "乡镇", "经费补助（元）"], [["1", "凤城镇", "50,000"], ["24", "福田乡", "0"]])
    widths = column_widths(table, total=200.0)
    assert widths[2] >= 6 * 14 * 0.55 and sum(widths) == pytest.approx(200.0)


def _pages(pdf: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        unavailable("pdftotext 未安装 / poppler's pdftotext is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, timeout=60
    ).stdout.decode("utf-8")
    return text.split("\f")


@pytest.fixture(scope="module")
def printed(campaign: Campaign, tmp_path_factory: pytest.TempPathFactory) -> tuple[OfficialDocument, list[str]]:
    require_libreoffice()
    towns = campaign.townships
    facts = [TownshipFacts(t.code, t.name, 1000 + 37 * i, 1000 + 37 * i, 1.0, 0.1, 10, 20.0)
             for i, t in enumerate(towns[:-2])]  # fmt: skip
    facts += [TownshipFacts(t.code, t.name, 1000, 800, 0.5, 0.0) for t in towns[-2:]]
    scores = score_townships(facts, campaign.scoring, final=True, survey_days=60)
    doc = final_document(campaign, facts, scores, date(2017, 7, 3))
    work = tmp_path_factory.mktemp("print")
    docx, _html = write_notice_files(doc, work / "notice")
    return doc, _pages(docx_to_pdf(docx, work / "pdf"))


def test_the_printed_title_has_no_character_alone_on_a_line(printed: tuple[OfficialDocument, list[str]]) -> None:
    _doc, pages = printed
    lines = [line.strip() for line in pages[0].splitlines() if line.strip()]
    assert "关于全民参保登记入户调查" in lines and "工作完成情况的通报" in lines
    assert not [line for line in lines if re.fullmatch(r"[\u4e00-\u9fff]", line)]


def test_the_caption_and_its_heading_print_on_the_page_of_the_table(
    printed: tuple[OfficialDocument, list[str]],
) -> None:
    doc, pages = printed
    (table,) = [s.table for s in doc.sections if s.table is not None]
    assert table.caption
    (page,) = [p for p in pages if table.caption in re.sub(r"[ \t]+", "", p)]
    assert "名次" in page and "绩效评分及排名" in page and table.rows[0][1] in page


def test_every_number_of_the_ranking_prints_on_one_line(printed: tuple[OfficialDocument, list[str]]) -> None:
    doc, pages = printed
    (table,) = [s.table for s in doc.sections if s.table is not None]
    lines = [line for page in pages for line in page.splitlines()]
    for row in table.rows:
        (line,) = [line for line in lines if re.search(rf"\s{row[1]}\s", line)]
        assert line.split()[-5:] == row[2:], row  # 应访, 已访, 完成率, 得分, 补助 whole, on the township's line
    assert any(yuan(50000 * 0.975) in line for line in lines)


def test_the_issuer_and_the_date_print_on_one_page(printed: tuple[OfficialDocument, list[str]]) -> None:
    doc, pages = printed
    signed = []
    for page in pages:
        lines = [re.sub(r"\s+", "", line) for line in page.splitlines() if line.strip()]
        signed += [i for i, line in enumerate(lines[:-1]) if line == doc.issuer and lines[i + 1] == "2017年7月3日"]
    assert len(signed) == 1
