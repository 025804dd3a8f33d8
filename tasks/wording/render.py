"""Rendering messages from jinja2 templates: a template's first line is the title, the rest the body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tasks.wording.blocks import text_blocks
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


def _is_message_html(name: str | None) -> bool:
    return bool(name) and str(name).startswith("messages/") and str(name).endswith(".html.j2")


@lru_cache(maxsize=4)
def environment(directory: Path = TEMPLATES_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(directory),
        undefined=StrictUndefined,
        # Plain-text messages and the documents' HTML templates escape explicitly; the e-mail renderings of
        # messages (messages/*.html.j2) are escaped automatically, since township and village names are data.
        autoescape=_is_message_html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["cn_date"] = cn_date
    env.filters["text_blocks"] = text_blocks
    env.filters["yuan"], env.filters["wan_yuan"] = yuan, wan_yuan  # 43,218 and 105.6万元: no cents
    env.globals["terms"] = terms()  # the office's words (glossary.toml): {{ terms.you(is_township) }}
    return env


def render(template: str, context: Mapping[str, Any], directory: Path = TEMPLATES_DIR) -> Rendered:
    text = environment(directory).get_template(template).render(**context).strip()
    title, _, body = text.partition("\n")
    return Rendered(title=title.strip(), body=body.strip("\n"))
