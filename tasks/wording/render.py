"""Rendering messages from jinja2 templates: a template's first line is the title, the rest the body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tasks.wording.glossary import terms, wan_yuan, yuan

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def cn_date(value: date | str) -> str:
    """2017年6月30日: Arabic numerals without leading zeros, as official documents write dates."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.year}年{value.month}月{value.day}日"


@lru_cache(maxsize=4)
def environment(directory: Path = TEMPLATES_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(directory),
        undefined=StrictUndefined,
        autoescape=False,  # plain-text messages; HTML templates escape explicitly
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["cn_date"] = cn_date
    env.filters["yuan"], env.filters["wan_yuan"] = yuan, wan_yuan  # 43,218 and 105.6万元: no cents
    env.globals["terms"] = terms()  # the office's words (glossary.toml): {{ terms.you(is_township) }}
    return env


def render(template: str, context: Mapping[str, Any], directory: Path = TEMPLATES_DIR) -> Rendered:
    text = environment(directory).get_template(template).render(**context).strip()
    title, _, body = text.partition("\n")
    return Rendered(title=title.strip(), body=body.strip("\n"))
