"""Masking of personal data, so that ID and phone numbers never appear in full in notices, logs or reports.

find_unmasked is also what the tests use to scan every produced text for leaks, so its patterns lean towards
flagging too much rather than too little.
"""

from __future__ import annotations

import re

__all__ = ["find_unmasked", "mask_id", "mask_phone", "mask_text"]

_STAR = "*"

# `\d` (not [0-9]) on purpose: full-width digits in a notice leak just as much as ASCII ones.
# The digit guards keep longer runs (order numbers, bank references, packed int64 keys) from being split.
_ID18 = r"(?<!\d)\d{17}[\dXxＸｘ](?!\d)"
_ID15 = r"(?<!\d)\d{15}(?!\d)"
# Mainland mobiles, also written with a +86/86 prefix or grouped 3-4-4 with spaces or hyphens, as they often
# are in source sheets; an unguarded prefix would let "+8613812341234" slip through the leading digit guard.
_PHONE = r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)"
_PATTERN = re.compile(f"(?P<id>{_ID18}|{_ID15})|(?P<phone>{_PHONE})")


def mask_id(id_: str) -> str:
    """Keep the first 6 and last 4 characters of an ID and star the rest: 350524********123X.

    The length is kept so a reader still sees what kind of value it was. For 15 characters or more that means
    at most 10 characters shown (the address code and the last four) and the birth date hidden. Shorter
    strings are typically mistyped IDs, so at most half of them is shown, which still hides most of it.
    """
    n = len(id_)
    if n >= 15:
        head, tail = 6, 4
    else:
        head = tail = n // 4
    return id_[:head] + _STAR * (n - head - tail) + id_[n - tail :]


def mask_phone(phone: str) -> str:
    """13812341234 -> 138****1234; other lengths keep first 3 and last 4 if 8 or more long, else all stars."""
    n = len(phone)
    if n < 8:
        return _STAR * n
    return phone[:3] + _STAR * (n - 7) + phone[-4:]


def find_unmasked(text: str) -> list[str]:
    """Return the substrings of `text` that look like an unmasked ID (18- or 15-digit) or mobile number."""
    return [m.group(0) for m in _PATTERN.finditer(text)]


def mask_text(text: str) -> str:
    """Replace everything find_unmasked would report with its masked form."""

    def _mask(m: re.Match[str]) -> str:
        return mask_id(m.group(0)) if m.group("id") is not None else mask_phone(m.group(0))

    return _PATTERN.sub(_mask, text)
