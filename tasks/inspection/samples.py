"""A township's spot-check sample: recorded once per draw (the same draw again reuses it) and written as the
workbook the inspectors fill in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlmodel import Session

from models.campaign.spec import Campaign, Township
from models.inspection import sample_keys
from models.inspection_records import add_spot_sample, stored_day
from tasks.survey.worklists import write_table
from tasks.wording.render import cn_date

SHEET_COLUMNS = ("序号", "村（社区）", "姓名", "身份证号", "户号", "走访结果", "走访日期", "走访人",
                 "核查结果", "核查说明", "核查人", "核查日期", "抽查编号")  # fmt: skip


@dataclass(frozen=True)
class Drawn:
    sample_id: int
    reused: bool
    frame: pd.DataFrame


def record_sample(
    session: Session, campaign_id: int, township: str, day: date, seed: int, size: int, frame: pd.DataFrame
) -> Drawn:
    """The sample drawn before with the same parameters and the same visits, or a new one."""
    keys = set(frame["key"].astype(str))
    earlier = sample_keys(
        session.connection(), campaign_id=campaign_id, township_code=township, as_of=day, seed=seed, size=size
    )
    same = [sample_id for sample_id, drawn in earlier.items() if drawn == keys]
    if same:
        return Drawn(max(same), True, frame)
    sample_id = add_spot_sample(
        session, campaign_id=campaign_id, township_code=township, as_of=day, seed=seed, size=size, drawn=frame
    )
    return Drawn(sample_id, False, frame)


def write_sample(
    campaign: Campaign,
    township: Township,
    drawn: Drawn,
    details: dict[str, tuple[str, str]],
    day: date,
    path: Path,
) -> Path:
    """The inspectors' workbook: the drawn visits with name and household, and empty columns for the results."""
    frame = drawn.frame
    villages = campaign.village_names()
    outcomes = campaign.survey.outcomes
    ids = frame["id_number"].astype(str).tolist()
    sheet = pd.DataFrame(
        {
            "序号": range(1, len(frame) + 1),
            "村（社区）": [villages.get(str(v), str(v)) for v in frame["village_code"]],
            "姓名": [details.get(i, ("", ""))[0] for i in ids],
            "身份证号": ids,
            "户号": [details.get(i, ("", ""))[1] for i in ids],
            "走访结果": [outcomes[str(o)].name if str(o) in outcomes else str(o) for o in frame["outcome"]],
            "走访日期": [cn_date(stored_day(v)) for v in frame["visited_on"]],  # as an inspector reads a date
            "走访人": [str(v or "") for v in frame["visitor"]],
            "核查结果": "",
            "核查说明": "",
            "核查人": "",
            "核查日期": "",
            "抽查编号": str(drawn.sample_id),
        },
        columns=list(SHEET_COLUMNS),
    )
    results = "、".join(r.name for r in campaign.inspection.results.values())
    title = (
        f"{campaign.county.name}{township.name}全民参保登记入户调查督查抽查表（第{drawn.sample_id}批，"
        f"截至{day.year}年{day.month}月{day.day}日，共{len(frame)}人；核查结果填：{results}）"
    )
    text_columns = {"身份证号", "户号", "走访日期", "核查日期", "抽查编号"}
    return write_table(sheet, path, "督查抽查", title, text_columns=text_columns)
