"""What the village workers' page reads and writes: personal links (tokens) and one village's visit list.

A token is a secret in a URL. Only its SHA-256 is stored, so a copy of the database gives no working link;
the token itself is shown once, when it is made. Every read here is scoped to one village: a caller that
passes a village code gets that village's rows and nothing else.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text
from sqlmodel import Session, col, select

from models.campaign.spec import INSURANCES
from models.tables import WorkerToken, utcnow

TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 URL-safe characters, 192 bits
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session, *, campaign_id: int, village_code: str, worker: str, card_number: str = ""
) -> tuple[str, WorkerToken]:
    """A new personal link for one village's worker, under a card when named: (the token, to hand over once; its
    stored row)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = WorkerToken(
        campaign_id=campaign_id, token_hash=hash_token(token), village_code=village_code, worker=worker,
        card_number=card_number,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return token, row


def find_token(session: Session, *, campaign_id: int, token: str) -> WorkerToken | None:
    """The active (not revoked) token of this campaign, or None: unknown, malformed and revoked look alike."""
    if not _TOKEN_SHAPE.match(token):
        return None
    statement = select(WorkerToken).where(
        WorkerToken.campaign_id == campaign_id,
        WorkerToken.token_hash == hash_token(token),
        col(WorkerToken.revoked_at).is_(None),
    )
    return session.exec(statement).first()


def revoke_token(session: Session, *, campaign_id: int, token_id: int) -> tuple[WorkerToken, bool] | None:
    """Revoke a token by its id: (the row, whether it was revoked only now), or None if there is no such id."""
    row = session.get(WorkerToken, token_id)
    if row is None or row.campaign_id != campaign_id:
        return None
    if row.revoked_at is not None:
        return row, False
    row.revoked_at = utcnow()
    session.add(row)
    session.flush()
    return row, True


def list_tokens(session: Session, *, campaign_id: int) -> list[WorkerToken]:
    statement = select(WorkerToken).where(WorkerToken.campaign_id == campaign_id).order_by(col(WorkerToken.id))
    return list(session.exec(statement).all())


# -- one village's list -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedPerson:
    """A person on a village's visit list, as the page shows them (nothing masked yet: the page masks)."""

    entry_id: int
    id_number: str
    township_code: str
    village_code: str
    reasons: str
    in_register: bool  # False when the latest comparison no longer has the person
    name: str
    sex: str
    age: int | None
    household: str
    household_type: str
    registered_address: str  # 户籍所在地
    address: str  # 现居住地
    phone: str
    employer: str
    birth_date: date | None
    statuses: dict[str, str]  # insurance → insured | missing | not_applicable | elsewhere
    last_outcome: str  # the latest visit's outcome code ("" if never visited)
    last_visited_on: date | None
    last_visitor: str


_ENTRY_QUERY = (
    "SELECT e.id, e.id_number, e.township_code, e.village_code, e.reasons, p.id AS person_id, p.name, p.sex, p.age, "
    "p.household, p.household_type, p.registered_address, p.address, p.phone, p.employer, p.birth_date, "
    + ", ".join(f"p.{name}" for name in INSURANCES)
    + " FROM worklist_entry e LEFT JOIN person p ON p.campaign_id = e.campaign_id AND p.id_number = e.id_number "
    "WHERE e.campaign_id = :c AND e.village_code = :v"
)


def village_entries(connection: Connection, *, campaign_id: int, village_code: str) -> list[ListedPerson]:
    """Every person on the village's list, in list order (household, then entry)."""
    rows = connection.execute(
        text(_ENTRY_QUERY + " ORDER BY p.household, e.id"), {"c": campaign_id, "v": village_code}
    ).all()
    return _with_visits(connection, campaign_id, [dict(r._mapping) for r in rows])


def village_entry(connection: Connection, *, campaign_id: int, village_code: str, entry_id: int) -> ListedPerson | None:
    """One entry, only if it is on this village's list."""
    row = connection.execute(
        text(_ENTRY_QUERY + " AND e.id = :e"), {"c": campaign_id, "v": village_code, "e": entry_id}
    ).first()
    if row is None:
        return None
    return _with_visits(connection, campaign_id, [dict(row._mapping)])[0]


def person_visits(connection: Connection, *, campaign_id: int, id_number: str) -> list[dict[str, Any]]:
    """A person's recorded visits, oldest first: outcome, date, visitor, channel."""
    rows = connection.execute(
        text(
            "SELECT outcome, visited_on, visitor, channel FROM visit WHERE campaign_id = :c AND id_number = :i "
            "ORDER BY visited_on, id"
        ),
        {"c": campaign_id, "i": id_number},
    )
    return [{**r._mapping, "visited_on": _as_date(r.visited_on)} for r in rows]


def _with_visits(connection: Connection, campaign_id: int, rows: list[dict[str, Any]]) -> list[ListedPerson]:
    """The rows with each person's latest visit (by date, then arrival): a visit counts whatever list it came from,
    as the progress figures count it."""
    ids = sorted({r["id_number"] for r in rows})
    latest: dict[str, tuple[str, date, str]] = {}
    statement = text(
        "SELECT id_number, outcome, visited_on, visitor FROM visit WHERE campaign_id = :c AND id_number IN :ids "
        "AND outcome <> '' ORDER BY visited_on, id"
    ).bindparams(bindparam("ids", expanding=True))
    for start in range(0, len(ids), 5_000):
        for id_number, outcome, visited_on, visitor in connection.execute(
            statement, {"c": campaign_id, "ids": ids[start : start + 5_000]}
        ):
            latest[id_number] = (outcome, _as_date(visited_on), visitor)
    people: list[ListedPerson] = []
    for r in rows:
        outcome, visited_on, visitor = latest.get(r["id_number"], ("", None, ""))
        people.append(
            ListedPerson(
                entry_id=int(r["id"]),
                id_number=r["id_number"],
                township_code=r["township_code"],
                village_code=r["village_code"],
                reasons=r["reasons"] or "",
                in_register=r["person_id"] is not None,
                name=r["name"] or "",
                sex=r["sex"] or "",
                age=r["age"],
                household=r["household"] or "",
                household_type=r["household_type"] or "",
                registered_address=r["registered_address"] or "",
                address=r["address"] or "",
                phone=r["phone"] or "",
                employer=r["employer"] or "",
                birth_date=_as_date(r["birth_date"]) if r["birth_date"] is not None else None,
                statuses={name: r[name] for name in INSURANCES if r[name] is not None},
                last_outcome=outcome,
                last_visited_on=visited_on,
                last_visitor=visitor,
            )
        )
    return people


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
