"""The register of investigator cards (`canbao survey cards …`): import, issue, revoke, list, print a village's
cards, and the visits made without a valid card. Load, let tasks.survey.cards decide, save."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from models.campaign.spec import Campaign
from models.survey import cards as db
from tasks.survey.card_documents import CardFace, write_cards
from tasks.survey.cards import (
    STANDING_NAMES,
    Card,
    CardError,
    check_card,
    compare_cards,
    read_cards,
    uncarded_visits,
    write_card_rejects,
)
from tasks.survey.places import UnknownVillage, resolve_village
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in

IMPORT_FIELDS = ("files", "rows_read", "recorded", "revoked", "rejected", "duplicates", "rejects_file")


def _stored(row: db.InvestigatorCard) -> Card:
    return Card(
        number=row.number, holder=row.holder, township_code=row.township_code, village_code=row.village_code,
        issued_on=row.issued_on, revoked_on=row.revoked_on, revoked_note=row.revoked_note, file=row.source_file,
        sheet=row.source_sheet, row=row.source_row,
    )  # fmt: skip


def stored_cards(ws: Workspace) -> list[Card]:
    campaign_id, _campaign = ws.campaign()
    with ws.session() as session:
        return [_stored(row) for row in db.cards(session, campaign_id=campaign_id)]


def _save(ws: Workspace, cards: Sequence[Card]) -> tuple[int, int, int, list[tuple[Card, str]]]:
    """New cards recorded, revocations, duplicates, and the cards that contradict the register (not saved)."""
    campaign_id, _campaign = ws.campaign()
    recorded = revoked = duplicates = 0
    refused: list[tuple[Card, str]] = []
    with ws.session() as session:
        for card in cards:
            known = db.card(session, campaign_id=campaign_id, number=card.number)
            if known is None:
                db.add_card(
                    session,
                    db.InvestigatorCard(
                        campaign_id=campaign_id, number=card.number, holder=card.holder,
                        township_code=card.township_code, village_code=card.village_code, issued_on=card.issued_on,
                        revoked_on=card.revoked_on, revoked_note=card.revoked_note, source_file=card.file,
                        source_sheet=card.sheet, source_row=card.row,
                    ),
                )  # fmt: skip
                recorded += 1
                continue
            verdict = compare_cards(_stored(known), card)
            if verdict == "same":
                duplicates += 1
            elif verdict == "revokes":
                assert card.revoked_on is not None
                db.revoke_card(
                    session, campaign_id=campaign_id, number=card.number, revoked_on=card.revoked_on,
                    note=card.revoked_note,
                )  # fmt: skip
                revoked += 1
            else:
                refused.append((card, verdict))
    return recorded, revoked, duplicates, refused


def import_cards(ws: Workspace, files: Sequence[Path], recorded_on: date | None = None) -> dict[str, Any]:
    """Register workbooks: good rows recorded, refused ones in a rejects workbook (written before anything is
    saved, so that a failure saves nothing and the same files can be imported again)."""
    from tasks.intake.ingest import existing_files
    from tasks.intake.snapshots import digest_files

    _cid, campaign = ws.campaign()
    day = recorded_on or today_in(campaign)
    paths = existing_files([str(f) for f in files])
    read = read_cards(campaign, paths, recorded_on=day)
    known = {c.number: c for c in stored_cards(ws)}
    good: list[Card] = []
    for card in read.accepted:
        verdict = compare_cards(known[card.number], card) if card.number in known else "new"
        if verdict in ("new", "same", "revokes"):
            good.append(card)
        else:
            from tasks.survey.cards import RefusedCard

            cells = {"number": card.number, "holder": card.holder, "village": card.village_code}
            read.refused.append(RefusedCard(card.file, card.sheet, card.row, verdict, cells))
    rejects_file = None
    if read.refused:
        folder = ws.settings.data_path / "rejects" / "cards"
        name = f"入户调查证-退回-{day.isoformat()}-{digest_files(paths)[:8]}.xlsx"
        rejects_file = str(write_card_rejects(read, folder / name))
    recorded, revoked, duplicates, _refused = _save(ws, good)
    return {
        "files": read.files,
        "rows_read": read.rows_read,
        "recorded": recorded,
        "revoked": revoked,
        "rejected": len(read.refused),
        "duplicates": read.duplicates + duplicates,
        "rejects_file": rejects_file,
        "rejects": [{"file": r.file, "sheet": r.sheet, "row": r.row, "reason": r.reason} for r in read.refused],
    }


def issue_card(
    ws: Workspace, *, number: str, holder: str, village: str, issued_on: date | None, recorded_on: date | None = None
) -> dict[str, Any]:
    _cid, campaign = ws.campaign()
    today = recorded_on or today_in(campaign)
    values = {"number": number, "holder": holder, "village": village, "issued_on": issued_on or today}
    card, reasons = check_card(campaign, values, recorded_on=max(today, issued_on or today))
    if card is None:
        raise CardError("；".join(reasons))
    recorded, _revoked, duplicates, refused = _save(ws, [card])
    if refused:
        raise CardError(refused[0][1])
    return {**card_json(campaign, card, today), "recorded": recorded, "duplicates": duplicates}


def revoke_card(ws: Workspace, *, number: str, revoked_on: date | None, note: str) -> dict[str, Any]:
    campaign_id, campaign = ws.campaign()
    day = revoked_on or today_in(campaign)
    wanted = "".join(number.split()).upper()
    known = {c.number: c for c in stored_cards(ws)}
    from tasks.survey.cards import card_number

    card = known.get(card_number(wanted))
    if card is None:
        raise CardError(f"没有证号为 {number} 的入户调查证（运行 canbao survey cards 查看）")
    if card.revoked_on is not None:
        raise CardError(f"证号{card.number}已于{cn_date(card.revoked_on)}收回")
    if day < card.issued_on:
        raise CardError(f"收回日期{cn_date(day)}早于发证日期{cn_date(card.issued_on)}")
    with ws.session() as session:
        db.revoke_card(session, campaign_id=campaign_id, number=card.number, revoked_on=day, note=note.strip())
    return {"number": card.number, "holder": card.holder, "revoked_on": day.isoformat(), "note": note.strip()}


def card_json(campaign: Campaign, card: Card, as_of: date) -> dict[str, Any]:
    township = {t.code: t.name for t in campaign.townships}
    return {
        "number": card.number,
        "holder": card.holder,
        "township_code": card.township_code,
        "township": township.get(card.township_code, ""),
        "village_code": card.village_code,
        "village": campaign.village_names().get(card.village_code, ""),
        "issued_on": card.issued_on.isoformat(),
        "revoked_on": card.revoked_on.isoformat() if card.revoked_on else None,
        "revoked_note": card.revoked_note,
        "valid": card.valid_on(as_of),
    }


def list_cards(ws: Workspace, as_of: date | None = None, village: str | None = None) -> dict[str, Any]:
    """The register on `as_of` (cards issued by then), of one village when given."""
    _cid, campaign = ws.campaign()
    day = as_of or today_in(campaign)
    code = _village(campaign, village) if village else None
    shown = [
        card_json(campaign, c, day)
        for c in stored_cards(ws)
        if c.issued_on <= day and (code is None or c.village_code == code)
    ]
    return {"as_of": day.isoformat(), "cards": shown}


def print_cards(ws: Workspace, village: str, out: Path | None = None) -> dict[str, Any]:
    """A village's cards not revoked, as a .docx to print."""
    _cid, campaign = ws.campaign()
    code = _village(campaign, village)
    cards = [c for c in stored_cards(ws) if c.village_code == code and c.revoked_on is None]
    township = next(t for t in campaign.townships if any(v.code == code for v in t.villages))
    name = campaign.village_names()[code]
    if not cards:
        raise CardError(
            f"{township.name}{name}没有已发放且未收回的入户调查证（先运行 canbao survey cards issue 或 import）"
        )
    folder = out or ws.settings.data_path / "survey" / "cards"
    path = write_cards(
        CardFace.of(campaign), cards, {code: township.name + name}, folder / f"{township.name}{name}-入户调查证.docx"
    )
    return {"village": code, "cards": len(cards), "file": str(path)}


def check_visits(ws: Workspace, as_of: date | None = None, township: str | None = None) -> dict[str, Any]:
    """The visits received by `as_of` whose worker held no valid card for the village that day, per township,
    village and worker."""
    campaign_id, campaign = ws.campaign()
    day = as_of or today_in(campaign)
    with ws.engine.connect() as connection:
        visits = db.visit_workers(connection, campaign_id=campaign_id, as_of=day)
    code = None
    if township is not None:
        code = next((t.code for t in campaign.townships if township.strip() in (t.code, t.name)), None)
        if code is None:
            raise CardError(f"找不到乡镇“{township}”。请用 9 位乡镇代码或乡镇名称（运行 canbao orgs 查看）。")
        visits = [v for v in visits if str(v["township_code"]) == code]
    flagged = uncarded_visits(stored_cards(ws), visits)
    names = {t.code: t.name for t in campaign.townships}
    villages = campaign.village_names()
    return {
        "as_of": day.isoformat(),
        "visits": len(visits),
        "without_card": sum(f.visits for f in flagged),
        "workers": [
            {
                "township_code": f.township_code,
                "township": names.get(f.township_code, f.township_code),
                "village_code": f.village_code,
                "village": villages.get(f.village_code, f.village_code),
                "visitor": f.visitor,
                "card_number": f.card_number,
                "standing": f.standing,
                "standing_name": STANDING_NAMES[f.standing],
                "visits": f.visits,
                "first": f.first.isoformat(),
                "last": f.last.isoformat(),
            }
            for f in flagged
        ],
    }


def link_card(ws: Workspace, *, village: str, worker: str, number: str, as_of: date | None = None) -> Card:
    """The card a village worker's link names: a card of the register, of that village and that worker, valid
    on `as_of` (today); else CardError saying why."""
    from tasks.survey.cards import card_number, holder_name

    _cid, campaign = ws.campaign()
    day = as_of or today_in(campaign)
    card = {c.number: c for c in stored_cards(ws)}.get(card_number(number))
    names = campaign.village_names()
    if card is None:
        raise CardError(f"没有证号为 {number.strip()} 的入户调查证（运行 canbao survey cards 查看）")
    if card.village_code != village:
        raise CardError(
            f"证号{card.number}是{names.get(card.village_code, card.village_code)}的入户调查证，"
            f"不是{names.get(village, village)}的"
        )
    if card.holder != holder_name(worker):
        raise CardError(f"证号{card.number}的持证人是{card.holder}，不是{holder_name(worker)}")
    if card.revoked_on is not None and card.revoked_on <= day:
        raise CardError(f"证号{card.number}已于{cn_date(card.revoked_on)}收回")
    if card.issued_on > day:
        raise CardError(f"证号{card.number}{cn_date(card.issued_on)}才发放，尚未生效")
    return card


def _village(campaign: Campaign, text: str) -> str:
    try:
        return resolve_village(campaign, text)
    except UnknownVillage as exc:
        raise CardError(str(exc)) from None
