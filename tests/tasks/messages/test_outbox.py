"""Render, write to the outbox, then send: idempotency, outages and recovery (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sqlmodel import select

from models.tables import OutboxMessage
from tasks.messages import outbox
from tasks.messages.planned import PlannedMessage
from tasks.messages.reminders import plan_reminders
from tasks.messages.sending import MessageSender, SendResult, write_folder_config
from tasks.plan.status import milestone_statuses
from tasks.workspace import Workspace
from tests.receivers import HttpReceiver, bound_http_receiver

AS_OF = date(2017, 3, 28)


class Recorder:
    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.sent: list[tuple[tuple[str, ...], str]] = []
        self.attachments: list[tuple[Path, ...]] = []

    def send(
        self, tags: Sequence[str], title: str, body: str, attachments: Sequence[Path] = (), **_: object
    ) -> SendResult:
        if not self.ok:
            return SendResult(ok=False, error="发送失败：连接被拒绝")
        self.sent.append((tuple(tags), title))
        self.attachments.append(tuple(attachments))
        return SendResult(ok=True)


def run(ws: Workspace, sender: object, as_of: date = AS_OF) -> list[outbox.Handled]:
    campaign_id, campaign, completions = ws.state()
    planned = plan_reminders(campaign, milestone_statuses(campaign, completions, as_of), as_of)
    with ws.session() as session:
        skipped = outbox.enqueue(session, campaign_id=campaign_id, campaign=campaign, planned=planned)
        return skipped + outbox.dispatch(session, campaign_id=campaign_id, sender=sender)  # type: ignore[arg-type]


def test_a_rerun_sends_nothing_twice(workspace: Workspace) -> None:
    recorder = Recorder()
    first = run(workspace, recorder)
    assert first and {h.status for h in first} == {"sent"}
    second = run(workspace, recorder)
    assert {h.key for h in second} == {h.key for h in first}
    assert {h.status for h in second} == {"skipped"}
    assert len(recorder.sent) == len(first)


def test_a_failed_send_stays_in_the_outbox_and_is_sent_by_the_next_run(workspace: Workspace) -> None:
    down = run(workspace, Recorder(ok=False))
    assert {h.status for h in down} == {"failed"}
    with workspace.session() as session:
        rows = list(session.exec(select(OutboxMessage)))
    assert {(r.status, r.attempts) for r in rows} == {("failed", 1)}
    assert all(r.last_error for r in rows)

    recorder = Recorder()
    up = run(workspace, recorder)
    assert {h.status for h in up} == {"sent"}
    assert sorted(h.key for h in up) == sorted(h.key for h in down)
    assert len(recorder.sent) == len(down)
    with workspace.session() as session:
        assert {(r.status, r.attempts) for r in session.exec(select(OutboxMessage))} == {("sent", 2)}


def test_outage_then_recovery_through_a_real_http_endpoint(workspace: Workspace, tmp_path: Path) -> None:
    receiver: HttpReceiver = bound_http_receiver()  # its port, refusing connections until it starts
    port = receiver.port
    config = tmp_path / "apprise.txt"
    _cid, campaign = workspace.campaign()
    tags = ["county", *(d.key for d in campaign.departments), *campaign.township_codes]
    config.write_text("".join(f"{tag}=json://127.0.0.1:{port}/notify/{tag}\n" for tag in tags), encoding="utf-8")

    try:
        failed = run(workspace, MessageSender(config))  # nothing listens on the port yet
        assert failed and {h.status for h in failed} == {"failed"}

        receiver.start()
        sent = run(workspace, MessageSender(config))
        again = run(workspace, MessageSender(config))
    finally:
        receiver.stop()
    assert {h.status for h in sent} == {"sent"} and len(sent) == len(failed)
    assert {h.status for h in again} == {"skipped"}
    paths = sorted(r["path"] for r in receiver.requests)
    assert paths == sorted(f"/notify/{h.owner}" for h in failed)  # each message arrived exactly once
    assert all(r["json"]["title"].startswith(("【催办提醒】", "【逾期催办】")) for r in receiver.requests)


def test_attachments_travel_with_the_message_and_a_missing_one_fails_until_it_is_back(
    workspace: Workspace, tmp_path: Path
) -> None:
    campaign_id, campaign = workspace.campaign()
    folder = tmp_path / "mailbox"
    config = tmp_path / "apprise.yml"
    write_folder_config(config, {"county": folder})
    attachment = tmp_path / "notices" / "安参保办〔2017〕1号-全民参保登记工作进展情况通报.docx"
    attachment.parent.mkdir()
    planned = PlannedMessage(
        key="anxi:test:attachment",
        kind="escalation",
        owner="county",
        milestone="county_work_plan",
        tags=("county",),
        as_of=AS_OF,
        context={"owner_name": "县", "milestone": {"name": "制定县工作方案"}, "due": AS_OF, "days_overdue": 1,
                 "laggards": []},
        attachments=(str(attachment),),
    )  # fmt: skip
    with workspace.session() as session:
        outbox.enqueue(session, campaign_id=campaign_id, campaign=campaign, planned=[planned])
        (row,) = session.exec(select(OutboxMessage)).all()
        assert outbox.attachments_of(row) == [attachment]

        (missing,) = outbox.dispatch(session, campaign_id=campaign_id, sender=MessageSender(config))
        assert missing.status == "failed" and "附件不存在" in (missing.error or "")

        recorder = Recorder()
        attachment.write_bytes(b"PK-docx")
        (sent,) = outbox.dispatch(session, campaign_id=campaign_id, sender=MessageSender(config))
        assert sent.status == "sent"
        assert outbox.dispatch(session, campaign_id=campaign_id, sender=recorder) == []
    copies = list(folder.glob(f"*-{attachment.name}"))
    assert len(copies) == 1 and copies[0].read_bytes() == b"PK-docx"
    assert len(list(folder.glob("*.txt"))) == 1
