"""Render, then write to the outbox, then send: a rerun never sends twice, an outage never loses one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlmodel import Session

from models import crud, faults
from models.campaign.spec import Campaign
from models.tables import OutboxMessage
from tasks.messages.planned import PlannedMessage
from tasks.wording.render import Rendered, render

Outcome = Literal["sent", "failed", "skipped"]


@dataclass(frozen=True)
class Handled:
    """One message this run dealt with, as `canbao remind --json` reports it."""

    key: str
    owner: str
    milestone: str | None
    kind: str
    tags: list[str]
    status: Outcome
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Sender(Protocol):
    def send(self, tags: Sequence[str], title: str, body: str, attachments: Sequence[Path] = ()) -> Any: ...


def render_planned(campaign: Campaign, message: PlannedMessage) -> Rendered:
    context = {
        **message.context,
        # The plan as every message cites it: 《title》（number）, from the campaign file's [plan].
        "campaign": {"key": campaign.key, "name": campaign.name, "plan": campaign.plan_citation},
        "issuer": campaign.notices.issuer,
        "as_of": message.as_of,
    }
    # A kind the campaign file names no template for uses the template of its own name.
    return render(campaign.notices.templates.get(message.kind, f"{message.kind}.txt.j2"), context)


def enqueue(
    session: Session, *, campaign_id: int, campaign: Campaign, planned: Sequence[PlannedMessage]
) -> list[Handled]:
    """Write new messages as pending; those already in the outbox are left as they are.

    Returns the planned messages that had already been sent (reported as skipped)."""
    existing = crud.existing_messages(session, keys=[m.key for m in planned])
    skipped: list[Handled] = []
    new: list[OutboxMessage] = []
    for message in planned:
        row = existing.get(message.key)
        if row is not None:
            if row.status == "sent":
                skipped.append(_handled(row, "skipped"))
            continue
        rendered = render_planned(campaign, message)
        new.append(
            OutboxMessage(
                campaign_id=campaign_id,
                key=message.key,
                kind=message.kind,
                milestone=message.milestone,
                owner=message.owner,
                tags=",".join(message.tags),
                title=rendered.title,
                body=rendered.body,
                attachments="\n".join(message.attachments),
                as_of=message.as_of,
            )
        )
    crud.add_messages(session, messages=new)
    return skipped


def dispatch(session: Session, *, campaign_id: int, sender: Sender) -> list[Handled]:
    """Send every pending or failed message once; each outcome is committed as soon as it is known, so
    a crash mid-run neither loses the messages already sent nor sends them again."""
    handled = []
    for row in crud.undelivered_messages(session, campaign_id=campaign_id):
        # A missing attachment fails the send with its reason; the message stays in the outbox for the next run.
        result = sender.send(row.tags.split(","), row.title, row.body, attachments=attachments_of(row))
        faults.reached("send.after")
        crud.mark_delivery(session, message=row, ok=result.ok, error=result.error, at=_now())
        session.commit()
        faults.reached("send.marked")
        handled.append(_handled(row, "sent" if result.ok else "failed", result.error))
    return handled


def attachments_of(row: OutboxMessage) -> list[Path]:
    return [Path(line) for line in row.attachments.splitlines() if line.strip()]


def dry_run(planned: Sequence[PlannedMessage]) -> list[Handled]:
    return [
        Handled(key=m.key, owner=m.owner, milestone=m.milestone, kind=m.kind, tags=list(m.tags), status="skipped")
        for m in planned
    ]


def _handled(row: OutboxMessage, status: Outcome, error: str | None = None) -> Handled:
    return Handled(
        key=row.key,
        owner=row.owner,
        milestone=row.milestone,
        kind=row.kind,
        tags=row.tags.split(","),
        status=status,
        error=error,
    )


def _now() -> datetime:
    return datetime.now(UTC)
