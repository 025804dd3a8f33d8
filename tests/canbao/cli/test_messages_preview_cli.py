"""`canbao messages preview`: each kind as a group chat, an e-mail or an SMS-like channel gets it, and the
errors a coordinator can make (an unknown kind, recipient or format: exit 2; nothing of that kind that day:
exit 1), in Chinese."""

from __future__ import annotations

import json

import pytest

from tasks.workspace import Workspace
from tests.cli_runner import invoke, invoke_ok

FENGCHENG = "350524100"


@pytest.fixture
def initialised(env: dict[str, str], workspace: Workspace) -> dict[str, str]:
    """What `canbao init` leaves (the session's initialised copy, tests/db_templates.py)."""
    return env


def test_a_reminder_previewed_in_each_format(initialised: dict[str, str]) -> None:
    args = ("messages", "preview", "overdue", "--owner", "police", "--as-of", "2017-04-25")
    code, text, err = invoke(initialised, *args, "--format", "text")
    assert code == 0, err
    assert text.startswith("【逾期催办】提供基础数据已逾期5天\n")
    assert "\n    根据《" in text and "截至2017年4月25日" in text  # paragraphs indented as a letter
    code, markdown, err = invoke(initialised, *args, "--format", "markdown")
    assert code == 0, err
    assert "\n\n尚未提供的数据：户籍人员信息。\n\n" in markdown
    assert "企业微信群机器人：上限 4096 字节，未超过上限" in err
    code, html, err = invoke(initialised, *args, "--format", "html")
    assert code == 0, err
    assert '<p style="margin:0 0 .6em">县公安局：</p>' in html
    assert "电子邮件：无长度上限" in err


def test_the_weekly_ranking_as_a_group_chat_and_as_an_e_mail_gets_it(initialised: dict[str, str]) -> None:
    args = ("messages", "preview", "weekly_ranking", "--owner", FENGCHENG, "--as-of", "2017-05-05")
    markdown = invoke_ok(initialised, *args, "--format", "markdown")
    assert "得分前3名：" in markdown and "各乡镇完整排名见附件：" in markdown and ".docx" in markdown
    assert "  " not in markdown.replace("\n", "")  # no column aligned with spaces
    html = invoke_ok(initialised, *args, "--format", "html")
    assert html.count("<table") == 1 and html.count("<tr><td") == 24


def test_preview_as_json(initialised: dict[str, str]) -> None:
    out = invoke_ok(
        initialised, "messages", "preview", "final_notice", "--format", "markdown", "--as-of", "2017-07-01",
        "--owner", "county", "--json",
    )  # fmt: skip
    shown = json.loads(out)
    assert shown["kind"] == "final_notice" and shown["owner"] == "county" and shown["format"] == "markdown"
    assert shown["title"] == "【通报】关于全民参保登记入户调查工作完成情况的通报"
    assert shown["bytes"] == len((shown["title"] + shown["body"]).encode()) + 4
    assert {s["service"] for s in shown["services"]} == {"企业微信群机器人", "钉钉群机器人", "飞书群机器人"}
    assert all(s["parts"] == 1 for s in shown["services"])


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("nosuch",), 2, "未知的消息类型 nosuch"),
        (("reminder", "--owner", "999999"), 2, "未知的接收单位 999999"),
        (("reminder", "--format", "pdf"), 2, "--format 只能是 text、markdown、html"),
        (("reminder", "--as-of", "2017-13-01"), 2, "--as-of"),
        (("survey_behind", "--as-of", "2017-04-25"), 1, "2017年4月25日没有调查进度提醒（survey_behind）"),
    ],
)
def test_errors_are_in_chinese(initialised: dict[str, str], args: tuple[str, ...], code: int, message: str) -> None:
    got, out, err = invoke(initialised, "messages", "preview", *args)
    assert got == code
    assert message in err and out == ""
