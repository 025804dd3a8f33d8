"""The register of investigator cards (入户调查证, 四（一）): the card numbers issued, to whom, for which village,
and the day a card was returned or revoked. Rows only: whether a visit's worker held a valid card is decided in
tasks.survey.cards."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, UniqueConstraint, text
from sqlmodel import Field, Session, SQLModel, select

from models.tables import utcnow


class InvestigatorCard(SQLModel, table=True):
    """A card issued to a village worker: valid from `issued_on` until the day before `revoked_on`."""

    __tablename__ = "investigator_card"
    __table_args__ = (UniqueConstraint("campaign_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    number: str
    holder: str
    township_code: str = Field(index=True)
    village_code: str = Field(index=True)
    issued_on: date
    revoked_on: date | None = None  # returned or revoked (收回、作废)
    revoked_note: str = ""
    source_file: str = ""  # the register workbook it was read from ("" when issued on the command line)
    source_sheet: str = ""
    source_row: int = 0
    recorded_at: datetime = Field(default_factory=utcnow)


def cards(session: Session, *, campaign_id: int) -> list[InvestigatorCard]:
    """Every card of the campaign, in the order of their numbers."""
    return list(
        session.exec(
            select(InvestigatorCard)
            .where(InvestigatorCard.campaign_id == campaign_id)
            .order_by(InvestigatorCard.number)
        )
    )


def card(session: Session, *, campaign_id: int, number: str) -> InvestigatorCard | None:
    return session.exec(
        select(InvestigatorCard).where(InvestigatorCard.campaign_id == campaign_id, InvestigatorCard.number == number)
    ).first()


def add_card(session: Session, new: InvestigatorCard) -> None:
    session.add(new)


def revoke_card(session: Session, *, campaign_id: int, number: str, revoked_on: date, note: str) -> None:
    found = card(session, campaign_id=campaign_id, number=number)
    assert found is not None
    found.revoked_on = revoked_on
    found.revoked_note = note


def visit_workers(connection: Connection, *, campaign_id: int, as_of: date) -> list[dict[str, Any]]:
    """Who made each visit received by `as_of` and under which card: township_code, village_code, visitor,
    visited_on, card_number (no person)."""
    rows = connection.execute(
        text(
            "SELECT township_code, village_code, visitor, visited_on, card_number FROM visit "
            "WHERE campaign_id = :c AND visited_on <= :d AND received_on <= :d"
        ),
        {"c": campaign_id, "d": as_of},
    )
    return [dict(r._mapping) for r in rows]
