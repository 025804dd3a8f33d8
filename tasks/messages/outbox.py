"""Render, then write to the outbox, then send: a rerun never sends twice, an outage never loses one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlmodel import Session

from models import crud, faults
from models.campaign.spec import Campaign
from models.tables import OutboxMessage
from tasks.messages.channels import TEMPLATE_SUFFIX, Format
from tasks.messages.planned import PlannedMessage
from tasks.wording.render import TEMPLATES_DIR, Rendered, render

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
    """`variants`: the message in other formats than the text, each service given the one it reads; the result
    has `ok`, `error` and `formats` (those sent)."""

    def send(
        self,
        tags: Sequence[str],
        title: str,
        body: str,
        attachments: Sequence[Path] = (),
        *,
        variants: Mapping[str, str] | None = None,
    ) -> Any: ...


def render_planned(campaign: Campaign, message: PlannedMessage) -> Rendered:
    # A kind the campaign file names no template for uses the template of its own name.
    return render(campaign.notices.templates.get(message.kind, f"{message.kind}.txt.j2"), _context(campaign, message))


def render_formats(campaign: Campaign, message: PlannedMessage) -> dict[Format, Rendered]:
    """The message in every format it has a template for: the text (the campaign's template of the kind), and
    templates/messages/<kind>.md.j2 and <kind>.html.j2, which are given the text rendering as `text`."""
    text = render_planned(campaign, message)
    rendered: dict[Format, Rendered] = {"text": text}
    context = {**_context(campaign, message), "text": text, "top_n": campaign.ranking.bottom or 3}
    for fmt in ("markdown", "html"):
        template = format_template(message.kind, fmt)
        if (TEMPLATES_DIR / template).is_file():
            rendered[fmt] = render(template, context)
    return rendered


def format_template(kind: str, fmt: Format) -> str:
    return f"messages/{kind}.{TEMPLATE_SUFFIX[fmt]}.j2"


def _context(campaign: Campaign, message: PlannedMessage) -> dict[str, Any]:
    return {
        **message.context,
        # The plan as every message cites it: 《title》（number）, from the campaign file's [plan].
        "campaign": {"key": campaign.key, "name": campaign.name, "plan": campaign.plan_citation},
        "issuer": campaign.notices.issuer,
        "as_of": message.as_of,
    }


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
        formats = render_formats(campaign, message)
        rendered = formats["text"]
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
                body_markdown=formats["markdown"].body if "markdown" in formats else None,
                body_html=formats["html"].body if "html" in formats else None,
                attachments="\n".join(message.attachments),
                as_of=message.as_of,
            )
        )
    crud.add_messages(session, messages=new)
    return skipped


def dispatch(session: Session, *, campaign_id: int, sender: Sender) -> list[Handled]:
    """Send every pending or failed message once; each outcome is committed as soon as it is known, so
    a crash mid-run neither loses the messages already sent nor sends them again."""
    return [send_row(session, row, sender) for row in crud.undelivered_messages(session, campaign_id=campaign_id)]


def send_row(session: Session, row: OutboxMessage, sender: Sender) -> Handled:
    """Send one outbox message and record the outcome at once (a dispatch's step, and the console's resend)."""
    # A missing attachment fails the send with its reason; the message stays in the outbox for the next run.
    result = sender.send(
        row.tags.split(","), row.title, row.body, attachments=attachments_of(row), variants=variants_of(row)
    )
    faults.reached("send.after")
    crud.mark_delivery(session, message=row, ok=result.ok, error=result.error, at=_now(), formats=result.formats)
    session.commit()
    faults.reached("send.marked")
    return _handled(row, "sent" if result.ok else "failed", result.error)


def variants_of(row: OutboxMessage) -> dict[str, str]:
    """The message's bodies other than the text, for the services that read them."""
    found = {"markdown": row.body_markdown, "html": row.body_html}
    return {fmt: body for fmt, body in found.items() if body}


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
