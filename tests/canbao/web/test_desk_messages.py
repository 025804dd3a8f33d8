"""消息 in the console, `GET /api/v1/outbox` and `canbao messages outbox`: the outbox cut to the user's scope, a
failed message with its reason, and the county's resend (CSRF, roles, the audit log)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from canbao.web.app import create_app
from models.tables import OutboxMessage
from tasks.access.audit import action_log
from tasks.messages.sending import write_folder_config
from tasks.workspace import Workspace
from tests.cli_runner import invoke
from tests.console_helpers import NOW, OTHER_TOWNSHIP, add_users, form_csrf, log_in
from tests.web_helpers import TODAY, TOWNSHIP

REFUSED = "连接被拒绝（企业微信）"


class Desk:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.tokens = add_users(ws)
        campaign_id, _campaign = ws.campaign()
        with ws.session() as session:
            for n, (owner, status, error) in enumerate([
                (TOWNSHIP, "failed", REFUSED), (OTHER_TOWNSHIP, "sent", None), ("hrss", "failed", "超时"),
            ]):  # fmt: skip
                session.add(OutboxMessage(campaign_id=campaign_id, key=f"k{n}", kind="reminder", owner=owner,
                                          tags=owner, title=f"催办{n}", body="请按时完成。", as_of=date(2017, 5, 20),
                                          status=status, attempts=1, last_error=error,
                                          sent_formats="text" if status == "sent" else ""))  # fmt: skip
            session.commit()

    def client(self) -> TestClient:
        return TestClient(create_app(self.ws.settings, clock=lambda _c: TODAY, now=lambda: NOW))

    def bearer(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def message_id(self, owner: str) -> int:
        with self.ws.session() as session:
            row = session.exec(select(OutboxMessage).where(OutboxMessage.owner == owner)).one()
            assert row.id is not None
            return row.id


@pytest.fixture
def desk(workspace: Workspace) -> Iterator[Desk]:
    yield Desk(workspace)


def test_the_outbox_is_cut_to_the_scope(desk: Desk) -> None:
    with desk.client() as client:
        assert client.get("/api/v1/outbox").status_code == 401
        everything = client.get("/api/v1/outbox", headers=desk.bearer("supervisor")).json()
        assert {m["owner"] for m in everything} == {TOWNSHIP, OTHER_TOWNSHIP, "hrss"}
        own = client.get("/api/v1/outbox", headers=desk.bearer("fengcheng")).json()
        assert [(m["owner"], m["status"], m["error"]) for m in own] == [(TOWNSHIP, "failed", REFUSED)]
        assert [m["owner"] for m in client.get("/api/v1/outbox", headers=desk.bearer("hrss")).json()] == ["hrss"]
        failed = client.get("/api/v1/outbox?status=failed", headers=desk.bearer("county")).json()
        assert {m["owner"] for m in failed} == {TOWNSHIP, "hrss"}
        assert client.get("/api/v1/outbox?status=lost", headers=desk.bearer("county")).status_code == 422
        sent = client.get(f"/api/v1/outbox?owner={OTHER_TOWNSHIP}", headers=desk.bearer("county")).json()
        assert sent[0]["formats"] == ["text"] and sent[0]["owner_name"] == "蓬莱镇"


def test_the_cli_lists_the_outbox_with_the_same_shape(desk: Desk, env: dict[str, str]) -> None:
    code, out, err = invoke(env, "messages", "outbox", "--status", "failed", "--owner", "hrss", "--json")
    assert code == 0, err
    [row] = json.loads(out)
    with desk.client() as client:
        api = client.get("/api/v1/outbox?status=failed&owner=hrss", headers=desk.bearer("county")).json()
    assert [row] == api and row["error"] == "超时"
    assert invoke(env, "messages", "outbox", "--status", "lost")[0] == 2


def test_only_the_county_resends_a_failed_message_with_its_csrf_token(desk: Desk, tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    write_folder_config(desk.ws.settings.apprise_path, {TOWNSHIP: inbox})
    failed = desk.message_id(TOWNSHIP)
    with desk.client() as client:
        for user in ("fengcheng", "supervisor", "hrss"):
            url = f"/api/v1/outbox/{failed}/resend"
            assert client.post(url, headers=desk.bearer(user)).status_code == 403
        assert log_in(client, "county") == 303
        page = client.get("/messages")
        assert REFUSED in page.text and "重新发送" in page.text
        assert client.post(f"/messages/{failed}/resend", data={}).status_code == 403  # no CSRF token
        assert client.post("/messages/99999/resend", data={"csrf_token": form_csrf(page.text)}).status_code == 404
        sent_one = desk.message_id(OTHER_TOWNSHIP)
        assert client.post(f"/messages/{sent_one}/resend", data={"csrf_token": form_csrf(page.text)}).status_code == 422
        done = client.post(f"/messages/{failed}/resend", data={"csrf_token": form_csrf(page.text)})
        assert done.status_code == 200 and "已重新发送：已发送" in done.text
    assert any(inbox.rglob("*")), "the message reached its receiver"
    after = {m["owner"]: m for m in client_outbox(desk)}
    assert after[TOWNSHIP]["status"] == "sent" and after[TOWNSHIP]["attempts"] == 2
    assert after["hrss"]["status"] == "failed"  # only the one message was sent again
    [entry] = [a for a in action_log(desk.ws) if a["action"] == "message_resend"]
    assert (entry["username"], entry["target"], entry["detail"]["status"]) == ("county", str(failed), "sent")


def test_a_township_sees_no_resend_button(desk: Desk) -> None:
    with desk.client() as client:
        assert log_in(client, "fengcheng") == 303
        page = client.get("/messages")
        assert REFUSED in page.text and "重新发送" not in page.text and "蓬莱镇" not in page.text


def client_outbox(desk: Desk) -> list[dict]:
    with desk.client() as client:
        return client.get("/api/v1/outbox", headers=desk.bearer("county")).json()
