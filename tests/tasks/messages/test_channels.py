"""Which format each service gets, and a message fitted to a service's limit: split between blocks or rows,
never inside a table row, a table's header repeated; shortened with a pointer when documents are attached."""

from __future__ import annotations

import re

import apprise
import pytest

from tasks.messages.channels import Channel, channel_for, fit, size
from tasks.messages.sending import channel_of

KEY = "a1b2c3d4secretkey9f8e7d6c5b4a"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"wecombot://{KEY}", Channel("markdown", 4096)),
        (f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}", Channel("markdown", 4096)),
        (f"wecombot://{KEY}?format=text", Channel("text", 2048)),
        (f"dingtalk://{KEY}", Channel("markdown", 20000)),
        (f"dingtalk://{KEY}?format=text", Channel("text", 20000)),
        (f"feishu://{KEY}", Channel("markdown", 20000)),
        ("mailto://user:pass@example.org?to=shebao@example.org", Channel("html", None)),
        ("mailtos://user:pass@example.org?to=shebao@example.org&format=text", Channel("text", None)),
        ("json://127.0.0.1:8080/hook", Channel("text", 32768)),
        ("json://127.0.0.1:8080/hook?format=markdown", Channel("markdown", 32768)),
        ("canbaofile:///tmp/mailbox", Channel("text", 32768)),
        (f"tgram://123456789:{KEY}/987654321", Channel("html", 4096)),
    ],
)
def test_the_format_is_chosen_from_the_apprise_url(url: str, expected: Channel) -> None:
    import tasks.messages.sending  # noqa: F401  (registers canbaofile:// and the markdown bots)

    service = apprise.Apprise.instantiate(url)
    assert service is not None
    assert channel_of(service) == expected


def test_an_unknown_service_takes_its_first_declared_format_and_apprise_limit() -> None:
    assert channel_for("xyz", ["text"], None, 160) == Channel("text", 160)
    assert channel_for("xyz", ["markdown", "text"], "text", None) == Channel("text", None)


def _table(rows: int) -> str:
    lines = ["| 名次 | 乡镇 | 完成率 |", "| --- | --- | --- |"]
    lines += [f"| {n} | 第{n}乡镇 | {n / rows:.1%} |" for n in range(1, rows + 1)]
    return "\n".join(lines)


def test_a_short_message_is_sent_whole() -> None:
    assert fit("标题", "正文。", "markdown", 4096) == [fit("标题", "正文。", "markdown", 4096)[0]]
    [part] = fit("标题", "正文。", "markdown", 4096)
    assert (part.title, part.body) == ("标题", "正文。")


def test_a_long_table_is_split_between_rows_with_its_header_repeated() -> None:
    body = "截至2017年5月31日各乡镇进度如下。\n\n" + _table(300) + "\n\n安溪县全民参保登记工作领导小组办公室"
    parts = fit("【通报】进度", body, "markdown", 4096)
    assert len(parts) > 1
    assert all(size(p.title, p.body) <= 4096 for p in parts)
    assert [p.title for p in parts] == [f"【通报】进度（{n}/{len(parts)}）" for n in range(1, len(parts) + 1)]
    rows = [line for p in parts for line in p.body.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert rows == [line for line in _table(300).splitlines()[2:]]  # every row once, whole, in order
    for part in parts:
        lines = part.body.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("|") and (i == 0 or not lines[i - 1].startswith("|")):
                assert lines[i : i + 2] == _table(1).splitlines()[:2], "a table part without its header"


def test_a_long_paragraph_is_split_between_sentences() -> None:
    body = "".join(f"第{n}个乡镇已完成入户调查。" for n in range(400))
    parts = fit("标题", body, "text", 2048)
    assert len(parts) > 1 and all(size(p.title, p.body) <= 2048 for p in parts)
    assert all(p.body.endswith("。") for p in parts)
    assert "".join(p.body for p in parts) == body


def test_with_documents_attached_a_long_message_is_shortened_with_a_pointer() -> None:
    body = "各乡镇进度如下。\n\n" + _table(300)
    [part] = fit("【通报】进度", body, "markdown", 4096, ["安参保办〔2017〕5号-通报.docx"])
    assert size(part.title, part.body) <= 4096
    assert part.body.endswith("详见附件：安参保办〔2017〕5号-通报.docx）")
    kept = part.body.splitlines()
    assert kept[2:4] == _table(1).splitlines()[:2]
    assert all(line.count("|") == 4 for line in kept if line.startswith("|"))  # no row cut


def test_html_is_split_between_elements_never_inside_a_table() -> None:
    table = "<table>\n" + "\n".join(f"<tr><td>{n}</td><td>第{n}乡镇</td></tr>" for n in range(50)) + "\n</table>"
    body = "\n".join([*(f"<p>第{n}段。</p>" for n in range(200)), table])
    parts = fit("标题", body, "html", 3000)
    assert len(parts) > 1
    assert [p.body.count("<table>") for p in parts].count(1) == 1
    assert all(p.body.count("<table>") == p.body.count("</table>") for p in parts)


def test_an_html_message_wrapped_in_a_div_is_split_into_parts_each_wrapped_alike() -> None:
    paragraphs = "\n".join(f"<p>第{n}个乡镇已完成入户调查。</p>" for n in range(300))
    body = f'<div style="font-size:16px">\n{paragraphs}\n</div>'
    parts = fit("标题", body, "html", 4000)
    assert len(parts) > 1 and all(size(p.title, p.body) <= 4000 for p in parts)
    assert all(
        p.body.startswith('<div style="font-size:16px">\n<p>') and p.body.endswith("</p>\n</div>") for p in parts
    )
    assert sum(p.body.count("<p>") for p in parts) == 300
