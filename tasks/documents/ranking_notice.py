"""The weekly ranking notice (进展情况通报) during the ranking phases: which days it is issued on, its number in
the series, what it says — milestones done on time and, once the household survey is under way, survey
completion — as a text message to every township and the county and as an official document (GB/T 9704).
Pure.

The townships at the bottom are named; a tie with the last of them widens the list rather than leaving one out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from models.campaign.spec import Campaign
from tasks.documents.official import OfficialDocument, Section, Table, document_number
from tasks.scoring.ranking import TownshipStanding
from tasks.wording.glossary import terms
from tasks.wording.render import cn_date

if TYPE_CHECKING:
    from tasks.messages.survey_reminders import SurveyStanding


def is_ranking_day(campaign: Campaign, as_of: date) -> bool:
    phase = campaign.phase_on(as_of)
    return phase is not None and phase.key in campaign.ranking.phases and as_of.isoweekday() == campaign.ranking.weekday


def notice_number(campaign: Campaign, year: int, serial: int) -> str:
    """The campaign's document number for its `serial`-th notice of `year` (`[notices] doc_number`)."""
    notices = campaign.notices
    return document_number(notices.doc_number, prefix=notices.doc_prefix, year=year, serial=serial)


def ranking_serial(campaign: Campaign, as_of: date) -> int:
    """The notice's number in the series: how many ranking days there have been up to `as_of`."""
    serial = 0
    for phase in campaign.phases.values():
        if phase.key not in campaign.ranking.phases:
            continue
        day = phase.start
        while day <= min(phase.end, as_of):
            serial += day.isoweekday() == campaign.ranking.weekday
            day += timedelta(days=1)
    return serial


RANKING_TITLE = "关于全民参保登记工作进展情况的通报"
RANKING_RECIPIENTS = "各乡镇人民政府，县直有关单位："


def rectify_by(campaign: Campaign, signed_on: date) -> date:
    """The day a notice that demands rectification (整改) wants the townships' report by."""
    return signed_on + timedelta(days=campaign.notices.rectify_within_days)


def ranking_context(
    campaign: Campaign,
    standings: list[TownshipStanding],
    as_of: date,
    survey: Sequence[SurveyStanding] | None = None,
) -> dict[str, Any]:
    """What the ranking notice says, for the text message and the official document alike.

    The notice names one list of townships at the bottom (`bottom`): during the household survey those last
    on survey completion and behind 序时进度 (`bottom_basis` "survey"), otherwise the last on the work tasks
    ("tasks"). `survey_bottom` is the same list, kept for the callers that read it under that name."""
    serial = max(ranking_serial(campaign, as_of), 1)
    phase = campaign.phase_on(as_of)
    bottom: list[dict[str, Any]] = [s.__dict__ for s in bottom_townships(standings, campaign.ranking.bottom)]
    basis = "tasks"
    survey_part: dict[str, Any] = {}
    if survey:
        ranked = sorted(survey, key=lambda s: s.rank)
        cutoff = ranked[max(len(ranked) - campaign.ranking.bottom, 0)].rank if campaign.ranking.bottom else None
        # Only townships behind 序时进度 are named as laggards: the last places of a county well ahead of it are
        # not behind, and a projection alone (a warning) never names one.
        survey_bottom = [s for s in ranked if cutoff is not None and s.rank >= cutoff and s.rate < 1 and s.behind]
        bottom, basis = [s.__dict__ for s in survey_bottom], "survey"
        survey_part = {
            "survey": [s.__dict__ for s in ranked],
            "survey_bottom": bottom,
            "survey_totals": {
                "to_visit": sum(s.to_visit for s in ranked),
                "visited": sum(s.visited for s in ranked),
                "registered": sum(s.registered for s in ranked),
                "behind": sum(s.behind for s in ranked),
                "expected_rate": max((s.expected_rate for s in ranked), default=0.0),
            },
        }
    return {
        **survey_part,
        "serial": serial,
        "doc_number": notice_number(campaign, as_of.year, serial),
        "phase": phase.model_dump() if phase else None,
        "standings": [s.__dict__ for s in standings],
        "bottom": bottom,
        "bottom_basis": basis,
        "rectify_by": rectify_by(campaign, as_of),
        "totals": {
            "considered": sum(s.considered for s in standings),
            "on_time": sum(s.on_time for s in standings),
            "late": sum(s.late for s in standings),
            "overdue": sum(s.overdue for s in standings),
        },
    }


def ranking_document(
    campaign: Campaign,
    standings: list[TownshipStanding],
    as_of: date,
    survey: Sequence[SurveyStanding] | None = None,
) -> OfficialDocument:
    """The ranking notice as an official document (GB/T 9704): reason, findings, ranking tables, the townships
    at the bottom, requirements; the same figures as the text message."""
    c = ranking_context(campaign, standings, as_of, survey)
    sections = [Section(None, [f"为掌握全民参保登记工作进度，现将截至{cn_date(as_of)}各乡镇工作进展情况通报如下。"])]
    nodes, nodes_table = _nodes_summary(c), _nodes_table(c)
    if "survey" in c:
        sections.append(_survey_section(c))
        sections.append(Section("工作任务完成情况", [nodes], nodes_table))
    else:
        sections.append(Section("总体情况", [nodes]))
        sections.append(Section("各乡镇排名", [], nodes_table))
    if c["bottom"]:
        sections.append(_bottom_section(c, campaign.notices.issuer))
    sections.append(_requirements_section(c["phase"]))
    return OfficialDocument.issued(
        campaign.notices.issuer,
        doc_number=c["doc_number"],
        title=RANKING_TITLE,
        recipients=RANKING_RECIPIENTS,
        sections=sections,
        signed_on=as_of,
        keywords=("全民参保登记", "通报"),
    )


def _nodes_summary(c: Mapping[str, Any]) -> str:
    """The county's milestones in one sentence: due, on time, late, overdue."""
    totals = c["totals"]
    return (
        f"全县{len(c['standings'])}个乡镇应完成工作任务{totals['considered']}项，已按时完成{totals['on_time']}项，"
        f"逾期完成{totals['late']}项，逾期未完成{totals['overdue']}项。"
    )


def _nodes_table(c: Mapping[str, Any]) -> Table:
    return Table(
        columns=["名次", "乡镇", "应完成", "按时完成", "逾期完成", "未完成", "得分"],
        rows=[
            [
                str(s["rank"]),
                s["name"],
                str(s["considered"]),
                str(s["on_time"]),
                str(s["late"]),
                str(s["overdue"]),
                f"{s['score']:.1f}",
            ]
            for s in c["standings"]
        ],
        caption="各乡镇工作任务完成情况排名",
    )


def _survey_table(c: Mapping[str, Any]) -> Table:
    return Table(
        columns=["名次", "乡镇", "应访人数", "已访人数", "完成率", "预计完成"],
        rows=[
            [
                str(s["rank"]),
                s["name"],
                str(s["to_visit"]),
                str(s["visited"]),
                f"{s['rate'] * 100:.1f}%",
                (cn_date(s["projected_done"]) if s["projected_done"] else "—") + ("（滞后）" if s["behind"] else ""),
            ]
            for s in c["survey"]
        ],
        caption="各乡镇入户调查进度排名",
    )


def _survey_section(c: Mapping[str, Any]) -> Section:
    """The household survey's progress: the county's figures and the ranking (the bottom is named once, in the
    section of the townships at the bottom)."""
    t = c["survey_totals"]
    done = 100 * t["visited"] / t["to_visit"] if t["to_visit"] else 100.0
    return Section(
        "入户调查进度",
        [
            f"全县应入户调查{t['to_visit']}人，已走访{t['visited']}人，完成率{done:.1f}%，"
            f"序时进度{t['expected_rate'] * 100:.1f}%；走访中登记{t['registered']}人；"
            f"{t['behind']}个乡镇进度滞后。"
        ],
        _survey_table(c),
    )


def bottom_sentence(c: Mapping[str, Any], issuer: str) -> str:
    """The townships at the bottom, why, and by when they report their rectification (整改)."""
    names = "、".join(s["name"] for s in c["bottom"])
    words = terms()
    survey = f"入户调查完成率排名靠后且低于{words.schedule_progress}"
    why = survey if c["bottom_basis"] == "survey" else f"{words.work_task}完成情况排名靠后"
    return (
        f"{names}等{len(c['bottom'])}个乡镇{why}，予以通报。请上述乡镇认真查找原因，制定整改措施，加快工作进度，"
        f"并于{cn_date(c['rectify_by'])}前将整改情况书面报送{issuer}。"
    )


def _bottom_section(c: Mapping[str, Any], issuer: str) -> Section:
    return Section("进度靠后乡镇", [bottom_sentence(c, issuer)])


def _requirements_section(phase: Mapping[str, Any] | None) -> Section:
    """What the townships must do, with the current phase's deadline."""
    by_phase_end = f"{phase['name']}工作必须于{cn_date(phase['end'])}前全面完成。" if phase else ""
    return Section(
        "工作要求",
        [
            f"各乡镇要对照工作方案时间安排，集中精力、集中时间，扎实抓好落实。{by_phase_end}"
            "对按时完成任务的乡镇，按工作落实情况兑现经费补助；对工作后进的乡镇，给予通报批评，并纳入年度绩效考核。"
        ],
    )


def bottom_townships(standings: list[TownshipStanding], count: int) -> list[TownshipStanding]:
    """The last `count` places, widened to include anyone tied with the last of them."""
    if count <= 0 or not standings:
        return []
    ordered = sorted(standings, key=lambda s: s.rank)
    cutoff_rank = ordered[max(len(ordered) - count, 0)].rank
    return [s for s in ordered if s.rank >= cutoff_rank]
