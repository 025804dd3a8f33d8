"""The survey's cut-off (seed 四（三）: 入户调查工作必须于6月30日前全面完成) and its final notice.

Cutting off freezes each village's figures at the deadline (models.survey.cutoff) and marks the visits made or
received after it as late. Run again, it changes nothing but marks the visits recorded since as late. Visits
recorded after the cut-off are kept and still update persons; they count toward the survey's progress but not
toward on-time completion or the scores.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from models.survey.cutoff import counts_at_deadline, cutoff_of, freeze, frozen, late_visit_count, mark_late_visits
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in

RECORDER = "系统（入户调查截止）"


class TooEarly(RuntimeError):
    """The survey cannot be cut off before its deadline has passed."""


def cut_off_survey(ws: Workspace, as_of: date | None = None) -> dict[str, Any]:
    """Freeze the figures at the deadline (once) and mark late visits; the townships' frozen figures."""
    campaign_id, campaign = ws.campaign()
    day = as_of or today_in(campaign)
    _start, deadline = campaign.survey_window()
    if day <= deadline:
        raise TooEarly(f"入户调查截止日期为{cn_date(deadline)}，{cn_date(day)}尚不能截止（截止后一天起可运行）")
    with ws.session() as session:
        newly = False
        if cutoff_of(session, campaign_id=campaign_id) is None:  # counting reads every visit: only once
            counts = counts_at_deadline(session.connection(), campaign_id=campaign_id, deadline=deadline)
            newly = freeze(session, campaign_id=campaign_id, deadline=deadline, counts=counts, by=RECORDER)
        marked = mark_late_visits(session.connection(), campaign_id=campaign_id, deadline=deadline)
    with ws.session() as session:
        stored = frozen(session, campaign_id=campaign_id)
        late = late_visit_count(session.connection(), campaign_id=campaign_id)
    assert stored is not None
    names = {t.code: t.name for t in campaign.townships}
    totals = stored.villages.groupby("township_code")[["to_visit", "visited", "registered"]].sum()
    townships = [
        {
            "code": code,
            "name": names.get(str(code), str(code)),
            "to_visit": int(row.to_visit),
            "visited": int(row.visited),
            "registered": int(row.registered),
            "rate": round(int(row.visited) / int(row.to_visit), 4) if row.to_visit else 1.0,
            "finished": int(row.visited) >= int(row.to_visit),
        }
        for code, row in totals.iterrows()
    ]
    return {
        "deadline": deadline.isoformat(),
        "frozen_at": stored.frozen_at.isoformat(),
        "frozen_now": newly,
        "late_visits": late,
        "late_marked_now": marked,
        "townships": townships,
    }


def cutoff_table(result: dict[str, Any]) -> list[dict[str, str | int]]:
    """The townships of a cut-off's result, headed in Chinese."""
    return [
        {
            "乡镇": t["name"],
            "应访人数": t["to_visit"],
            "已访人数": t["visited"],
            "完成率": f"{t['rate'] * 100:.1f}%",
            "按期完成": "是" if t["finished"] else "否",
        }
        for t in result["townships"]
    ]
