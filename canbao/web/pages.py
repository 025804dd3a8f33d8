"""Rendering the page's templates (templates/web/)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from models.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "templates" / "web"


def make_templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(templates: Environment, name: str, context: Mapping[str, Any], status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context), status_code=status_code)


def not_found_page(templates: Environment) -> HTMLResponse:
    """The one 404 page: a wrong link, a revoked link and another village's entry look alike."""
    return render(templates, "not_found.html", {}, status_code=404)
