"""A message planned for one recipient, before it is rendered, written to the outbox and sent. Pure.

Every planner builds its messages here, so that all of them are keyed and addressed alike: the key is the
campaign's key, the message's kind and the planner's own parts joined by ":" (the outbox sends a key once, so
the parts say what makes a message new: a reminder step, a day, an ISO week), and a message goes to its owner's
tag alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from models.campaign.spec import COUNTY_TAG, Campaign


def message_key(campaign: Campaign, kind: str, *parts: str) -> str:
    """The outbox key of a message: `<campaign>:<kind>:<part>:…`."""
    return ":".join([campaign.key, kind, *parts])


@dataclass(frozen=True)
class PlannedMessage:
    key: str
    kind: str
    owner: str
    milestone: str | None
    tags: tuple[str, ...]
    as_of: date
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    attachments: tuple[str, ...] = ()  # file paths sent with the message

    @classmethod
    def for_owner(
        cls,
        campaign: Campaign,
        kind: str,
        owner: str,
        *,
        key: Sequence[str],
        as_of: date,
        context: dict[str, Any],
        owner_name: str | None = None,
        milestone: str | None = None,
        attachments: Sequence[str | Path] = (),
        key_kind: str | None = None,
    ) -> PlannedMessage:
        """A message of `kind` to `owner` alone, keyed by `message_key(campaign, key_kind or kind, *key)`.
        `owner_name`, when given, opens the context (the templates greet the recipient by it). `key_kind`: the
        kind a planner's keys have always named, where it differs from `kind` (a changed key would send again
        what an outbox already holds)."""
        return cls(
            key=message_key(campaign, key_kind or kind, *key),
            kind=kind,
            owner=owner,
            milestone=milestone,
            tags=(owner,),
            as_of=as_of,
            context=context if owner_name is None else {"owner_name": owner_name, **context},
            attachments=tuple(str(p) for p in attachments),
        )


def for_townships_and_county(
    campaign: Campaign,
    kind: str,
    *,
    key: Sequence[str],
    as_of: date,
    context: dict[str, Any],
    attachments: Sequence[str | Path] = (),
) -> list[PlannedMessage]:
    """The same message to every township and to the county, each keyed by `key` with its own tag last."""
    return [
        PlannedMessage.for_owner(
            campaign, kind, tag, key=[*key, tag], as_of=as_of, context=context, attachments=attachments
        )
        for tag in [*campaign.township_codes, COUNTY_TAG]
    ]
