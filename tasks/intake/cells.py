"""Rows of an accepted table as typed records, for the importers of returned workbooks (survey lists, spot
checks): each cell as the importer left it, the text fields stripped, a column a workbook did not have as ""."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any, TypeVar

import pandas as pd

Row = TypeVar("Row")


def cell_text(value: Any) -> str:
    """A cell as text: empty for a missing value, stripped otherwise."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def rows_as(frame: pd.DataFrame, row_type: type[Row], text_fields: Iterable[str]) -> list[Row]:
    """The frame's rows as `row_type` (a dataclass whose field names are columns); `text_fields` as `cell_text`."""
    n = len(frame)
    names = [field.name for field in fields(row_type)]  # type: ignore[arg-type]
    columns = {name: frame[name].tolist() if name in frame.columns else [""] * n for name in names}
    for name in text_fields:
        columns[name] = [cell_text(value) for value in columns[name]]
    return [row_type(**dict(zip(names, cells, strict=True))) for cells in zip(*columns.values(), strict=True)]
