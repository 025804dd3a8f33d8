"""A workspace's outbox: queueing planned messages (or, in a dry run, only reporting them) and sending
everything still undelivered through the configured sender."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from models import crud
from models.campaign.spec import Campaign
from tasks.messages import outbox
from tasks.messages.planned import PlannedMessage
from tasks.messages.sending import MessageSender, SendingConfigError
from tasks.workspace import Workspace


def queue_planned(
    ws: Workspace, campaign_id: int, campaign: Campaign, planned: Sequence[PlannedMessage], dry_run: bool
) -> list[outbox.Handled]:
    """Dry runs report every planned message as skipped; real runs report those already sent."""
    if dry_run:
        return outbox.dry_run(planned)
    with ws.session() as session:
        return outbox.enqueue(session, campaign_id=campaign_id, campaign=campaign, planned=planned)


def send_undelivered(ws: Workspace, campaign_id: int) -> list[outbox.Handled]:
    """Send every pending or failed message of the campaign; nothing to send reads no delivery configuration."""
    with ws.session() as session:
        if not crud.undelivered_messages(session, campaign_id=campaign_id):
            return []
        path = ws.settings.apprise_path
        return outbox.dispatch(session, campaign_id=campaign_id, sender=sender_for(path, _mtime(path)))


def configured_tags(ws: Workspace) -> frozenset[str]:
    """The recipient tags the delivery configuration serves (none when there is no usable configuration): who,
    beyond the owners every campaign has, can be written to — a village whose code is a tag, for one."""
    path = ws.settings.apprise_path
    try:
        return sender_for(path, _mtime(path)).tags
    except SendingConfigError:
        return frozenset()


@lru_cache(maxsize=4)
def sender_for(path: Path, _mtime: float) -> MessageSender:
    """Reading apprise's configuration takes about 30 ms: once per file version, not once per run."""
    return MessageSender(path)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
