"""The survey's cut-off (seed 四（三）: 入户调查工作必须于6月30日前全面完成), scheduled for the end of the deadline.

It freezes each village's figures at the deadline and marks late visits (tasks.survey.cutoff), issues the
final notice with the scores, and publishes the frozen figures as a Prefect artifact.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows.sending import send_messages
from tasks.documents.final_notice import KIND
from tasks.messages.notices import queue_final_notice
from tasks.survey.cutoff import cut_off_survey, cutoff_table
from tasks.wording.render import cn_date
from tasks.workspace import Workspace, today_in


@flow(name="survey-cutoff")
def survey_cutoff(as_of: date | None = None, notify: bool = True) -> dict[str, Any]:
    """Freeze the household survey's result at its deadline (later visits are kept and marked late), then
    issue the final notice with the scores."""
    ws = Workspace.open()
    try:
        with ws.lock("cutoff"):
            result = cut_off_survey(ws, as_of)
        if notify:
            day = as_of or today_in(ws.campaign()[1])
            with ws.lock("outbox"):
                queue_final_notice(ws, day)
                campaign_id, _campaign = ws.campaign()
                sent = send_messages(ws, campaign_id)
            result["final_notice"] = {
                "sent": sum(h.status == "sent" for h in sent if h.kind == KIND),
                "failed": sum(h.status == "failed" for h in sent if h.kind == KIND),
            }
    finally:
        ws.close()
    unfinished = [t["name"] for t in result["townships"] if not t["finished"]]
    create_table_artifact(
        key="survey-cutoff",
        table=cutoff_table(result),
        description=f"入户调查截止（{cn_date(date.fromisoformat(result['deadline']))}）各乡镇完成情况",
    )
    get_run_logger().info("入户调查已截止：%d 个乡镇未按期完成，逾期走访 %d 条", len(unfinished), result["late_visits"])
    return result
