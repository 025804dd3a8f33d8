"""Endpoints that refuse with HTTP 200 and an error code, endpoints that fail for a while and recover: every
message arrives exactly once, a refusal stays `failed` with the service's reason, and no key or token ever
reaches a log or the outbox."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu
from apprise.plugins.lark import NotifyLark
from apprise.plugins.wecombot import NotifyWeComBot

from models import crud
from models.tables import OutboxMessage
from tasks.messages import outbox
from tasks.messages.sending import MessageSender, _redact, reply_error
from tasks.workspace import Workspace
from tests.cli_runner import invoke

KEY = "a1b2c3d4secretkey9f8e7d6c5b4a"


@dataclass
class ScriptedEndpoint:
    """An HTTP endpoint on 127.0.0.1 that answers the first requests from `script` (status, JSON body), then
    `then`; it keeps every request and notes which ones it accepted."""

    script: list[tuple[int, dict[str, Any]]]
    then: tuple[int, dict[str, Any]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0


@pytest.fixture
def endpoint() -> Iterator[ScriptedEndpoint]:
    state = ScriptedEndpoint(script=[], then=(200, {}))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8"))
            with lock:
                status, reply = state.script.pop(0) if state.script else state.then
                request = {"path": self.path, "json": body}
                state.requests.append(request)
                ok = status == 200 and reply_error(_Reply(reply)) is None
                if ok:
                    state.accepted.append(request)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class _Reply:
    data: Any

    def json(self) -> Any:
        return self.data


# schema URL, the plugin class, its endpoint template pointed at the local server, a refusal, a success
SERVICES = {
    "wecom": (f"wecombot://{KEY}", NotifyWeComBot, "/cgi-bin/webhook/send?key={key}",
              {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1690000] key " + KEY},
              {"errcode": 0, "errmsg": "ok"}),
    "dingtalk": (f"dingtalk://{KEY.replace('-', '')}", NotifyDingTalk, "/robot/send?access_token={token}",
                 {"errcode": 310000, "errmsg": "keywords not in content"}, {"errcode": 0, "errmsg": "ok"}),
    "feishu": (f"feishu://{KEY}", NotifyFeishu, "/open-apis/bot/v2/hook/{token}/",
               {"code": 19001, "msg": "param invalid: incoming webhook access token invalid", "data": {}},
               {"code": 0, "msg": "success", "data": {}}),
    "lark": (f"lark://{KEY}", NotifyLark, "/open-apis/bot/v2/hook/",
             {"StatusCode": 9499, "StatusMessage": "Bad Request"}, {"StatusCode": 0, "StatusMessage": "success"}),
}  # fmt: skip


def _point_at(monkeypatch: pytest.MonkeyPatch, plugin: type, template: str, port: int) -> None:
    monkeypatch.setattr(plugin, "notify_url", f"http://127.0.0.1:{port}{template}")


def _config(tmp_path: Path, url: str, tags: str = "350524100") -> Path:
    path = tmp_path / "apprise.txt"
    path.write_text(f"{tags}={url}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("service", list(SERVICES))
def test_an_error_code_in_a_200_reply_is_a_failure_with_its_reason(
    service: str,
    endpoint: ScriptedEndpoint,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, plugin, template, refusal, success = SERVICES[service]
    _point_at(monkeypatch, plugin, template, endpoint.port)
    endpoint.script, endpoint.then = [(200, refusal)], (200, success)
    caplog.set_level(logging.DEBUG)
    sender = MessageSender(_config(tmp_path, url), throttle_seconds=0)

    refused = sender.send(["350524100"], "催办提醒", "请于4月20日前完成。")
    assert not refused.ok and refused.error
    code = str(next(v for k, v in refusal.items() if k in ("errcode", "code", "StatusCode")))
    assert f"返回错误码 {code}" in refused.error
    assert KEY not in refused.error and KEY.replace("-", "") not in refused.error

    accepted = sender.send(["350524100"], "催办提醒", "请于4月20日前完成。")
    assert accepted.ok, accepted.error
    assert len(endpoint.requests) == 2 and len(endpoint.accepted) == 1
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert KEY not in logged


def test_a_refused_outbox_message_stays_failed_then_is_sent_once(
    workspace: Workspace, endpoint: ScriptedEndpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, plugin, template, refusal, success = SERVICES["wecom"]
    _point_at(monkeypatch, plugin, template, endpoint.port)
    endpoint.script, endpoint.then = [(200, refusal), (200, refusal)], (200, success)
    with workspace.session() as session:
        campaign_id, _campaign = crud.active_campaign(session)
        crud.add_messages(session, messages=[
            OutboxMessage(campaign_id=campaign_id, key=f"k{n}", kind="reminder", owner="350524100",
                          tags="350524100", title=f"提醒{n}", body=f"第{n}条", as_of=date(2017, 4, 25))
            for n in range(3)
        ])  # fmt: skip
    sender = MessageSender(_config(tmp_path, url), throttle_seconds=0)
    with workspace.session() as session:
        first = outbox.dispatch(session, campaign_id=campaign_id, sender=sender)
    assert [h.status for h in first] == ["failed", "failed", "sent"]
    with workspace.session() as session:
        rows = {r.key: r for r in crud.undelivered_messages(session, campaign_id=campaign_id)}
    assert set(rows) == {"k0", "k1"}
    assert all("93000" in (r.last_error or "") and "invalid webhook url" in (r.last_error or "") for r in rows.values())
    assert all(KEY not in (r.last_error or "") for r in rows.values())

    for _run in range(2):  # recovered: the two are sent, a further run sends nothing
        with workspace.session() as session:
            outbox.dispatch(session, campaign_id=campaign_id, sender=sender)
    bodies = [r["json"]["text"]["content"] for r in endpoint.accepted]
    assert len(bodies) == 3 and all(any(f"第{n}条" in b for b in bodies) for n in range(3))
    assert len(endpoint.requests) == 5  # 2 refused + 3 accepted: nothing sent twice


@pytest.mark.usefixtures("prefect_harness")
def test_an_endpoint_down_for_a_while_gets_each_reminder_exactly_once(
    env: dict[str, str], endpoint: ScriptedEndpoint, tmp_path: Path
) -> None:
    """`canbao remind` run again and again while a json:// webhook answers 503 to its first requests."""
    endpoint.script, endpoint.then = [(503, {})] * 7, (200, {})
    config = tmp_path / "apprise.yml"
    env = {**env, "CANBAO_APPRISE_CONFIG": str(config)}
    assert invoke(env, "init")[0] == 0
    from models.settings import Settings

    ws = Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))
    try:
        _cid, campaign = ws.campaign()
    finally:
        ws.close()
    tags = ["county", *(d.key for d in campaign.departments), *campaign.township_codes]
    config.write_text(
        f"urls:\n  - json://127.0.0.1:{endpoint.port}/hook:\n      - tag: {', '.join(tags)}\n", encoding="utf-8"
    )
    statuses: list[list[str]] = []
    for _run in range(4):
        code, out, err = invoke(env, "remind", "--as-of", "2017-04-25", "--json")
        assert code == 0, err
        statuses.append([m["status"] for m in json.loads(out)])
    assert "failed" in statuses[0]
    assert "failed" not in statuses[-1] and "sent" not in statuses[-1]
    delivered = [(r["json"]["title"], r["json"]["message"]) for r in endpoint.accepted]
    assert len(delivered) == len(set(delivered)), "a message arrived twice"
    assert len(delivered) == len(statuses[-1]) > 7


@pytest.mark.parametrize(
    "url",
    [
        f"wecombot://{KEY}",
        f"dingtalk://{KEY.replace('-', '')}/{KEY.replace('-', '')}",
        f"feishu://{KEY}",
        f"lark://{KEY}",
        f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}",
        f"https://oapi.dingtalk.com/robot/send?access_token={KEY}",
        f"https://open.feishu.cn/open-apis/bot/v2/hook/{KEY}",
    ],
)
def test_redact_hides_webhook_keys_and_tokens(url: str) -> None:
    text = _redact(f"ConnectionError: HTTPSConnectionPool: Max retries exceeded with url: {url} (timed out)")
    assert KEY not in text and KEY.replace("-", "") not in text
