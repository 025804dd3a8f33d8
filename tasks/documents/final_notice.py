"""The final notice (入户调查完成情况通报) after the survey's cut-off: totals, the ranking with scores and
subsidies, commendation of the townships that finished on time, criticism of the others, requirements. Pure.

Its number follows the weekly ranking notices of the same year (the next serial after the last of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from models.campaign.spec import Campaign
from tasks.documents.official import OfficialDocument, Section, Table
from tasks.documents.ranking_notice import RANKING_RECIPIENTS, notice_number, ranking_serial, rectify_by
from tasks.inspection.ledger_records import Ledger
from tasks.scoring.scores import TownshipFacts, TownshipScore
from tasks.wording.glossary import wan_yuan, yuan
from tasks.wording.render import cn_date

KIND = "final_notice"
TITLE = "关于全民参保登记入户调查工作完成情况的通报"


def final_notice_context(
    campaign: Campaign,
    facts: Sequence[TownshipFacts],
    scores: Sequence[TownshipScore],
    as_of: date,
    ledger: Ledger | None = None,
) -> dict[str, Any]:
    """What the text template and the document are rendered from (no personal data: figures and names).
    `ledger`: the inspectors' ledger on `as_of`, for the section on spot checks and rectification."""
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
            "deducted": -s.deducted,  # points deducted in the performance assessment, as a positive number
        }
        for s in scores
    ]
    to_visit = sum(f.to_visit for f in facts)
    visited = sum(f.visited for f in facts)
    analysis = campaign.phases.get("analysis")
    inspection = inspection_context(campaign, ledger, as_of)
    return {
        "serial": serial,
        "doc_number": notice_number(campaign, deadline.year, serial),
        "deadline": deadline,
        "plan": campaign.plan_citation,  # 《title》（number）
        "rules_name": campaign.scoring.rules_name,
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
        "inspection": inspection,
        "inspection_lines": inspection_paragraphs(inspection) if inspection else [],
        "signed_on": as_of,
        "rectify_by": rectify_by(campaign, as_of),
    }


def inspection_context(campaign: Campaign, ledger: Ledger | None, as_of: date) -> dict[str, Any] | None:
    """The spot checks and the inspectors' findings on `as_of`: totals, the townships with errors (worst first)
    and those with findings overdue, who must report by a date; None when there was neither."""
    if ledger is None:
        return None
    names = {t.code: t.name for t in campaign.townships}
    checked = sum(r[0] for r in ledger.rates.values())
    errors = sum(r[1] for r in ledger.rates.values())
    if not checked and not ledger.entries:
        return None
    with_errors = sorted(
        ((code, r[2]) for code, r in ledger.rates.items() if r[1] and r[2] is not None), key=lambda x: (-x[1], x[0])
    )
    overdue = [t for t in ledger.townships if t.overdue]
    return {
        "checked": checked,
        "errors": errors,
        "rate": errors / checked if checked else None,
        "with_errors": [{"name": names.get(code, code), "rate": rate} for code, rate in with_errors],
        "inspections": len({e.visit_id for e in ledger.entries}),
        "findings": len(ledger.entries),
        "rectified": sum(e.state == "rectified" for e in ledger.entries),
        "open": sum(e.state == "open" for e in ledger.entries),
        "overdue": [{"name": t.name, "findings": t.overdue} for t in overdue],
        "overdue_total": sum(t.overdue for t in overdue),
        "report_by": as_of + timedelta(days=campaign.inspection.rectification.report_within_days),
    }


def inspection_paragraphs(inspection: dict[str, Any]) -> list[str]:
    """The section's paragraphs, as the document prints them (the text template says the same)."""
    lines = []
    if inspection["checked"]:
        line = (
            f"县督查组对各乡镇入户调查结果进行抽查，共核查{inspection['checked']}人，发现差错{inspection['errors']}人，"
            f"差错率{inspection['rate'] * 100:.1f}%。"
        )
        if inspection["with_errors"]:
            named = "、".join(f"{t['name']}（{t['rate'] * 100:.1f}%）" for t in inspection["with_errors"])
            line += f"抽查发现差错的乡镇：{named}。"
        lines.append(line)
    if inspection["findings"]:
        line = (
            f"督查组共开展督查{inspection['inspections']}次，发现问题{inspection['findings']}个，"
            f"已整改{inspection['rectified']}个"
            + (f"，整改中{inspection['open']}个" if inspection["open"] else "")
            + "。"
        )
        if inspection["overdue"]:
            named = "、".join(f"{t['name']}（{t['findings']}个）" for t in inspection["overdue"])
            line += (
                f"{named}共{inspection['overdue_total']}个问题逾期未整改，予以通报。请上述乡镇立即落实整改，"
                f"于{cn_date(inspection['report_by'])}前将整改情况书面报送县全民参保登记工作领导小组办公室。"
            )
        lines.append(line)
    return lines


def final_document(
    campaign: Campaign,
    facts: Sequence[TownshipFacts],
    scores: Sequence[TownshipScore],
    as_of: date,
    ledger: Ledger | None = None,
) -> OfficialDocument:
    """The final notice as an official document (GB/T 9704), with the same figures as the text message."""
    c = final_notice_context(campaign, facts, scores, as_of, ledger)
    issuer, totals, deadline = campaign.notices.issuer, c["totals"], c["deadline"]
    sections = [
        Section(None, [f"根据{c['plan']}要求，全县入户调查工作应于{cn_date(deadline)}前全面完成。"
                       f"现按《{c['rules_name']}》，将各乡镇完成情况、绩效评分和经费补助兑现情况通报如下。"]),
        Section("总体情况", [
            f"全县应入户调查{totals['to_visit']}人，截至{cn_date(deadline)}已走访{totals['visited']}人，"
            f"完成率{totals['rate'] * 100:.1f}%；{totals['finished']}个乡镇按期完成，"
            f"{totals['unfinished']}个乡镇未按期完成；兑现工作经费补助合计{wan_yuan(totals['subsidy'])}。"]),
        Section("绩效评分及排名", [], Table(
            columns=["名次", "乡镇", "应访人数", "截止时已访", "完成率", "得分", "经费补助（元）"],
            rows=[[str(r["rank"]), r["name"], str(r["to_visit"]), str(r["visited"]), f"{r['rate'] * 100:.1f}%",
                   f"{r['score']:.2f}", yuan(r["subsidy"])] for r in c["rows"]],
            caption="各乡镇入户调查完成情况及绩效评分",
        )),
    ]  # fmt: skip
    if c["commended"]:
        names = "、".join(r["name"] for r in c["commended"])
        sections.append(Section("通报表扬", [f"{names}等{len(c['commended'])}个乡镇按期完成入户调查任务，"
                                            "予以通报表扬，按工作落实情况兑现工作经费补助（见上表）。"]))  # fmt: skip
    if c["criticised"]:
        lines = [
            f"{r['name']}：{'，'.join(r['reasons'])}，"
            + (f"经费补助兑现{yuan(r['subsidy'])}元" if r["subsidy"] > 0 else "不予兑现经费补助")
            + (f"，年度绩效考核扣{r['deducted']:g}分。" if r["deducted"] else "。")
            for r in c["criticised"]
        ]
        lines.append(
            f"请上述乡镇认真查找原因，制定整改措施，并于{cn_date(c['rectify_by'])}前将整改情况书面报送{issuer}。"
        )
        sections.append(Section("通报批评", lines))
    if c["inspection"]:
        sections.append(Section("督查抽查和整改情况", inspection_paragraphs(c["inspection"])))
    analysis = c["analysis"]
    phase = f"{analysis['name']}（{cn_date(analysis['start'])}至{cn_date(analysis['end'])}），" if analysis else ""
    sections.append(Section("工作要求", [
        "未按期完成的乡镇要继续完成入户调查，逾期走访照常录入，但不计入按期完成。"
        f"{phase}各乡镇要配合做好数据完善、扩面计划落实和数据交换工作，确保全民参保登记工作取得实效。"]))  # fmt: skip
    return OfficialDocument.issued(
        issuer,
        doc_number=c["doc_number"],
        title=TITLE,
        recipients=RANKING_RECIPIENTS,
        sections=sections,
        signed_on=as_of,
        keywords=("全民参保登记", "通报", "入户调查", "绩效评分"),
    )
