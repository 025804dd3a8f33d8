"""A plain-text message read back as blocks (salutation, paragraphs, numbered items, signature), so that the
markdown and HTML renderings of a message say exactly what its text template says, laid out for the channel."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["line", "paragraph", "items"]

_ITEM = re.compile(r"^(\d+)\.\s+(.*)$")
_INDENT = "    "


@dataclass
class Block:
    kind: BlockKind
    text: str = ""
    items: list[str] = field(default_factory=list)


def text_blocks(body: str) -> list[Block]:
    """Indented lines are paragraphs, indented "1. …" lines numbered items, flush-left lines stand alone (the
    salutation above, the issuer and the date below); blank lines only separate."""
    blocks: list[Block] = []
    for raw in body.splitlines():
        if not raw.strip():
            continue
        text = raw.strip()
        item = _ITEM.match(text) if raw.startswith(_INDENT) else None
        if item:
            if not blocks or blocks[-1].kind != "items":
                blocks.append(Block("items"))
            blocks[-1].items.append(item.group(2))
        elif raw.startswith(_INDENT):
            blocks.append(Block("paragraph", text))
        else:
            blocks.append(Block("line", text))
    return blocks
