"""The final notice (入户调查完成情况通报) after the survey's cut-off: totals, the ranking with scores and
subsidies, commendation of the townships that finished on time, criticism of the others, requirements. Pure.

Its number follows the weekly ranking notices of the same year (the next serial after the last of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from tasks.campaign import COUNTY_TAG, Campaign
from tasks.reminders import PlannedMessage, ranking_serial
from tasks.scoring import TownshipFacts, TownshipScore

KIND = "final_notice"


def final_notice_context(
    campaign: Campaign, facts: Sequence[TownshipFacts], scores: Sequence[TownshipScore], as_of: date
) -> dict[str, Any]:
    """What the text template and the document are rendered from (no personal data: figures and names)."""
    _start, deadline = campaign.survey_window()
    serial = ranking_serial(campaign, deadline) + 1
    by_code = {f.code: f for f in facts}
    rows = [
        {
            "rank": s.rank,
            "code": s.township,
            "name": s.name,
            "to_visit": by_code[s.township].to_visit,
            "visited": by_code[s.township].visited,
            "rate": s.rate,
            "score": s.score,
            "subsidy": s.subsidy,
            "finished": s.finished,
            "criticised": s.criticised,
            "reasons": list(s.reasons),
        }
        for s in scores
    ]
    to_visit = sum(f.to_visit for f in facts)
    visited = sum(f.visited for f in facts)
    analysis = campaign.phases.get("analysis")
    return {
        "serial": serial,
        "doc_number": f"{campaign.notices.doc_prefix}〔{deadline.year}〕{serial}号",
        "deadline": deadline,
        "plan": campaign.name,
        "rows": rows,
        "totals": {
            "to_visit": to_visit,
            "visited": visited,
            "rate": visited / to_visit if to_visit else 1.0,
            "finished": sum(r["finished"] for r in rows),
            "unfinished": sum(not r["finished"] for r in rows),
            "subsidy": sum(r["subsidy"] for r in rows),
        },
        "commended": [r for r in rows if r["finished"] and not r["criticised"]],
        "criticised": [r for r in rows if r["criticised"]],
        "analysis": analysis.model_dump() if analysis else None,
        "signed_on": as_of,
    }


def plan_final_notice(
    campaign: Campaign, facts: Sequence[TownshipFacts], scores: Sequence[TownshipScore], as_of: date
) -> list[PlannedMessage]:
    """One message per township and one to the county; the key makes it go out once per campaign."""
    context = final_notice_context(campaign, facts, scores, as_of)
    deadline = context["deadline"]
    return [
        PlannedMessage(
            key=f"{campaign.key}:{KIND}:{deadline.isoformat()}:{tag}",
            kind=KIND,
            owner=tag,
            milestone=None,
            tags=(tag,),
            as_of=as_of,
            context=context,
        )
        for tag in [*campaign.township_codes, COUNTY_TAG]
    ]
