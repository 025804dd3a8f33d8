"""Database reads and writes, keyword-only, each taking the session it works in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session, SQLModel, col, select

from models.campaign.spec import Campaign
from models.campaign.values import CompletionFact
from models.tables import (
    CampaignRecord,
    CompareRun,
    Completion,
    MilestoneOwner,
    MilestoneRecord,
    OrgUnit,
    OutboxMessage,
    PhaseRecord,
    SourceSnapshot,
    utcnow,
)

if TYPE_CHECKING:  # pandas and Arrow load only for bulk writes: quick commands stay quick
    pass


class NoCampaignError(LookupError):
    """No campaign has been loaded into this database yet."""


@dataclass(frozen=True)
class LoadResult:
    campaign_id: int
    created: bool
    changed: int  # rows inserted, updated or deleted


# -- campaign ----------------------------------------------------------------------------------------


def store_campaign(session: Session, *, campaign: Campaign, digest: str) -> LoadResult:
    """Insert or update the campaign and its derived tables; the same file again changes nothing."""
    record = session.exec(select(CampaignRecord).where(CampaignRecord.key == campaign.key)).first()
    created = record is None
    spec = campaign.model_dump_json()
    changed = 0
    if record is None:
        record = CampaignRecord(key=campaign.key, name=campaign.name, spec=spec, digest=digest)
        session.add(record)
        session.flush()
        changed += 1
    elif record.spec != spec or record.name != campaign.name:
        record.spec, record.name, record.digest, record.loaded_at = spec, campaign.name, digest, utcnow()
        changed += 1
    assert record.id is not None
    cid = record.id

    changed += _sync(
        session,
        PhaseRecord,
        _by(session, PhaseRecord, cid, "key"),
        {p.key: {"name": p.name, "start": p.start, "end": p.end} for p in campaign.phases.values()},
        lambda key, values: PhaseRecord(campaign_id=cid, key=key, **values),
    )
    changed += _sync(
        session,
        OrgUnit,
        _by(session, OrgUnit, cid, "code"),
        _org_units(campaign),
        lambda code, values: OrgUnit(campaign_id=cid, code=code, **values),
    )
    milestones = _by(session, MilestoneRecord, cid, "key")
    changed += _sync(
        session,
        MilestoneRecord,
        milestones,
        {
            m.key: {"name": m.name, "phase": m.phase, "due": m.due, "text": m.text, "source": m.source}
            for m in campaign.milestones
        },
        lambda key, values: MilestoneRecord(campaign_id=cid, key=key, **values),
        delete=lambda row: _delete_owners(session, row),
    )
    session.flush()
    milestones = _by(session, MilestoneRecord, cid, "key")
    for m in campaign.milestones:
        row = milestones[m.key]
        assert row.id is not None
        mid = row.id
        existing = {o.owner: o for o in session.exec(select(MilestoneOwner).where(MilestoneOwner.milestone_id == mid))}
        changed += _sync(
            session,
            MilestoneOwner,
            existing,
            {owner: {} for owner in campaign.owners_of(m)},
            lambda owner, _values, mid=mid: MilestoneOwner(milestone_id=mid, owner=owner),
        )
    return LoadResult(campaign_id=cid, created=created, changed=changed)


def _org_units(campaign: Campaign) -> dict[str, dict[str, Any]]:
    units: dict[str, dict[str, Any]] = {
        campaign.county.code: {"name": campaign.county.name, "level": "county", "parent": None}
    }
    for township in campaign.townships:
        units[township.code] = {"name": township.name, "level": "township", "parent": campaign.county.code}
        for village in township.villages:
            units[village.code] = {"name": village.name, "level": "village", "parent": township.code}
    return units


Row = TypeVar("Row", bound=SQLModel)


def _by(session: Session, model: type[Row], campaign_id: int, key: str) -> dict[str, Row]:
    rows = session.exec(select(model).where(model.campaign_id == campaign_id))  # type: ignore[attr-defined]
    return {getattr(row, key): row for row in rows}


def _sync(
    session: Session,
    model: type[Row],
    existing: Mapping[str, Row],
    desired: Mapping[str, Mapping[str, Any]],
    make: Any,
    delete: Any = None,
) -> int:
    """Make the rows match `desired` by key; returns how many rows changed."""
    changed = 0
    for key, values in desired.items():
        row = existing.get(key)
        if row is None:
            session.add(make(key, values))
            changed += 1
            continue
        diff = {k: v for k, v in values.items() if getattr(row, k) != v}
        for k, v in diff.items():
            setattr(row, k, v)
        changed += bool(diff)
    for key, row in existing.items():
        if key not in desired:
            if delete is not None:
                delete(row)
            session.delete(row)
            changed += 1
    return changed


def _delete_owners(session: Session, milestone: MilestoneRecord) -> None:
    for owner in session.exec(select(MilestoneOwner).where(MilestoneOwner.milestone_id == milestone.id)):
        session.delete(owner)
    session.flush()


def active_campaign(session: Session) -> tuple[int, Campaign]:
    """The most recently loaded campaign: its id and its validated spec."""
    try:
        record = session.exec(select(CampaignRecord).order_by(col(CampaignRecord.loaded_at).desc())).first()
    except (OperationalError, ProgrammingError):
        # No tables at all: a database never initialised (or the wrong URL).
        url = session.connection().engine.url.render_as_string(hide_password=True)
        raise NoCampaignError(f"数据库 {url} 中还没有活动计划，请先运行 canbao init") from None
    if record is None or record.id is None:
        raise NoCampaignError("数据库中还没有活动计划，请先运行 canbao init")
    return record.id, Campaign.model_validate_json(record.spec)


def org_units(session: Session, *, campaign_id: int) -> list[OrgUnit]:
    level_order = {"county": 0, "township": 1, "village": 2}
    rows = list(session.exec(select(OrgUnit).where(OrgUnit.campaign_id == campaign_id)))
    return sorted(rows, key=lambda u: (level_order.get(u.level, 9), u.code))


# -- completions -------------------------------------------------------------------------------------


def completions(session: Session, *, campaign_id: int) -> list[CompletionFact]:
    rows = session.exec(select(Completion).where(Completion.campaign_id == campaign_id))
    return [CompletionFact(milestone=r.milestone, owner=r.owner, done_on=r.done_on) for r in rows]


def record_completion(
    session: Session,
    *,
    campaign_id: int,
    milestone: str,
    owner: str,
    done_on: date,
    note: str = "",
    recorded_by: str = "",
) -> Completion | None:
    """Record (or correct) a completion; returns the previous record when one was replaced."""
    row = session.exec(
        select(Completion).where(
            Completion.campaign_id == campaign_id, Completion.milestone == milestone, Completion.owner == owner
        )
    ).first()
    previous = None
    if row is None:
        row = Completion(campaign_id=campaign_id, milestone=milestone, owner=owner, done_on=done_on)
    else:
        previous = Completion.model_validate(row.model_dump())
    row.done_on, row.note, row.recorded_by, row.recorded_at = done_on, note, recorded_by, utcnow()
    session.add(row)
    return previous


def record_completions(session: Session, *, campaign_id: int, facts: Iterable[CompletionFact], by: str) -> int:
    count = 0
    for fact in facts:
        record_completion(
            session,
            campaign_id=campaign_id,
            milestone=fact.milestone,
            owner=fact.owner,
            done_on=fact.done_on,
            recorded_by=by,
        )
        count += 1
    return count


# -- outbox ------------------------------------------------------------------------------------------


def existing_messages(session: Session, *, keys: Sequence[str]) -> dict[str, OutboxMessage]:
    found: dict[str, OutboxMessage] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for row in session.exec(select(OutboxMessage).where(col(OutboxMessage.key).in_(chunk))):
            found[row.key] = row
    return found


def add_messages(session: Session, *, messages: Iterable[OutboxMessage]) -> None:
    session.add_all(list(messages))
    session.flush()


def undelivered_messages(session: Session, *, campaign_id: int) -> list[OutboxMessage]:
    return list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.campaign_id == campaign_id, col(OutboxMessage.status).in_(["pending", "failed"]))
            .order_by(col(OutboxMessage.id))
        )
    )


def mark_delivery(
    session: Session,
    *,
    message: OutboxMessage,
    ok: bool,
    error: str | None,
    at: datetime,
    formats: Sequence[str] = (),
) -> None:
    message.attempts += 1
    if ok:
        message.status, message.sent_at, message.last_error = "sent", at, None
        message.sent_formats = ",".join(formats)
    else:
        message.status, message.last_error = "failed", error
    session.add(message)


def message_counts(session: Session, *, campaign_id: int, kinds: Sequence[str]) -> dict[tuple[str, str | None], int]:
    """Messages sent per (owner, milestone) for the given kinds: what each owner has been told."""
    rows = session.exec(
        select(col(OutboxMessage.owner), col(OutboxMessage.milestone), func.count())
        .where(
            OutboxMessage.campaign_id == campaign_id,
            col(OutboxMessage.kind).in_(list(kinds)),
            OutboxMessage.status == "sent",
        )
        .group_by(col(OutboxMessage.owner), col(OutboxMessage.milestone))
    )
    return {(owner, milestone): count for owner, milestone, count in rows}


def record_missing_completions(session: Session, *, campaign_id: int, facts: Iterable[CompletionFact], by: str) -> int:
    """Record completions that are not recorded yet; a report already made by its owner is kept."""
    done = {(c.milestone, c.owner) for c in completions(session, campaign_id=campaign_id)}
    new = [f for f in facts if (f.milestone, f.owner) not in done]
    return record_completions(session, campaign_id=campaign_id, facts=new, by=by)


# -- comparison results ------------------------------------------------------------------------------


def latest_comparison(session: Session, *, campaign_id: int) -> CompareRun | None:
    return session.exec(
        select(CompareRun).where(CompareRun.campaign_id == campaign_id).order_by(col(CompareRun.id).desc())
    ).first()


def outbox_rows(session: Session, *, campaign_id: int, status: str | None = None) -> list[OutboxMessage]:
    """The campaign's outbox, newest first (`canbao messages outbox`)."""
    query = select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return list(session.exec(query.order_by(col(OutboxMessage.id).desc())))


def outbox_row(session: Session, *, campaign_id: int, message_id: int) -> OutboxMessage | None:
    return session.exec(
        select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.id == message_id)
    ).first()


def delivered_sources(session: Session, *, campaign_id: int) -> dict[str, date]:
    """Each source with an active snapshot and the date its delivery was recorded."""
    rows = session.exec(
        select(SourceSnapshot).where(SourceSnapshot.campaign_id == campaign_id, col(SourceSnapshot.active))
    )
    return {s.source: s.delivered_on for s in rows}
