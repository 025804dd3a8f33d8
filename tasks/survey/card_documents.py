"""The investigator cards of a village printed as a .docx (A4, opens in Word and WPS): eight cards a page, two
across, each with the card's title, the holder's name, the village, the number, the survey's period and the
issuing office, to be cut out, sealed and laminated. The typesetting helpers are the household form's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from models.campaign.spec import Campaign
from tasks.survey.cards import Card
from tasks.survey.household_form import TITLE_FONT, _base_font, _run
from tasks.wording.render import cn_date

CARD_WIDTH_MM, CARD_HEIGHT_MM = 87, 62  # two across and four down fit A4 within 18 mm margins
PER_ROW = 2


@dataclass(frozen=True)
class CardFace:
    """What a printed card says, from the campaign file."""

    title: str  # 安溪县全民参保登记入户调查证
    issuer: str
    valid_from: date
    valid_until: date

    @classmethod
    def of(cls, campaign: Campaign) -> CardFace:
        settings = campaign.survey.cards
        start, deadline = campaign.survey_window()
        return cls(
            title=campaign.county.name + settings.title,
            issuer=settings.issuer or campaign.notices.issuer,
            valid_from=settings.valid_from or start,
            valid_until=settings.valid_until or deadline,
        )


def card_lines(face: CardFace, card: Card, place: str) -> list[tuple[str, str]]:
    """The card's labelled lines, in print order."""
    return [
        ("姓　　名", card.holder),
        ("村（社区）", place),
        ("证　　号", card.number),
        ("有 效 期", f"{cn_date(face.valid_from)}至{cn_date(face.valid_until)}"),
        ("发证单位", face.issuer),
        ("发证日期", cn_date(card.issued_on)),
    ]


def cards_document(face: CardFace, cards: Sequence[Card], places: dict[str, str]) -> Any:
    """The document: the cards in a borderless grid, each card framed."""
    document = Document()
    _base_font(document)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin = section.bottom_margin = Mm(18)
    rows = (len(cards) + PER_ROW - 1) // PER_ROW
    table = document.add_table(rows=rows, cols=PER_ROW)
    table.style = "Table Grid"  # the grid is the cutting line
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for index, row in enumerate(table.rows):
        row.height = Mm(CARD_HEIGHT_MM)
        row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
        for column, cell in enumerate(row.cells):
            cell.width = Mm(CARD_WIDTH_MM)
            position = index * PER_ROW + column
            if position < len(cards):
                _card(cell, face, cards[position], places.get(cards[position].village_code, ""))
    return document


def _card(cell: Any, face: CardFace, card: Card, place: str) -> None:
    title = cell.paragraphs[0]
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(6)
    title.paragraph_format.space_after = Pt(6)
    _run(title, face.title, size=12, bold=True, font=TITLE_FONT)
    for label, value in card_lines(face, card, place):
        paragraph = cell.add_paragraph()
        paragraph.paragraph_format.left_indent = Mm(4)
        paragraph.paragraph_format.space_after = Pt(2)
        _run(paragraph, f"{label}：", size=10, bold=True)
        _run(paragraph, value, size=9 if len(value) > 16 else 10)  # the office's long name on one line
    seal = cell.add_paragraph()
    seal.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    seal.paragraph_format.right_indent = Mm(6)
    _run(seal, "（盖章）", size=10)


def write_cards(face: CardFace, cards: Sequence[Card], places: dict[str, str], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cards_document(face, cards, places).save(str(path))
    return path
