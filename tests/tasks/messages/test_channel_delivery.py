"""One notice to a township reached by a WeCom bot, a DingTalk bot, a Feishu bot, an e-mail address and a JSON
webhook (real local receivers): each gets the format it reads, the e-mail its documents, and the outbox
records the formats sent; a message longer than WeCom's limit arrives in numbered parts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu
from apprise.plugins.wecombot import NotifyWeComBot

from models import crud
from models.campaign.spec import Campaign
from tasks.messages import outbox
from tasks.messages.channels import size
from tasks.messages.sending import MessageSender
from tasks.workspace import Workspace
from tests.message_samples import sample_messages
from tests.receivers import HttpReceiver, SmtpServer

KEY = "a1b2c3d4secretkey9f8e7d6c5b4a"
TOWNSHIP = "350524100"


@pytest.fixture
def bots(http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch) -> HttpReceiver:
    base = f"http://127.0.0.1:{http_receiver.port}"
    monkeypatch.setattr(NotifyWeComBot, "notify_url", base + "/wecom?key={key}")
    monkeypatch.setattr(NotifyDingTalk, "notify_url", base + "/dingtalk?access_token={token}")
    monkeypatch.setattr(NotifyFeishu, "notify_url", base + "/feishu/{token}")
    return http_receiver


def _config(tmp_path: Path, port: int, smtp: SmtpServer | None = None) -> Path:
    urls = [f"wecombot://{KEY}", f"dingtalk://{KEY}", f"feishu://{KEY}", f"json://127.0.0.1:{port}/json"]
    if smtp is not None:
        urls.append(
            f"mailto://127.0.0.1:{smtp.port}?from=canbao@example.org&to=shebao-{TOWNSHIP}@example.org&mode=insecure"
        )
    path = tmp_path / "apprise.yml"
    path.write_text(
        "version: 1\nurls:\n" + "".join(f"  - {url}:\n      - tag: '{TOWNSHIP}'\n" for url in urls), encoding="utf-8"
    )
    return path


def _by_path(receiver: HttpReceiver) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for request in receiver.requests:
        found.setdefault(request["path"].split("?")[0].split("/")[1], []).append(request["json"])
    return found


def test_each_service_gets_the_notice_in_its_format_and_the_outbox_says_which(
    workspace: Workspace, campaign: Campaign, bots: HttpReceiver, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    docx = tmp_path / "安参保办〔2017〕4号-通报.docx"
    docx.write_bytes(b"PK\x03\x04 not really a document")
    sample = sample_messages(campaign)["weekly_ranking"]
    message = replace(
        sample, owner=TOWNSHIP, tags=(TOWNSHIP,), attachments=(str(docx),),
        context={**sample.context, "attachments": [docx.name]},
    )  # fmt: skip
    with workspace.session() as session:
        campaign_id, _c = crud.active_campaign(session)
        outbox.enqueue(session, campaign_id=campaign_id, campaign=campaign, planned=[message])
        session.commit()
    sender = MessageSender(_config(tmp_path, bots.port, smtp_server), throttle_seconds=0)
    with workspace.session() as session:
        [handled] = outbox.dispatch(session, campaign_id=campaign_id, sender=sender)
    assert handled.status == "sent", handled.error

    got = _by_path(bots)
    [wecom] = got["wecom"]
    assert wecom["msgtype"] == "markdown"
    content = wecom["markdown"]["content"]
    assert content.startswith("# 【通报】关于全民参保登记工作进展情况的通报")
    assert "完成率前3名：" in content and docx.name in content and "|" not in content
    assert len(content.encode()) <= 4096
    [dingtalk] = got["dingtalk"]
    assert dingtalk["msgtype"] == "markdown" and "完成率前3名：" in dingtalk["markdown"]["text"]
    [feishu] = got["feishu"]
    assert feishu["msg_type"] == "interactive"
    assert feishu["card"]["header"]["title"]["content"].startswith("【通报】")
    assert "完成率前3名：" in feishu["card"]["elements"][0]["content"]
    [webhook] = got["json"]
    assert "名次  乡镇" in webhook["message"]  # the plain text, its table aligned with spaces

    [mail] = smtp_server.messages()
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and "<table" in html.get_content() and "凤城镇" in html.get_content()
    assert [part.get_filename() for part in mail.iter_attachments()] == [docx.name]

    with workspace.session() as session:
        [row] = crud.existing_messages(session, keys=[message.key]).values()
    assert row.sent_formats == "text,markdown,html"
    assert row.body_markdown and row.body_html and "<table" in row.body_html


def test_a_message_longer_than_wecoms_limit_arrives_in_numbered_parts(bots: HttpReceiver, tmp_path: Path) -> None:
    config = tmp_path / "apprise.txt"
    config.write_text(f"{TOWNSHIP}=wecombot://{KEY}\n", encoding="utf-8")
    items = "\n".join(f"{n}. 第{n}村（社区）：应访120人，已访30人，完成率25.0%" for n in range(1, 200))
    markdown = "截至2017年5月31日，以下村（社区）进度滞后：\n\n" + items + "\n\n安溪县全民参保登记工作领导小组办公室"
    result = MessageSender(config, throttle_seconds=0).send(
        [TOWNSHIP], "【进度提醒】凤城镇", "纯文本", variants={"markdown": markdown}
    )
    assert result.ok, result.error
    assert result.formats == ("markdown",)
    contents = [r["json"]["markdown"]["content"] for r in bots.requests]
    assert len(contents) > 2
    assert all(len(c.encode()) <= 4096 for c in contents)
    assert [c.splitlines()[0] for c in contents] == [
        f"# 【进度提醒】凤城镇（{n}/{len(contents)}）" for n in range(1, len(contents) + 1)
    ]
    received = [line for c in contents for line in c.splitlines() if line[:1].isdigit()]
    assert received == items.splitlines()  # every item once, none cut
    assert size("", contents[0]) > 3000  # parts are filled, not one item each
