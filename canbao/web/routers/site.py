"""Routes of the site as a whole, whoever asks: robots.txt and the pages' own scripts (served from the package:
the county intranet has no internet)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse

from canbao.web.deps import NotFound

router = APIRouter()
STATIC = Path(__file__).resolve().parents[1] / "static"
SCRIPTS = ("upload.js",)


@router.get("/robots.txt", response_class=PlainTextResponse)
def robots() -> str:
    return "User-agent: *\nDisallow: /\n"


@router.get("/static/{name}")
def script(name: str) -> FileResponse:
    """A script of the pages, by its name in SCRIPTS (nothing else of the folder, no path)."""
    if name not in SCRIPTS:
        raise NotFound
    return FileResponse(STATIC / name, media_type="text/javascript; charset=utf-8")
