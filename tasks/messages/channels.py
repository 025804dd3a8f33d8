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
from typing import Literal, cast

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
        chosen = cast(Format, override)
    elif known is not None:
        chosen = known[0]
    else:
        chosen = cast(Format, formats[0])
    if chosen == "text" and schema in TEXT_LIMITS:
        return Channel("text", TEXT_LIMITS[schema])
    if known is not None and known[0] == chosen:
        return Channel(chosen, known[1])
    if schema in ("mailto", "mailtos"):
        return Channel(chosen, None)  # e-mail, whatever its format: no length worth splitting for
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
    pointer to the attached documents; without, numbered parts, each holding whole blocks."""
    if limit is None or size(title, body) <= limit:
        return [Part(title, body)]
    budget = limit - len(title.encode()) - _PART_MARK_BYTES - 4
    if attachments:
        return [Part(title, _shortened(body, fmt, budget, attachments))]
    chunks = _pack(_pieces(body, fmt, budget), budget, fmt)
    if len(chunks) == 1:
        return [Part(title, chunks[0])]
    return [Part(f"{title}（{n}/{len(chunks)}）", chunk) for n, chunk in enumerate(chunks, 1)]


def pointer(fmt: Format, attachments: Sequence[str]) -> str:
    text = f"（篇幅所限，以下内容从略，详见附件：{'、'.join(attachments)}）"
    if fmt == "html":
        return f"<p>{_escape(text)}</p>"
    return f"> {text}" if fmt == "markdown" else text


def _shortened(body: str, fmt: Format, budget: int, attachments: Sequence[str]) -> str:
    tail = pointer(fmt, attachments)
    room = budget - len(tail.encode()) - 2
    kept: list[str] = []
    for piece in _pieces(body, fmt, room):
        if len(_join([*kept, piece], fmt).encode()) <= room:
            kept.append(piece)
            continue
        # The first piece that does not fit: as many of its rows, items or sentences as do (a table keeps
        # its header), then the pointer.
        left = room - len(_join([*kept, ""], fmt).encode())
        head = _broken(piece, fmt, left) if left > 0 else []
        if head and len(head[0].encode()) <= left:
            kept.append(head[0])
        break
    return _join([*kept, tail], fmt)


def _join(pieces: Sequence[str], fmt: Format) -> str:
    return ("\n" if fmt == "html" else "\n\n").join(p for p in pieces if p)


def _pack(pieces: list[str], budget: int, fmt: Format) -> list[str]:
    chunks: list[list[str]] = [[]]
    for piece in pieces:
        if chunks[-1] and len(_join([*chunks[-1], piece], fmt).encode()) > budget:
            chunks.append([])
        chunks[-1].append(piece)
    return [_join(c, fmt) for c in chunks if c]


def _pieces(body: str, fmt: Format, budget: int) -> list[str]:
    """The body's blocks, a block too long for `budget` broken where it may be: a table between rows (its
    header repeated), a list between items, a paragraph between sentences."""
    pieces: list[str] = []
    for block in _blocks(body, fmt):
        if len(block.encode()) <= budget:
            pieces.append(block)
        else:
            pieces.extend(_broken(block, fmt, budget))
    return pieces


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


def _broken(block: str, fmt: Format, budget: int) -> list[str]:
    lines = block.splitlines()
    if fmt == "markdown" and len(lines) > 2 and lines[0].startswith("|") and set(lines[1]) <= set("|-: "):
        return _rows_grouped(lines[:2], lines[2:], budget)
    if len(lines) > 1:
        return _rows_grouped([], lines, budget)
    if fmt == "html":
        return [block]  # one element too long alone: its part is sent whole rather than cut inside a tag
    return _sentences(block, budget)


def _rows_grouped(header: list[str], rows: list[str], budget: int) -> list[str]:
    groups: list[list[str]] = []
    for row in rows:
        if groups and len("\n".join([*header, *groups[-1], row]).encode()) <= budget:
            groups[-1].append(row)
        else:
            groups.append([row])
    return ["\n".join([*header, *g]) for g in groups]


def _sentences(paragraph: str, budget: int) -> list[str]:
    out: list[str] = []
    for sentence in (s for s in _SENTENCE_END.split(paragraph) if s):
        if out and len((out[-1] + sentence).encode()) <= budget:
            out[-1] += sentence
        else:
            out.append(sentence)
    return out


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
