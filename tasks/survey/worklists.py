"""Household-visit work lists (入户调查名单) per village and coverage gaps (扩面盲点) per township.

A village's list holds its uninsured (未参保) and partly insured (未参全) persons and those whose data is
wrong (信息错误、数据异常): the whole ID number is shown, because this village must find the person.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from models.campaign.spec import INSURANCES, Campaign
from tasks.survey import paper

ANOMALY_NAMES = {
    "duplicate_enrolment": "重复参保",
    "deceased_enrolled": "死亡未停保",
    "inconsistent_identity": "信息不一致",
}
# Information, never an anomaly (tasks.comparison.compare.OUTSIDE_REGISTER): no one on a village's list has it.
OUTSIDE_REGISTER_NAME = "户籍外参保"
CATEGORY_NAMES = {"uninsured": "未参保", "partial": "未参全", "insured_full": "已参保", "deceased": "死亡",
                  "moved_out": "已迁出", "away": "暂不适用（服兵役、服刑、出国（境））"}  # fmt: skip
# What the worker writes back: the outcome, what the person said (未参保原因, 参保意愿), corrections, who (and under
# which 入户调查证) and when.
OUTCOME_COLUMNS = ("走访结果", "未参保原因", "参保意愿", "更正信息", "走访人", "入户调查证号", "走访日期")
LIST_COLUMNS = (
    "序号", "户号", "姓名", "身份证号", "性别", "年龄", "户籍所在地", "现居住地", "联系电话", "走访原因", "缺少险种",
    "资助参保对象", "核查说明", *OUTCOME_COLUMNS,
)  # fmt: skip


@dataclass(frozen=True)
class VillageList:
    township: str
    village_code: str
    village_name: str
    rows: pd.DataFrame  # LIST_COLUMNS


def to_visit(persons: pd.DataFrame, anomalies: pd.DataFrame) -> pd.DataFrame:
    """The persons a village must visit, with the reasons in Chinese."""
    wanted = persons["category"].isin(["uninsured", "partial"]) | (persons["anomalies"] != "")
    chosen = persons[wanted].copy()
    reasons = chosen["category"].map({"uninsured": "未参保", "partial": "未参全"}).fillna("")
    flagged = (
        chosen["anomalies"].str.split(",").map(lambda codes: [ANOMALY_NAMES[c] for c in codes if c in ANOMALY_NAMES])
    )
    chosen["走访原因"] = ["、".join([r, *f] if r else f) for r, f in zip(reasons, flagged, strict=True)]
    evidence = (
        anomalies[anomalies["kind"].isin(list(ANOMALY_NAMES))].groupby("id_number")["evidence"].agg("；".join)
        if len(anomalies)
        else pd.Series(dtype="str")
    )
    chosen["核查说明"] = chosen["id_number"].map(evidence).astype("str").fillna("")  # empty map: float NaN
    return chosen


def village_lists(
    campaign: Campaign, persons: pd.DataFrame, anomalies: pd.DataFrame, insurance_names: dict[str, str]
) -> Iterator[VillageList]:
    """One list per village of the campaign (empty ones included), rows sorted by household."""
    chosen = to_visit(persons, anomalies).sort_values(["village_code", "household", "id_number"], kind="stable")
    gaps = [[insurance_names[i] if v == "missing" else "" for v in chosen[i].tolist()] for i in INSURANCES]
    missing = ["、".join(name for name in row if name) for row in zip(*gaps, strict=True)]
    subsidised_names = {key: source.name for key, source in campaign.sources.items()}
    table = pd.DataFrame(
        {
            "序号": chosen.groupby("village_code").cumcount().to_numpy() + 1,
            "户号": chosen["household"].to_numpy(),
            "姓名": chosen["name"].to_numpy(),
            "身份证号": chosen["id_number"].to_numpy(),
            "性别": chosen["sex"].to_numpy(),
            "年龄": chosen["age"].to_numpy(),
            "户籍所在地": chosen["registered_address"].to_numpy() if "registered_address" in chosen else "",
            "现居住地": chosen["address"].to_numpy(),
            "联系电话": chosen["phone"].to_numpy(),
            "走访原因": chosen["走访原因"].to_numpy(),
            "缺少险种": missing,
            "资助参保对象": chosen["subsidised"]
            .map(lambda s: "、".join(subsidised_names.get(k, k) for k in s.split(",") if k))
            .to_numpy(),
            "核查说明": chosen["核查说明"].to_numpy(),
            **{column: "" for column in OUTCOME_COLUMNS},
        }
    )
    village_of = chosen["village_code"].to_numpy()
    bounds = {code: (int(first), int(last)) for code, first, last in _runs(village_of)}
    for township in campaign.townships:
        for village in township.villages:
            first, last = bounds.get(village.code, (0, 0))
            yield VillageList(township.name, village.code, village.name, table.iloc[first:last])


def _runs(values: object) -> list[tuple[str, int, int]]:
    """(value, start, end) of each run of equal values in a sorted array."""
    codes = pd.Series(values)
    if codes.empty:
        return []
    starts = codes.ne(codes.shift()).to_numpy().nonzero()[0]
    ends = [*starts[1:], len(codes)]
    return [(str(codes.iloc[a]), a, b) for a, b in zip(starts, ends, strict=True)]


def coverage_gaps(campaign: Campaign, persons: pd.DataFrame, insurance_names: dict[str, str]) -> pd.DataFrame:
    """Per village: residents, uninsured, partly insured and the gaps by insurance (扩面盲点)."""
    living = persons[persons["category"] != "deceased"]
    flags = pd.DataFrame(
        {
            "village_code": living["village_code"],
            "户籍人数": 1,
            "未参保": living["category"].eq("uninsured").astype(int),
            "未参全": living["category"].eq("partial").astype(int),
            **{f"{insurance_names[i]}应保未保": living[i].eq("missing").astype(int) for i in INSURANCES},
        }
    )
    counts = flags.groupby("village_code").sum()
    rows = [
        {"乡镇": township.name, "村（社区）代码": village.code, "村（社区）": village.name}
        for township in campaign.townships
        for village in township.villages
    ]
    frame = pd.DataFrame(rows)
    figures = counts.reindex(frame["村（社区）代码"]).fillna(0).astype(int).reset_index(drop=True)
    return pd.concat([frame, figures], axis=1)


def write_village_list(item: VillageList, path: Path, title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    try:
        sheet = workbook.add_worksheet("入户调查名单")
        _write_table(workbook, sheet, title, item.rows, text_columns={"身份证号", "联系电话", "户号"})
    finally:
        workbook.close()
    return path


def write_gaps(frame: pd.DataFrame, path: Path, title: str) -> Path:
    return write_table(frame, path, "扩面盲点", title, text_columns={"村（社区）代码"})


def write_table(frame: pd.DataFrame, path: Path, sheet_name: str, title: str, text_columns: set[str]) -> Path:
    """One sheet: a title row, a header row and the frame, `text_columns` kept as text (IDs, codes, phones)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    try:
        sheet = workbook.add_worksheet(sheet_name)
        _write_table(workbook, sheet, title, frame, text_columns=text_columns)
    finally:
        workbook.close()
    return path


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook written by `write_sheets`."""

    name: str
    title: str
    frame: pd.DataFrame
    text_columns: frozenset[str] = frozenset()


def write_sheets(path: Path, sheets: list[Sheet]) -> Path:
    """Several sheets, each a title row, a header row and its frame, as `write_table` writes one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    try:
        for sheet in sheets:
            ws = workbook.add_worksheet(sheet.name)
            _write_table(workbook, ws, sheet.title, sheet.frame, text_columns=set(sheet.text_columns))
    finally:
        workbook.close()
    return path


def _write_table(
    workbook: xlsxwriter.Workbook, ws: Any, title: str, frame: pd.DataFrame, text_columns: set[str]
) -> None:
    """The title merged across the columns, the header, the rows with borders, set up to print (tasks.survey.paper);
    `text_columns` are written as text so that an 18-digit ID never shows as a number."""
    cell = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
    bold = workbook.add_format({**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#EDEDED"})
    heading = workbook.add_format(
        {"bold": True, "font_size": paper.TITLE_POINTS, "font_name": "宋体", "align": "center", "valign": "vcenter",
         "text_wrap": True}
    )  # fmt: skip
    text = workbook.add_format({**cell, "num_format": "@"})
    plain = workbook.add_format({**cell, "text_wrap": True})
    columns = [str(c) for c in frame.columns]
    values = frame.astype(object).to_numpy().tolist()
    as_text = [column in text_columns for column in columns]
    widths, heights = paper.table_layout(columns, values, unwrapped=as_text)
    for c, column in enumerate(columns):
        if column in text_columns and column == "身份证号":
            widths[c] = max(widths[c], paper.ID_WIDTH)
        ws.set_column(c, c, widths[c], text if column in text_columns else plain)
    last = max(len(columns) - 1, 0)
    if last:
        ws.merge_range(0, 0, 0, last, title, heading)
    else:
        ws.write_string(0, 0, title, heading)
    ws.set_row(0, paper.title_height(title, sum(widths)))
    for c, column in enumerate(columns):
        ws.write_string(1, c, column, bold)
    for r, (row, height) in enumerate(zip(values, heights, strict=True), start=2):
        if height:
            ws.set_row(r, height)
        for c, value in enumerate(row):
            if as_text[c]:
                ws.write_string(r, c, "" if value is None else str(value), text)
            elif isinstance(value, str) or value is None:
                ws.write_string(r, c, value or "", plain)
            else:
                ws.write_number(r, c, float(value), plain)
    ws.freeze_panes(2, 0)
    paper.set_up_for_paper(ws, header_rows=2)
