"""The visit form as a worker submits it: read with a size limit, parsed, and kept as typed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request

MAX_FORM_BYTES = 16_384  # a visit form is well under 2 KB; anything larger is not one
MAX_TEXT = 200  # characters kept of any one field
_CORRECTION_SEPARATORS = re.compile(r"[；;\r\n]+")


@dataclass
class VisitForm:
    """The visit form as the worker filled it in, kept as typed so a rejected form can be shown again."""

    outcome: str = ""
    corrections: dict[str, str] = field(default_factory=dict)
    visited_on: str = ""
    visitor: str = ""
    reason: str = ""  # 未参保原因
    intent: str = ""  # 参保意愿: an intent code, a name or an alias

    @classmethod
    def parse(cls, body: bytes, correctable: Mapping[str, Any]) -> VisitForm:
        values = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)

        def first(name: str) -> str:
            return values.get(name, [""])[0].strip()[:MAX_TEXT]

        return cls(
            outcome=first("outcome"),
            corrections={name: first(f"c_{name}") for name in correctable},
            visited_on=first("visited_on"),
            visitor=first("visitor"),
            reason=first("reason"),
            intent=first("intent"),
        )

    def corrections_text(self) -> str:
        """The corrections as a returned list's 更正信息 cell, so they pass the same checks. A separator inside
        a value (an address with a semicolon) would split the pair: it becomes a comma."""
        return "；".join(
            f"{name}：{_CORRECTION_SEPARATORS.sub('，', value)}" for name, value in self.corrections.items() if value
        )


async def read_form(request: Request) -> bytes | None:
    """The request body, or None once it grows past what a visit form can be."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    return bytes(body)
