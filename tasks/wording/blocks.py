"""A plain-text message read back as blocks (salutation, paragraphs, numbered items, signature), so that the
markdown and HTML renderings of a message say exactly what its text template says, laid out for the channel."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["line", "paragraph", "items", "table", "heading"]

_ITEM = re.compile(r"^(\d+)\.\s+(.*)$")
# Columns aligned with spaces: two or more runs of two or more spaces between words on one line.
_ALIGNED = re.compile(r"\S {2,}\S+ {2,}\S")
_HEADING = re.compile(r"^[一二三四五六七八九十]+、\S{2,12}$")
_INDENT = "    "


@dataclass
class Block:
    kind: BlockKind
    text: str = ""
    items: list[str] = field(default_factory=list)


def text_blocks(body: str) -> list[Block]:
    """Indented lines are paragraphs, indented "1. …" lines numbered items, a short "一、…" line a heading, a run
    of lines aligned with spaces a table (its lines in `items`, the header first), flush-left lines stand alone
    (the salutation above, the issuer and the date below); blank lines only separate."""
    blocks: list[Block] = []
    for raw in body.splitlines():
        if not raw.strip():
            continue
        text = raw.strip()
        item = _ITEM.match(text) if raw.startswith(_INDENT) else None
        if raw.startswith(_INDENT) and _ALIGNED.search(text):
            if not blocks or blocks[-1].kind != "table":
                blocks.append(Block("table"))
            blocks[-1].items.append(text)
        elif item:
            if not blocks or blocks[-1].kind != "items":
                blocks.append(Block("items"))
            blocks[-1].items.append(item.group(2))
        elif raw.startswith(_INDENT):
            blocks.append(Block("heading" if _HEADING.match(text) else "paragraph", text))
        else:
            blocks.append(Block("line", text))
    return blocks
