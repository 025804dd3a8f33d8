"""The investigator cards (入户调查证, 四（一）): checking a card to record, reading a register workbook, and whether
a visit's worker held a valid card for the village on the visit's day. Pure: text and values in, rows out.

Decisions:

* A card has a number (证号, compared after NFKC, without spaces, upper-case), a holder, a village (code, name or
  乡镇名/村名), the day it was issued and, once returned or revoked (收回、作废), that day: it is valid from the
  day issued up to the day before it was revoked.
* Refused, with the reason in Chinese: a missing number, holder, village or 发证日期; a village that does not
  exist; a date that cannot be read; a card issued after the day it is recorded, or revoked before it was issued
  or after the day it is recorded; a number already issued to another holder or village, or on another day (a
  card is never reissued: revoke it and issue a new number). The same card again is a duplicate; the same card
  with a 收回日期 added revokes it.
* A visit that names its card (a returned list's 入户调查证号, or the card of the web link it came through) is
  judged by that card: `valid` when it is a card of the visit's village valid on the visit's day, `revoked` when
  it was revoked by then or not yet issued, `unknown` when the number is not in the register or is a card of
  another village. The card's holder is not compared with the 走访人 written: the card is what the worker showed.
* A visit without a card number: its worker is matched by name to the cards of the visit's village: `valid`
  when one of them was valid on the visit's day, `revoked` when the worker's cards there were all issued later
  or revoked by then, `unknown` when the worker holds no card for that village, `blank` when the visit names no
  worker. Only the worker's name, the card number and the village are shown, never the visited person.
* The township is told of every visit under a revoked or unknown card, in its follow-up list (入户调查跟进名单).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from models.campaign.spec import Campaign
from models.campaign.values import VisitRecord
from tasks.survey.places import UnknownVillage, resolve_village
from tasks.wording.render import cn_date

REQUIRED = ("number", "holder", "village", "issued_on")
DATE_FIELDS = ("issued_on", "revoked_on")
LABELS = {
    "number": "证号",
    "holder": "持证人",
    "village": "村（社区）",
    "issued_on": "发证日期",
    "revoked_on": "收回日期",
    "revoked_note": "收回原因",
}
Standing = Literal["valid", "revoked", "unknown", "blank"]
STANDING_NAMES = {"valid": "持证", "revoked": "证已收回或未生效", "unknown": "无证", "blank": "未填走访人"}


class CardError(ValueError):
    """A card cannot be recorded, revoked or printed as asked; the message says why, in Chinese."""


@dataclass(frozen=True)
class Card:
    number: str
    holder: str
    township_code: str
    village_code: str
    issued_on: date
    revoked_on: date | None = None
    revoked_note: str = ""
    file: str = ""
    sheet: str = ""
    row: int = 0

    @property
    def where(self) -> str:
        sheet = f"工作表“{self.sheet}”" if self.sheet else ""
        return f"{self.file}{sheet}第 {self.row} 行" if self.file else "此前登记"

    def valid_on(self, day: date) -> bool:
        return self.issued_on <= day and (self.revoked_on is None or day < self.revoked_on)


def card_number(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def holder_name(text: str) -> str:
    """A name as compared: NFKC, without spaces (王 小明 is 王小明)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def check_card(
    campaign: Campaign, values: Mapping[str, Any], *, recorded_on: date, file: str = "", sheet: str = "", row: int = 0
) -> tuple[Card | None, list[str]]:
    """A card from its values (dates as dates, None when blank or unreadable with the text under `<name>_text`;
    the others as text), or the reasons it is refused."""
    reasons = [f"缺少必填项：{LABELS[n]}" for n in REQUIRED if not values.get(n) and not values.get(f"{n}_text")]
    for name in DATE_FIELDS:
        if values.get(name) is None and values.get(f"{name}_text"):
            reasons.append(f"{LABELS[name]}无法识别：{values[f'{name}_text']}")
    village = ""
    if values.get("village"):
        try:
            village = resolve_village(campaign, str(values["village"]))
        except UnknownVillage as exc:
            reasons.append(str(exc))
    issued: date | None = values.get("issued_on")
    revoked: date | None = values.get("revoked_on")
    if issued is not None and issued > recorded_on:
        reasons.append(f"发证日期{cn_date(issued)}晚于登记日期{cn_date(recorded_on)}")
    if revoked is not None and issued is not None and revoked < issued:
        reasons.append(f"收回日期{cn_date(revoked)}早于发证日期{cn_date(issued)}")
    if revoked is not None and revoked > recorded_on:
        reasons.append(f"收回日期{cn_date(revoked)}晚于登记日期{cn_date(recorded_on)}")
    if reasons or not village or issued is None:
        return None, reasons
    township = next(t.code for t in campaign.townships if any(v.code == village for v in t.villages))
    card = Card(
        number=card_number(str(values["number"])),
        holder=holder_name(str(values["holder"])),
        township_code=township,
        village_code=village,
        issued_on=issued,
        revoked_on=revoked,
        revoked_note=str(values.get("revoked_note") or "").strip(),
        file=file,
        sheet=sheet,
        row=row,
    )
    return card, []


def compare_cards(earlier: Card, later: Card) -> Literal["same", "revokes"] | str:
    """`later`, with the number of `earlier`: the same card ("same"), the same card now revoked ("revokes"), or
    the reason it is refused."""
    if (earlier.holder, earlier.village_code, earlier.issued_on) != (later.holder, later.village_code, later.issued_on):
        return (
            f"证号{later.number}已于{cn_date(earlier.issued_on)}发给{earlier.holder}（{earlier.where}），"
            "不能再发给他人或改动：请收回后另发新证号"
        )
    if later.revoked_on is None or later.revoked_on == earlier.revoked_on:
        return "same"
    if earlier.revoked_on is not None:
        return f"证号{later.number}已于{cn_date(earlier.revoked_on)}收回"
    return "revokes"


# -- reading a register workbook -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RefusedCard:
    file: str
    sheet: str
    row: int
    reason: str
    cells: dict[str, str]


@dataclass
class CardsRead:
    files: list[str]
    rows_read: int
    accepted: list[Card]
    refused: list[RefusedCard]
    duplicates: int
    labels: dict[str, str]


def read_cards(campaign: Campaign, files: Sequence[Path], *, recorded_on: date) -> CardsRead:
    """Cards and refused rows from register workbooks (.xlsx, .xls, .csv) headed by `[survey.cards] columns`."""
    columns = campaign.survey.cards.columns
    accepted: list[Card] = []
    refused: list[RefusedCard] = []
    first: dict[str, Card] = {}
    duplicates = rows_read = 0
    for file, sheet, row, cells in _rows(files, columns):
        rows_read += 1
        values: dict[str, Any] = dict(cells)
        for name in DATE_FIELDS:
            text = cells.get(name, "")
            values[name] = parse_day(text) if text else None
            values[f"{name}_text"] = text
        card, reasons = check_card(campaign, values, recorded_on=recorded_on, file=file, sheet=sheet, row=row)
        if card is None:
            refused.append(RefusedCard(file, sheet, row, "；".join(reasons), cells))
            continue
        earlier = first.get(card.number)
        if earlier is None:
            first[card.number] = card
            accepted.append(card)
            continue
        verdict = compare_cards(earlier, card)
        if verdict == "same":
            duplicates += 1
        elif verdict == "revokes":
            accepted[accepted.index(earlier)] = first[card.number] = card
            duplicates += 1
        else:
            refused.append(RefusedCard(file, sheet, row, verdict, cells))
    labels = {name: synonyms[0] for name, synonyms in columns.items()}
    return CardsRead([str(f) for f in files], rows_read, accepted, refused, duplicates, labels)


def parse_day(text: str) -> date | None:
    """A date as registers write it (2017-05-01, 2017/5/1, 2017.5.1, 20170501, 2017年5月1日), else None."""
    import pyarrow as pa

    from tasks.intake.ingest import _parse_dates

    compact = "".join(text.split())
    parsed = _parse_dates(pa.array([compact], type=pa.large_string()))
    if not compact or parsed.bad[0] or parsed.month_only[0]:
        return None
    day: date = parsed.days[0].astype(object)
    return day


def _rows(files: Sequence[Path], columns: dict[str, list[str]]) -> Iterable[tuple[str, str, int, dict[str, str]]]:
    """Each data row's file, sheet, row number and cells by field: the header found below title rows as the
    department importer finds it; blank rows, repeated headers and note rows (制表人、备注 …) are not data."""
    from models.campaign.spec import Source
    from tasks.intake.ingest import IngestError, _Headers, _is_note, _read_file

    layout = Source(
        key="cards", name="入户调查证", department="survey", due=date.max, role="register", columns=columns,
        required=list(REQUIRED),
    )  # fmt: skip
    headers = _Headers(layout)
    for path in files:
        if not path.is_file():
            raise IngestError(f"找不到文件：{path}")
        for table in _read_file(path, headers):
            cells = {f: table.columns[j].to_pylist() for f, j in table.mapping.items()}
            for i, number in enumerate(table.rows):
                values = {f: str(v[i] or "").strip() for f, v in cells.items()}
                if not any(values.values()):
                    continue
                if sum(headers.field_of(v) == f for f, v in values.items() if v) >= 2:
                    continue  # the header repeated
                quiet = not any(values.get(f) for f in ("holder", "village", "issued_on"))
                if quiet and any(_is_note(c) for c in table.row_cells([i])[0]):
                    continue  # 制表人：…, 备注：…
                yield table.file, table.sheet, int(number), values


def write_card_rejects(result: CardsRead, path: Path) -> Path:
    from tasks.intake.rejects import Listing, write_rejects

    names = list(result.labels)
    headings = [result.labels[n] for n in names]
    rows: list[list[str | int]] = [
        [r.file, r.sheet, r.row, r.reason, *(r.cells.get(n, "") for n in names)] for r in result.refused
    ]
    return write_rejects(
        path,
        Listing(f"入户调查证登记退回明细（共 {len(rows)} 条，请更正后重新导入）", headings, rows),
        Listing("入户调查证需核实的记录（共 0 条）", headings, []),
    )


# -- visits and cards ----------------------------------------------------------------------------------------


def visit_standing(cards: Sequence[Card], visitor: str, village: str, visited_on: date, number: str = "") -> Standing:
    """Whether a visit was made under a valid card for the village on the day: the card it names, else the cards
    its worker holds (see the module docstring)."""
    if card_number(number):
        return card_standing(cards, card_number(number), village, visited_on)
    name = holder_name(visitor)
    if not name:
        return "blank"
    held = [c for c in cards if c.village_code == village and c.holder == name]
    if not held:
        return "unknown"
    return "valid" if any(c.valid_on(visited_on) for c in held) else "revoked"


def card_standing(cards: Sequence[Card], number: str, village: str, visited_on: date) -> Standing:
    """The standing of a visit made under card `number` (normalised) in `village` on the day."""
    card = next((c for c in cards if c.number == number), None)
    if card is None or card.village_code != village:
        return "unknown"
    return "valid" if card.valid_on(visited_on) else "revoked"


@dataclass(frozen=True)
class UncardedVisits:
    """The visits of one worker in one village (under one card number, "" for none) made without a valid card."""

    township_code: str
    village_code: str
    visitor: str
    standing: Standing
    visits: int
    first: date
    last: date
    card_number: str = ""


def uncarded_visits(cards: Sequence[Card], visits: Iterable[Mapping[str, Any]]) -> list[UncardedVisits]:
    """Per township, village, worker, card number and standing, the visits made without a valid card. `visits`:
    records with township_code, village_code, visitor, visited_on and (optional) card_number."""
    groups: dict[tuple[str, str, str, str, str], list[date]] = {}
    for v in visits:
        day = _day(v["visited_on"])
        number = card_number(str(v.get("card_number") or ""))
        standing = visit_standing(cards, str(v.get("visitor") or ""), str(v["village_code"]), day, number)
        if standing == "valid":
            continue
        visitor = holder_name(str(v.get("visitor") or ""))
        groups.setdefault((str(v["township_code"]), str(v["village_code"]), visitor, number, standing), []).append(day)
    return [
        UncardedVisits(t, village, visitor, standing, len(days), min(days), max(days), number)  # type: ignore[arg-type]
        for (t, village, visitor, number, standing), days in sorted(groups.items())
    ]


def card_follow_ups(
    cards: Sequence[Card], visits: Iterable[VisitRecord], registry: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[dict[str, str]]]:
    """Per township code, the visits made under a revoked or unknown card, as rows of its follow-up list
    (入户调查跟进名单). A visit without a card number and without a worker's name is left to `cards check`."""
    lists: dict[str, list[dict[str, str]]] = {}
    for visit in sorted(visits, key=lambda v: (v.visited_on, v.id_number)):
        standing = visit_standing(cards, visit.visitor, visit.village_code, visit.visited_on, visit.card_number)
        if standing not in ("revoked", "unknown"):
            continue
        person = registry.get(visit.id_number, {})
        lists.setdefault(visit.township_code, []).append(
            {
                "id_number": visit.id_number,
                "name": str(person.get("name", "")),
                "village_code": visit.village_code,
                "finding": _card_finding(standing, visit.card_number),
                "action": "请你镇（乡）核实该次走访，未持有效入户调查证的须由持证人员重新入户调查",
                "reason": visit.reason,
                "visited_on": visit.visited_on.isoformat(),
                "visitor": visit.visitor,
            }
        )
    return lists


def _card_finding(standing: Standing, number: str) -> str:
    card = f"入户调查证{number}" if number else "入户调查证"
    if standing == "revoked":
        return f"走访时{card}已收回或未生效"
    return f"{card}不在本村（社区）入户调查证登记中" if number else "走访人员未持本村（社区）入户调查证"


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value.date() if hasattr(value, "date") and callable(value.date) else value
    return date.fromisoformat(str(value)[:10])
