"""The investigator cards' rules (pure): validity on a day, the same number again, a visit's worker."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from models.campaign.spec import Campaign
from tasks.survey.card_documents import CardFace, write_cards
from tasks.survey.cards import Card, card_number, check_card, compare_cards, uncarded_visits, visit_standing

XINAN, DATONG = "350524100001", "350524100002"
CARD = Card("AX1", "王小明", "350524100", XINAN, date(2017, 4, 28), date(2017, 5, 10))


@pytest.mark.parametrize(
    ("day", "valid"),
    [(date(2017, 4, 27), False), (date(2017, 4, 28), True), (date(2017, 5, 9), True), (date(2017, 5, 10), False)],
)
def test_a_card_is_valid_from_its_issue_to_the_day_before_it_is_revoked(day: date, valid: bool) -> None:
    assert CARD.valid_on(day) is valid


def test_numbers_compare_whatever_their_width_case_and_spaces() -> None:
    assert card_number(" ａｘ 1０0-001 ") == "AX100-001"


def test_the_same_number_again(campaign: Campaign) -> None:
    open_card = replace(CARD, revoked_on=None)
    assert compare_cards(open_card, open_card) == "same"
    assert compare_cards(open_card, CARD) == "revokes"
    assert "已于2017年5月10日收回" in compare_cards(CARD, replace(CARD, revoked_on=date(2017, 5, 11)))
    assert "已于2017年4月28日发给王小明" in compare_cards(open_card, replace(open_card, holder="李红"))
    assert "不能再发给他人或改动" in compare_cards(open_card, replace(open_card, issued_on=date(2017, 4, 29)))


def test_a_card_needs_its_values(campaign: Campaign) -> None:
    card, reasons = check_card(campaign, {"number": "ax1", "holder": "王 小明", "village": "凤城镇/新安社区",
                                          "issued_on": date(2017, 4, 28)}, recorded_on=date(2017, 5, 1))  # fmt: skip
    assert reasons == [] and card is not None
    assert (card.number, card.holder, card.township_code, card.village_code) == ("AX1", "王小明", "350524100", XINAN)
    card, reasons = check_card(campaign, {"number": "", "holder": "", "village": "", "issued_on": None},
                               recorded_on=date(2017, 5, 1))  # fmt: skip
    assert card is None
    assert reasons == ["缺少必填项：证号", "缺少必填项：持证人", "缺少必填项：村（社区）", "缺少必填项：发证日期"]


def test_a_visits_worker_and_the_cards_of_its_village() -> None:
    cards = [CARD, Card("AX2", "李红", "350524100", XINAN, date(2017, 5, 20))]
    assert visit_standing(cards, "王 小明", XINAN, date(2017, 5, 1)) == "valid"
    assert visit_standing(cards, "王小明", XINAN, date(2017, 5, 10)) == "revoked"
    assert visit_standing(cards, "李红", XINAN, date(2017, 5, 19)) == "revoked"  # not issued yet
    assert visit_standing(cards, "王小明", DATONG, date(2017, 5, 1)) == "unknown"
    assert visit_standing(cards, " ", XINAN, date(2017, 5, 1)) == "blank"
    visits = [
        {"township_code": "350524100", "village_code": XINAN, "visitor": "王小明", "visited_on": date(2017, 5, d)}
        for d in (1, 11, 12)
    ]
    flagged = uncarded_visits(cards, visits)
    assert [(f.visitor, f.standing, f.visits, f.first, f.last) for f in flagged] == [
        ("王小明", "revoked", 2, date(2017, 5, 11), date(2017, 5, 12))
    ]


def test_a_visit_that_names_its_card_is_judged_by_that_card() -> None:
    cards = [
        CARD,
        Card("AX2", "李红", "350524100", XINAN, date(2017, 5, 20)),
        Card("BX1", "周平", "350524100", DATONG, date(2017, 4, 28)),
    ]
    assert visit_standing(cards, "李红", XINAN, date(2017, 5, 1), "ａｘ1") == "valid"  # the card, not the name
    assert visit_standing(cards, "王小明", XINAN, date(2017, 5, 10), "AX1") == "revoked"
    assert visit_standing(cards, "李红", XINAN, date(2017, 5, 19), "AX2") == "revoked"  # not issued yet
    assert visit_standing(cards, "王小明", XINAN, date(2017, 5, 1), "AX9") == "unknown"  # not in the register
    assert visit_standing(cards, "周平", XINAN, date(2017, 5, 1), "BX1") == "unknown"  # another village's card
    assert visit_standing(cards, "", XINAN, date(2017, 5, 1), "AX1") == "valid"  # no name needed with a card
    assert visit_standing(cards, "王小明", XINAN, date(2017, 5, 1), " ") == "valid"  # blank: by the name
    visits = [
        {"township_code": "350524100", "village_code": XINAN, "visitor": "王小明", "visited_on": date(2017, 5, 1),
         "card_number": number}
        for number in ("AX1", "AX9", "AX9", "")
    ]  # fmt: skip
    assert [(f.visitor, f.card_number, f.standing, f.visits) for f in uncarded_visits(cards, visits)] == [
        ("王小明", "AX9", "unknown", 2)
    ]


def test_the_township_follows_up_visits_under_a_revoked_or_unknown_card() -> None:
    from models.campaign.values import VisitRecord
    from tasks.survey.cards import card_follow_ups

    def visit(id_number: str, visitor: str, number: str, day: int) -> VisitRecord:
        return VisitRecord(
            id_number, "350524100", XINAN, "registered", date(2017, 5, day), date(2017, 5, 31), "file", visitor,
            card_number=number,
        )  # fmt: skip

    visits = [visit("a", "王小明", "AX1", 1), visit("b", "王小明", "AX1", 11), visit("c", "李红", "AX9", 2),
              visit("d", "", "", 2), visit("e", "赵六", "", 3)]  # fmt: skip
    lists = card_follow_ups([CARD], visits, {"b": {"name": "某某"}})
    assert [(r["id_number"], r["name"], r["finding"]) for r in lists["350524100"]] == [
        ("c", "", "入户调查证AX9不在本村（社区）入户调查证登记中"),
        ("e", "", "走访人员未持本村（社区）入户调查证"),
        ("b", "某某", "走访时入户调查证AX1已收回或未生效"),
    ]


def test_the_printed_face_comes_from_the_campaign_file(campaign: Campaign) -> None:
    face = CardFace.of(campaign)
    assert face.title == "安溪县全民参保登记入户调查证"
    assert face.issuer == campaign.notices.issuer
    assert (face.valid_from, face.valid_until) == campaign.survey_window()
    cards = campaign.survey.cards.model_copy(
        update={"issuer": "安溪县人力资源和社会保障局", "valid_until": date(2017, 7, 15)}
    )
    changed = campaign.model_copy(update={"survey": campaign.survey.model_copy(update={"cards": cards})})
    assert CardFace.of(changed).issuer == "安溪县人力资源和社会保障局"
    assert CardFace.of(changed).valid_until == date(2017, 7, 15)


def test_eight_cards_print_on_one_a4_page_through_libreoffice(campaign: Campaign, tmp_path: Path) -> None:
    from tests.office import docx_to_pdf, pdf_text
    from tests.services import require_libreoffice

    require_libreoffice()
    cards = [Card(f"AX{n}", f"村干部{n}", "350524100", XINAN, date(2017, 4, 28)) for n in range(1, 10)]
    path = write_cards(CardFace.of(campaign), cards, {XINAN: "凤城镇新安社区"}, tmp_path / "cards.docx")
    pdf = docx_to_pdf(path, tmp_path / "pdf")
    pages = pdf_text(pdf).split("\f")
    assert pages[0].count("安溪县全民参保登记入户调查证") == 8
    assert "AX9" in pages[1] and "AX9" not in pages[0]  # the ninth card on the second page
    assert "发证单位：安溪县全民参保登记工作领导小组办公室\n" in pages[0]  # on one line
