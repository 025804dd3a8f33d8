"""The campaign's closing report (工作总结, seed 四（四）: 总结全民参保登记工作成效，形成关于提升社保服务质量的报告)
as an official document. Pure: it receives the figures and writes prose and tables from them.

The suggestions are derived from the figures, never invented: the insurances with the lowest coverage, the
townships with the largest gaps, the data anomalies the comparison found, the townships that missed the
deadline. Figures only: no person appears in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from models.campaign.spec import Campaign
from tasks.documents.official import OfficialDocument, Section, Table
from tasks.documents.ranking_notice import notice_number
from tasks.scoring.scores import TownshipScore
from tasks.wording.glossary import terms, wan_yuan, yuan
from tasks.wording.render import cn_date

TITLE_SUFFIX = "全民参保登记工作总结暨提升社会保险服务质量的报告"
CATEGORY_NAMES = {"insured_full": "已参全", "partial": "未参全", "uninsured": "未参保", "deceased": "已死亡",
                  "moved_out": "已迁出", "away": "外出服役、服刑或出国（境）"}  # fmt: skip


@dataclass(frozen=True)
class InsuranceFigures:
    insurance: str
    name: str
    should: int
    insured: int
    elsewhere: int
    gap: int
    target: int
    registered_pending: int = 0  # of the gap: registered in a visit, not on a department's list yet

    @property
    def coverage(self) -> float | None:
        return (self.insured + self.elsewhere) / self.should if self.should else None


@dataclass(frozen=True)
class SummaryFigures:
    as_of: date
    milestones: dict[str, int]  # state → count, over every owner
    milestones_total: int
    compared_on: date | None
    persons: int
    categories: dict[str, int]
    anomalies: dict[str, int]  # Chinese kind name → persons
    to_visit: int
    visited_by_deadline: int
    visited: int  # by as_of, late visits included
    registered: int  # registered (登记) by village workers: not an enrolment
    late_visits: int
    scores: Sequence[TownshipScore]
    insurances: Sequence[InsuranceFigures]  # the county's expansion plan
    township_gaps: dict[str, int] = field(default_factory=dict)  # township name → persons insured nowhere
    outside_register: int = 0  # 户籍外参保: enrolled in the county, not on its register (information, not an anomaly)
    registered_pending: int = 0  # registered in a visit and still missing an insurance that applies to them


def summary_document(campaign: Campaign, figures: SummaryFigures, serial: int) -> OfficialDocument:
    issuer = campaign.notices.issuer
    f = figures
    done = f.milestones.get("done_on_time", 0) + f.milestones.get("done_late", 0)
    sections = [
        Section(None, [
            f"按照{campaign.plan_citation}部署，{terms().we_county}于{cn_date(campaign.start)}至{cn_date(campaign.end)}"
            f"开展全民参保登记工作，经启动、动员培训、入户调查和完善分析四个阶段，{baseline_finding(campaign, f)}"
            "现将工作情况总结报告如下。"]),
        Section("工作开展情况", [
            f"全县{f.milestones_total}项{terms().work_task}中，按时完成{f.milestones.get('done_on_time', 0)}项，"
            f"逾期完成{f.milestones.get('done_late', 0)}项，尚未完成{f.milestones_total - done}项。"]),
    ]  # fmt: skip
    if f.compared_on is not None:
        # Those who moved out or are away come only from visits: named when there are any.
        categories = "，".join(
            f"{CATEGORY_NAMES.get(k, k)}{v}人" for k, v in f.categories.items() if v or k not in ("moved_out", "away")
        )
        anomalies = "，".join(f"{k}{v}人" for k, v in sorted(f.anomalies.items(), key=lambda kv: -kv[1]))
        sections.append(Section("数据比对结果", [
            f"归集公安、卫计、教育、人社、民政、残联等部门数据，截至{cn_date(f.compared_on)}比对户籍人员{f.persons}人：{categories}。",
            f"比对发现数据异常：{anomalies or '无'}。" + _outside_register_sentence(f.outside_register)]))  # fmt: skip
    if f.to_visit:
        rate = f.visited_by_deadline / f.to_visit
        finished = sum(s.finished for s in f.scores)
        sections.append(Section("入户调查情况", [
            f"全县应入户调查{f.to_visit}人，截至入户调查截止日已走访{f.visited_by_deadline}人，完成率{rate:.1%}；"
            f"截至{cn_date(f.as_of)}累计走访{f.visited}人（其中逾期走访{f.late_visits}条），"
            f"走访中登记{f.registered}人{_pending_clause(f)}。{finished}个乡镇按期完成，"
            f"{len(f.scores) - finished}个乡镇未按期完成{_named(s.name for s in f.scores if not s.finished)}。"
        ]))  # fmt: skip
    if f.scores:
        subsidy = sum(s.subsidy for s in f.scores)
        criticised = [s.name for s in f.scores if s.criticised]
        sections.append(Section("绩效评分与经费补助", [
            f"按《{campaign.scoring.rules_name}》，各乡镇得分及排名见下表；兑现工作经费补助合计{wan_yuan(subsidy)}。"
            + (f"{'、'.join(criticised)}已予通报批评。" if criticised else "")],
            Table(["名次", "乡镇", "完成率", "得分", "经费补助（元）"],
                  [[str(s.rank), s.name, f"{s.rate * 100:.1f}%", f"{s.score:.2f}", yuan(s.subsidy)]
                   for s in f.scores], caption="各乡镇绩效评分")))  # fmt: skip
    if f.insurances:
        sections.append(Section("各险种参保状况与扩面计划", [
            "以户籍人员为基数，按险种统计应参保、已参保和应保未保人数，并据此制定扩面目标。已参保以部门参保名单为准，"
            "入户登记但尚未出现在参保名单中的人员仍计入应保未保，单列为“其中已登记待参保”。" + coverage_finding(f)],
            Table(["险种", "应参保人数", "已参保", "外地或机关事业单位参保", "应保未保", "其中已登记待参保", "覆盖率",
                   "扩面目标"],
                  [[i.name, str(i.should), str(i.insured), str(i.elsewhere), str(i.gap), str(i.registered_pending),
                    _percent(i.coverage), str(i.target)] for i in f.insurances],
                  caption="全县分险种参保状况及扩面目标")))  # fmt: skip
    sections.append(Section("提升社会保险服务质量的建议", suggestions(f)))
    return OfficialDocument.issued(
        issuer,
        doc_number=notice_number(campaign, f.as_of.year, serial),
        title=f"{campaign.county.name}{TITLE_SUFFIX}",
        recipients="县人民政府：",
        sections=sections,
        signed_on=f.as_of,
        keywords=("全民参保登记", "工作总结", "社保服务质量"),
    )


def baseline_finding(campaign: Campaign, f: SummaryFigures) -> str:
    """What the figures say about the insured base: known (基本摸清) only once the registers were compared and
    the work lists visited to the share the campaign file asks (`[analysis] baseline_known_rate`)."""
    if f.compared_on is None or not f.persons:
        return "部门数据比对尚未完成，全县户籍人员参保底数尚未摸清。"
    if not f.to_visit:
        return f"通过部门数据比对掌握了全县{f.persons}名户籍人员的参保情况。"
    rate = f.visited / f.to_visit
    if rate >= campaign.analysis.baseline_known_rate:
        return (
            f"比对户籍人员{f.persons}人，应入户调查的{f.to_visit}人中已入户核实{f.visited}人（{rate:.1%}），"
            "基本摸清了全县户籍人员参保底数。"
        )
    return (
        f"比对户籍人员{f.persons}人，入户调查完成率{rate:.1%}，尚有{f.to_visit - f.visited}人未入户核实，"
        "全县户籍人员参保底数有待进一步核实。"
    )


def coverage_finding(f: SummaryFigures) -> str:
    """The insurance with the lowest coverage and the township with the most persons insured nowhere, named."""
    parts = []
    ranked = sorted((i for i in f.insurances if i.coverage is not None), key=lambda i: i.coverage or 0.0)
    if ranked:
        low = ranked[0]
        parts.append(f"{low.name}覆盖率最低，为{_percent(low.coverage)}，应保未保{low.gap}人")
    if f.township_gaps:
        name, persons = max(f.township_gaps.items(), key=lambda kv: kv[1])
        parts.append(f"应保未保人员最多的乡镇是{name}（{persons}人）")
    return "其中，" + "；".join(parts) + "。" if parts else ""


def _named(names: Iterable[str]) -> str:
    """（凤城镇、金谷镇） after a count of townships, or nothing when there are none."""
    listed = list(names)
    return f"（{'、'.join(listed)}）" if listed else ""


def suggestions(f: SummaryFigures) -> list[str]:
    """What the figures point to, most pressing first."""
    lines = []
    ranked = sorted((i for i in f.insurances if i.coverage is not None), key=lambda i: i.coverage or 0.0)
    if ranked:
        weakest = ranked[:2]
        lines.append(
            "扩面重点："
            + "、".join(f"{i.name}（覆盖率{_percent(i.coverage)}，应保未保{i.gap}人）" for i in weakest)
            + "覆盖率最低，应作为下一阶段扩面的重点险种，按扩面计划分月推进。"
        )
    if f.township_gaps:
        largest = sorted(f.township_gaps.items(), key=lambda kv: -kv[1])[:3]
        lines.append(
            "重点乡镇："
            + "、".join(f"{name}（{n}人）" for name, n in largest)
            + "应保未保人员最多，建议县人社局派员驻点指导，结合村（社区）网格开展上门参保服务。"
        )
    if f.anomalies:
        kind, count = max(f.anomalies.items(), key=lambda kv: kv[1])
        lines.append(
            f"数据质量：比对发现数据异常共{sum(f.anomalies.values())}人，以“{kind}”最多（{count}人），"
            "建议建立部门间定期数据交换和错误信息反馈机制，由相关部门限期更正。"
        )
    unfinished = [s.name for s in f.scores if not s.finished]
    if unfinished:
        lines.append(
            f"工作落实：{'、'.join(unfinished)}未按期完成入户调查，应在完善分析阶段补齐，"
            "县全民参保登记工作领导小组办公室跟踪督办。"
        )
    if f.registered_pending:
        lines.append(
            f"动员参保：入户调查中登记的人员有{f.registered_pending}人尚未出现在部门参保名单中，"
            "建议各乡镇（村）逐一跟踪动员，县人社局、卫计局在数据交换中核实其参保情况（登记后已参保）。"
        )
    elif f.registered:
        lines.append(
            f"便民服务：入户调查中登记{f.registered}人，建议将入户登记、网上办理和村级代办常态化，方便群众就近参保。"
        )
    return lines or ["各项工作已按计划完成，建议保持部门间数据交换，动态更新全民参保登记数据库。"]


def _pending_clause(f: SummaryFigures) -> str:
    """Registration apart from enrolment: how many of the registered no department's list holds yet."""
    if not f.registered:
        return ""
    compared = cn_date(f.compared_on) if f.compared_on else "比对日"
    return f"，其中截至{compared}仍有{f.registered_pending}人尚未参保（登记不等于参保，以部门参保名单为准）"


def _outside_register_sentence(persons: int) -> str:
    """户籍外参保 as what it is: people with another county's hukou enrolled here, nothing to correct."""
    if not persons:
        return ""
    return (
        f"另有户籍外参保{persons}人（在我县参保、户籍不在我县，多为在我县就业的外地户籍人员），"
        "属正常情况，不作为数据异常。"
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def figures_json(f: SummaryFigures) -> dict[str, Any]:
    return {
        "as_of": f.as_of.isoformat(),
        "persons": f.persons,
        "to_visit": f.to_visit,
        "visited_by_deadline": f.visited_by_deadline,
        "visited": f.visited,
        "late_visits": f.late_visits,
        "anomalies": dict(f.anomalies),
        "outside_register": f.outside_register,
        "registered": f.registered,
        "registered_pending": f.registered_pending,
        "subsidy": round(sum(s.subsidy for s in f.scores), 2),
        "criticised": [s.name for s in f.scores if s.criticised],
        "insurances": [
            {
                "insurance": i.insurance,
                "name": i.name,
                "should": i.should,
                "gap": i.gap,
                "registered_pending": i.registered_pending,
                "target": i.target,
                "coverage": None if i.coverage is None else round(i.coverage, 4),
            }
            for i in f.insurances
        ],
    }
