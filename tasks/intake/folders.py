"""A delivery folder as `canbao collect` reads it: DIR/<source key>/files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SUFFIXES = {".xlsx", ".xls", ".csv"}


def delivery_folder(directory: Path, sources: Sequence[str]) -> tuple[dict[str, list[Path]], list[str]]:
    """The files of `DIR/<source key>/…` per source, and the sub-folders that name no source."""
    found: dict[str, list[Path]] = {}
    unknown = []
    for sub in sorted(p for p in directory.iterdir() if p.is_dir()):
        if sub.name not in sources:
            unknown.append(sub.name)
            continue
        files = sorted(p for p in sub.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        if files:
            found[sub.name] = files
    return found, unknown
