"""Which format a recipient's service reads, how long a message it takes, and a message fitted to that length.

A message is rendered in three formats (text, markdown, html); each apprise service gets the one it shows
best, chosen from its URL's schema: a WeCom or DingTalk group bot and Feishu read markdown, e-mail reads
HTML (with the documents attached), SMS-like services and anything unknown read plain text. An explicit
`?format=` in the URL wins. Pure: the sending edge (tasks.messages.sending) hands in what apprise knows of a
service.

Limits are the services' documented ones, counted in UTF-8 bytes (a Chinese character is three):
WeCom group bot markdown 4096 bytes, text 2048 bytes; DingTalk custom bot 20000 bytes; Feishu custom bot
request body 20 KB. A message longer than its service's limit is split into numbered parts at block
boundaries (a paragraph, a list, a table: never inside a table row, a table's header repeated in each part),
or, when it has documents attached, shortened to what fits with a pointer to the attachment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Format = Literal["text", "markdown", "html"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "html")
FORMAT_NAMES: dict[Format, str] = {"text": "纯文本", "markdown": "Markdown", "html": "HTML"}
# The template of a kind in a format other than text: templates/messages/<kind>.<suffix>.j2 (text: the campaign's).
TEMPLATE_SUFFIX: dict[Format, str] = {"text": "txt", "markdown": "md", "html": "html"}


@dataclass(frozen=True)
class Channel:
    format: Format
    limit: int | None  # UTF-8 bytes of title and body together; None: no limit worth splitting for


# schema -> (format, limit in bytes) for the services canbao's recipients use.
KNOWN_SERVICES: dict[str, tuple[Format, int | None]] = {
    "wecombot": ("markdown", 4096),
    "dingtalk": ("markdown", 20000),
    "feishu": ("markdown", 20000),
    "mailto": ("html", None),
    "mailtos": ("html", None),
}
# In text, WeCom's group bot takes half of what it takes in markdown.
TEXT_LIMITS: dict[str, int] = {"wecombot": 2048}


def channel_for(
    schema: str, declared: Sequence[str], override: str | None = None, max_chars: int | None = None
) -> Channel:
    """The format and limit for a service: its URL's `?format=` (`override`) if it can show it, else the format
    canbao knows the schema reads, else the service's own first declared format; a service that is not known
    is limited to apprise's `body_maxlen` for it (`max_chars`, taken as bytes: never too long)."""
    schema = schema.lower()
    known = KNOWN_SERVICES.get(schema)
    formats = [f for f in declared if f in FORMATS] or ["text"]
    if override in FORMATS and (override in formats or override == "text"):
        chosen = override
    elif known is not None:
        chosen = known[0]
    else:
        chosen = formats[0]
    if chosen == "text" and schema in TEXT_LIMITS:
        return Channel("text", TEXT_LIMITS[schema])
    if known is not None:
        return Channel(chosen, known[1])  # a service's limit whatever the format (e-mail: none)
    return Channel(chosen, max_chars or None)


# --------------------------------------------------------------------------
# Fitting a message to a limit
# --------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[。；！？])")
_PART_MARK_BYTES = len("（99/99）".encode())


@dataclass(frozen=True)
class Part:
    title: str
    body: str


def size(title: str, body: str) -> int:
    """Bytes a service is sent: title and body, and the line or heading mark between them."""
    return len(title.encode()) + len(body.encode()) + 4


def fit(title: str, body: str, fmt: Format, limit: int | None, attachments: Sequence[str] = ()) -> list[Part]:
    """The message as one or more parts within `limit`. With attachments, one part: the blocks that fit, then a
    pointer to the attached documents; without, numbered parts, each holding whole blocks, rows or items."""
    if limit is None or size(title, body) <= limit:
        return [Part(title, body)]
    opening, inner, closing = _wrapper(body) if fmt == "html" else ("", body, "")
    if opening:
        # each part wrapped as the whole was, so that every part is balanced HTML
        wrapped = fit(title, inner, fmt, limit - len((opening + closing).encode()) - 2, attachments)
        return [Part(p.title, f"{opening}\n{p.body}\n{closing}") for p in wrapped]
    budget = limit - len(title.encode()) - _PART_MARK_BYTES - 4
    if attachments:
        # as much as fits, to the row or sentence, then the pointer
        tail = pointer(fmt, attachments)
        kept = _filled(_units(body, fmt, 0), fmt, budget - len(tail.encode()) - 2)
        return [Part(title, _render([*kept[0], _Unit(tail, -1)] if kept else [_Unit(tail, -1)], fmt))]
    chunks = [_render(chunk, fmt) for chunk in _filled(_units(body, fmt, budget), fmt, budget)]
    if len(chunks) == 1:
        return [Part(title, chunks[0])]
    return [Part(f"{title}（{n}/{len(chunks)}）", chunk) for n, chunk in enumerate(chunks, 1)]


def pointer(fmt: Format, attachments: Sequence[str]) -> str:
    text = f"（篇幅所限，以下内容从略，详见附件：{'、'.join(attachments)}）"
    if fmt == "html":
        return f"<p>{_escape(text)}</p>"
    return f"> {text}" if fmt == "markdown" else text


@dataclass(frozen=True)
class _Unit:
    """What is never cut: a whole block, or one row, item or sentence of a block too long for any part. A part
    that opens with a table's row opens with the table's header."""

    text: str
    block: int  # the block it belongs to: rows of one block are joined by a line break, blocks by a blank line
    header: str = ""
    sep: str = "\n"  # before it, after a unit of its block: sentences of a paragraph run on, rows and items don't


def _units(body: str, fmt: Format, budget: int) -> list[_Unit]:
    """Blocks within `budget` whole (a part then never opens in the middle of a paragraph that fits in one),
    longer ones by rows, items or sentences."""
    units: list[_Unit] = []
    for index, block in enumerate(_blocks(body, fmt)):
        lines = block.splitlines()
        if len(block.encode()) <= budget:
            units.append(_Unit(block, index))
            continue
        is_table = fmt == "markdown" and len(lines) > 2 and lines[0].startswith("|") and set(lines[1]) <= set("|-: ")
        if is_table:
            header = "\n".join(lines[:2])
            units += [_Unit(row, index, header) for row in lines[2:]]
        elif len(lines) > 1 and fmt != "html":
            units += [_Unit(line, index) for line in lines]
        elif fmt != "html":
            units += [_Unit(sentence, index, sep="") for sentence in _SENTENCE_END.split(block) if sentence]
        else:
            units.append(_Unit(block, index))  # an element (a table with its rows) is sent whole
    return units


def _render(units: Sequence[_Unit], fmt: Format) -> str:
    out = ""
    previous: _Unit | None = None
    for unit in units:
        same_block = previous is not None and previous.block == unit.block
        text = unit.text if same_block or not unit.header else f"{unit.header}\n{unit.text}"
        if previous is None:
            out = text
        elif same_block:
            out += unit.sep + text
        else:
            out += ("\n" if fmt == "html" else "\n\n") + text
        previous = unit
    return out


def _filled(units: Sequence[_Unit], fmt: Format, budget: int) -> list[list[_Unit]]:
    """Parts filled in order with whole units, each within `budget` (a unit alone over it goes alone)."""
    chunks: list[list[_Unit]] = [[]]
    for unit in units:
        if chunks[-1] and len(_render([*chunks[-1], unit], fmt).encode()) > budget:
            chunks.append([])
        chunks[-1].append(unit)
    return [c for c in chunks if c]


def _blocks(body: str, fmt: Format) -> list[str]:
    if fmt == "html":
        return _html_blocks(body)
    return [b.strip("\n") for b in re.split(r"\n\s*\n", body) if b.strip()]


def _html_blocks(body: str) -> list[str]:
    """Top-level elements, a <table> (with its caption) or a list kept whole."""
    blocks: list[str] = []
    depth = 0
    for line in body.splitlines():
        if not line.strip():
            continue
        if depth and blocks:
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
        depth += len(re.findall(r"<(table|ol|ul)\b", line)) - len(re.findall(r"</(table|ol|ul)>", line))
    return blocks


def _wrapper(body: str) -> tuple[str, str, str]:
    """An HTML body wrapped in one element (<div …> … </div>): its opening line, its inside, its closing line."""
    lines = body.strip().splitlines()
    if len(lines) > 2 and lines[0].startswith("<div") and lines[0].endswith(">") and lines[-1] == "</div>":
        return lines[0], "\n".join(lines[1:-1]), lines[-1]
    return "", body, ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
