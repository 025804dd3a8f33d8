"""The office's terms (公文用语) and the spellings it never uses, from glossary.toml beside this module: the
templates read the terms (`terms` in every jinja2 environment), the tests scan for the forbidden spellings, and
documents write amounts as the office does (`yuan`, `wan_yuan`)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

GLOSSARY_FILE = Path(__file__).with_name("glossary.toml")

# A date written the ISO way (2017-06-12): never inside a sentence or table meant for readers.
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")


@dataclass(frozen=True)
class Terms:
    you_township: str
    you_unit: str
    you_village: str
    we_county: str
    schedule_progress: str
    work_task: str
    requirements: str

    def you(self, is_township: bool) -> str:
        """你镇（乡） to a township, 你单位 to anyone else."""
        return self.you_township if is_township else self.you_unit


@lru_cache(maxsize=1)
def _glossary() -> dict[str, dict[str, str]]:
    with GLOSSARY_FILE.open("rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=1)
def terms() -> Terms:
    return Terms(**_glossary()["terms"])


@lru_cache(maxsize=1)
def forbidden() -> dict[re.Pattern[str], str]:
    """Each forbidden spelling (a compiled pattern) with why and what to write instead."""
    return {re.compile(pattern): why for pattern, why in _glossary()["forbidden"].items()}


def offences(text: str) -> list[str]:
    """What in `text` the office would not write: forbidden spellings and ISO dates, each with its reason."""
    found = [f"“{m.group(0)}”：{why}" for pattern, why in forbidden().items() for m in pattern.finditer(text)]
    found += [f"“{m.group(0)}”：日期写作2017年6月12日" for m in ISO_DATE.finditer(text)]
    return found


def yuan(amount: float) -> str:
    """43,218 — whole yuan with thousands separators, as a table column headed （元） shows an amount."""
    return f"{_whole(amount):,}"


def wan_yuan(amount: float) -> str:
    """105.6万元 — an amount in a sentence, in 万元 to at most two decimals (trailing zeros dropped)."""
    wan = (Decimal(str(amount)) / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{wan:f}".rstrip("0").rstrip(".") if "." in f"{wan:f}" else f"{wan:f}"
    return f"{text}万元"


def _whole(amount: float) -> int:
    return int(Decimal(str(amount)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
