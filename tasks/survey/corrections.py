"""The feedback lists of what the visits found wrong in the departments' data (错误信息反馈清单)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from models.exports import log_exports
from models.survey.visits import person_changes_before, visit_records
from tasks.survey.card_register import stored_cards
from tasks.survey.cards import card_follow_ups
from tasks.survey.visits import correction_lists, township_follow_ups
from tasks.survey.worklists import write_table
from tasks.workspace import Workspace

CORRECTION_HEADINGS = {
    "id_number": "身份证号", "name": "姓名", "village": "村（社区）", "finding": "核查结果", "field": "更正项目",
    "before": "原信息", "after": "核实后信息", "visited_on": "走访日期", "visitor": "走访人",
}  # fmt: skip
FOLLOW_UP_HEADINGS = {
    "id_number": "身份证号", "name": "姓名", "village": "村（社区）", "finding": "走访结果", "action": "需办理事项",
    "reason": "未参保原因", "visited_on": "走访日期", "visitor": "走访人",
}  # fmt: skip


def export_corrections(ws: Workspace, out: Path) -> dict[str, Any]:
    """One workbook per department with what the visits found wrong in its data (错误信息反馈清单), and one per
    township with the persons it must follow up or confirm and the visits made under a revoked or unknown
    入户调查证 (入户调查跟进名单)."""
    campaign_id, campaign = ws.campaign()
    with ws.engine.connect() as connection:
        visits = visit_records(connection, campaign_id=campaign_id)
        registry = person_changes_before(connection, campaign_id=campaign_id, ids=sorted({v.id_number for v in visits}))
    lists = correction_lists(visits, campaign.survey, registry)
    villages = campaign.village_names()
    departments = {d.key: d.name for d in campaign.departments}
    written: dict[str, dict[str, Any]] = {}
    for key, rows in sorted(lists.items()):
        frame = pd.DataFrame(rows)
        frame["village"] = frame["village_code"].map(villages).fillna(frame["village_code"])
        frame = frame[list(CORRECTION_HEADINGS)].rename(columns=CORRECTION_HEADINGS)
        name = departments.get(key, key)
        path = write_table(
            frame,
            out / f"{name}-入户调查错误信息反馈清单.xlsx",
            "反馈清单",
            f"{campaign.county.name}全民参保登记入户调查发现的{name}数据问题（共{len(frame)}条，请核实更正）",
            text_columns={"身份证号", "原信息", "核实后信息"},
        )
        written[key] = {"department": name, "rows": len(frame), "file": str(path)}
    townships = {t.code: t.name for t in campaign.townships}
    follow_ups: dict[str, dict[str, Any]] = {}
    to_follow = township_follow_ups(visits, campaign.survey, registry)
    # Visits under a revoked or unknown 入户调查证: the township checks them too, once the county keeps a register
    # (without one, every visit would be "without a card").
    cards = stored_cards(ws)
    for code, rows in (card_follow_ups(cards, visits, registry) if cards else {}).items():
        to_follow.setdefault(code, []).extend(rows)
    for code, rows in sorted(to_follow.items()):
        frame = pd.DataFrame(rows)
        frame["village"] = frame["village_code"].map(villages).fillna(frame["village_code"])
        frame = frame[list(FOLLOW_UP_HEADINGS)].rename(columns=FOLLOW_UP_HEADINGS)
        name = townships.get(code, code)
        path = write_table(
            frame,
            out / f"{name}-入户调查跟进名单.xlsx",
            "跟进名单",
            f"{name}入户调查需跟进和核实的人员（共{len(frame)}条；查无此人经你镇（乡）核实确认后方报有关部门）",
            text_columns={"身份证号"},
        )
        follow_ups[code] = {"township": name, "rows": len(frame), "file": str(path)}
    with ws.session() as session:
        files = [(Path(w["file"]), w["rows"]) for w in [*written.values(), *follow_ups.values()]]
        log_exports(session, campaign_id=campaign_id, kind="corrections", files=files)
    return {"out": str(out), "departments": written, "townships": follow_ups}
