"""Every kind of message in every format: the text for SMS-like channels, markdown for group chats (no table
aligned with spaces, within the bots' limits, a ranking as short lists with the attached document), HTML for
e-mail (a real table, names escaped)."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from models.campaign.spec import Campaign
from tasks.identity.masking import find_unmasked
from tasks.messages.channels import FORMATS, KNOWN_SERVICES, fit, size
from tasks.messages.outbox import format_template, render_formats
from tasks.messages.planned import PlannedMessage
from tasks.messages.preview import KINDS
from tasks.wording.render import TEMPLATES_DIR
from tests.message_samples import sample_messages

# Two or more runs of two or more spaces between words on one line: columns aligned with spaces.
SPACE_ALIGNED = re.compile(r"\S {2,}\S+ {2,}\S")
ISO_DATE = re.compile(r"(?<![\d〔])\d{4}-\d{2}-\d{2}(?!\d)")


@pytest.fixture(scope="module")
def samples() -> dict[str, PlannedMessage]:
    from tests.conftest import DEFAULT_CAMPAIGN, load_campaign

    return sample_messages(load_campaign(DEFAULT_CAMPAIGN)[0])


def test_every_kind_the_code_sends_has_a_sample_and_a_template_per_format(
    campaign: Campaign, samples: dict[str, PlannedMessage]
) -> None:
    assert set(samples) == set(KINDS)
    assert set(campaign.notices.templates) <= set(KINDS)
    for kind in KINDS:
        for fmt in ("markdown", "html"):
            assert (TEMPLATES_DIR / format_template(kind, fmt)).is_file(), (kind, fmt)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_each_kind_renders_in_each_format(
    campaign: Campaign, samples: dict[str, PlannedMessage], kind: str, fmt: str
) -> None:
    rendered = render_formats(campaign, samples[kind])
    shown = rendered[fmt]  # type: ignore[index]
    assert shown.title.startswith("【") and shown.title == rendered["text"].title
    assert campaign.notices.issuer in shown.body
    assert find_unmasked(shown.body) == []
    if fmt != "text":
        assert not [line for line in shown.body.splitlines() if SPACE_ALIGNED.search(line)]
        assert not ISO_DATE.findall(shown.body), "a date inside a sentence not written 2017年6月12日"
    if fmt == "markdown":
        for schema in ("wecombot", "dingtalk", "feishu"):
            assert size(shown.title, shown.body) <= KNOWN_SERVICES[schema][1]  # type: ignore[operator]
    if fmt == "html":
        _assert_balanced(shown.body)


def test_the_check_for_space_aligned_tables_catches_the_text_ranking(
    campaign: Campaign, samples: dict[str, PlannedMessage]
) -> None:
    text = render_formats(campaign, samples["weekly_ranking"])["text"].body
    assert any(SPACE_ALIGNED.search(line) for line in text.splitlines())


SIMPLE_KINDS = ["reminder", "overdue", "escalation", "survey_behind", "survey_warning", "survey_escalation",
                "survey_refused", "training_reminder", "rectification_reminder", "rectification_overdue",
                "rectification_escalation"]  # fmt: skip


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_markdown_and_html_say_what_the_text_says(
    campaign: Campaign, samples: dict[str, PlannedMessage], kind: str
) -> None:
    """In the text's own words (the notices' markdown excepted: a short summary by design); the text's tables
    become the e-mail's tables."""
    rendered = render_formats(campaign, samples[kind])
    lines = [line.strip() for line in rendered["text"].body.splitlines() if line.strip()]
    sentences = [re.sub(r"^\d+\.\s+", "", line) for line in lines if not SPACE_ALIGNED.search(line)]
    html_text = _text_of(rendered["html"].body)
    for sentence in sentences:
        assert sentence in html_text
        if kind in SIMPLE_KINDS:
            assert sentence in rendered["markdown"].body


def test_a_table_aligned_with_spaces_becomes_a_real_table_in_html() -> None:
    from tasks.wording.blocks import text_blocks
    from tasks.wording.render import environment

    body = "你单位：\n\n    情况如下：\n    名次  单位    得分\n    1     甲镇    90.0\n    2     乙乡    80.5\n\n县办"
    blocks = text_blocks(body)
    assert [b.kind for b in blocks] == ["line", "paragraph", "table", "line"]
    assert blocks[2].items[0] == "名次  单位    得分"
    html = environment().get_template("messages/reminder.html.j2").render(text=_rendered("标题", body))
    assert "<th>名次</th><th>单位</th><th>得分</th>" in html and "<tr><td>2</td><td>乙乡</td><td>80.5</td></tr>" in html
    assert "80.5" in html and "  " not in re.sub(r"<[^>]+>", "", html).replace("\n", "")


def _rendered(title: str, body: str) -> object:
    from tasks.wording.render import Rendered

    return Rendered(title=title, body=body)


def test_the_ranking_in_a_group_chat_is_short_lists_and_the_attached_document(
    campaign: Campaign, samples: dict[str, PlannedMessage]
) -> None:
    message = samples["weekly_ranking"]
    markdown = render_formats(campaign, message)["markdown"].body
    survey = sorted(message.context["survey"], key=lambda s: s["rank"])
    top = [s["name"] for s in survey[: campaign.ranking.bottom]]
    assert re.search("完成率前3名：" + "（[^）]*）、".join(top), markdown)
    assert all(s["name"] in markdown for s in message.context["survey_bottom"])
    assert "安参保办〔2017〕5号-通报.docx" in markdown
    assert "|" not in markdown  # no table at all: the full ranking is the attachment's
    assert len(markdown.encode()) < len(render_formats(campaign, message)["text"].body.encode())


@pytest.mark.parametrize("kind", ["weekly_ranking", "final_notice"])
def test_the_e_mail_carries_real_tables_with_every_township(
    campaign: Campaign, samples: dict[str, PlannedMessage], kind: str
) -> None:
    html = render_formats(campaign, samples[kind])["html"].body
    tables = re.findall(r"<table.*?</table>", html, flags=re.S)
    assert tables
    for table in tables:
        rows = re.findall(r"<tr><td(.*?)</tr>", table, flags=re.S)  # the body rows, not the heading
        assert len(rows) == len(campaign.townships)
        assert {t.name for t in campaign.townships} <= {m for r in rows for m in re.findall(r">([^<>]+)</td>", r)}
    assert "<th" in html and "附件：" in html


def test_names_are_escaped_in_html(campaign: Campaign, samples: dict[str, PlannedMessage]) -> None:
    message = samples["reminder"]
    odd = replace(message, context={**message.context, "owner_name": "<b>某镇</b>&"})
    html = render_formats(campaign, odd)["html"].body
    assert "&lt;b&gt;某镇&lt;/b&gt;&amp;" in html and "<b>" not in html


def test_every_kind_split_for_a_small_limit_keeps_its_blocks_whole(
    campaign: Campaign, samples: dict[str, PlannedMessage]
) -> None:
    for kind, message in samples.items():
        shown = render_formats(campaign, message)["markdown"]
        parts = fit(shown.title, shown.body, "markdown", 700)
        assert all(size(p.title, p.body) <= 700 for p in parts), kind
        lines = [line for p in parts for line in p.body.splitlines() if line.strip()]
        assert lines == [line for line in shown.body.splitlines() if line.strip()], kind  # none cut, none lost
        assert len(parts) > 1 or size(shown.title, shown.body) <= 700


class _Balance(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "meta"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def _assert_balanced(html: str) -> None:
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert parser.stack == []


def _text_of(html: str) -> str:
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))
