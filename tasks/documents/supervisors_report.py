"""The supervisors' report (督查报告) for 县效能办、人社局、财政局: its tables and charts, a workbook and a
self-contained HTML page. Pure: counts and score sheets in, DataFrames, bytes and text out.

Sections: 概况 (overview), 入户调查进度 (cumulative completion per township and day), 排名与评分 and 评分明细
(tasks.scoring.scores), 数据异常 (anomalies by kind and township; 户籍外参保 only as a line of information),
扩面盲点 (coverage gaps by insurance and township),
工作任务 (milestones on time / late / overdue), 督查整改 (per township: the spot-check error rate and the
inspectors' findings by state) and 督查问题清单 (the inspectors' ledger). Only counts, township and village names
and the inspectors' findings (masked) appear: no personal data.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from models.campaign.spec import INSURANCES, Campaign
from tasks.comparison.compare import OUTSIDE_REGISTER
from tasks.documents.charts import heatmap_chart, png_bytes, progress_chart, score_chart
from tasks.documents.webfonts import embed_fonts
from tasks.identity.masking import find_unmasked, mask_text
from tasks.inspection.ledger import state_name
from tasks.inspection.ledger_records import Ledger
from tasks.scoring.ranking import TownshipStanding
from tasks.scoring.scores import TownshipFacts, TownshipScore
from tasks.survey.worklists import ANOMALY_NAMES, OUTSIDE_REGISTER_NAME
from tasks.wording.glossary import yuan
from tasks.wording.render import TEMPLATES_DIR, cn_date

SECTIONS = (
    "概况",
    "入户调查进度",
    "排名与评分",
    "评分明细",
    "数据异常",
    "扩面盲点",
    "工作任务",
    "督查整改",
    "督查问题清单",
)
CHARTS_SHEET = "图表"
HTML_TEMPLATE = "report/supervisors.html.j2"
TOTAL = "合计"


class PersonalDataInReport(ValueError):
    """A report table holds something that looks like an unmasked ID or phone number."""


@dataclass(frozen=True)
class Overview:
    as_of: date
    phase: str | None  # the campaign phase's name on as_of
    start: date
    deadline: date
    listed: int
    visited: int
    expected_rate: float
    final: bool
    frozen: bool

    @property
    def rate(self) -> float:
        return self.visited / self.listed if self.listed else 1.0


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    png: bytes

    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class Report:
    title: str
    overview: Overview
    tables: dict[str, pd.DataFrame]  # SECTIONS, Chinese headers
    charts: list[Chart] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # a section's explanatory line


# -- the figures ------------------------------------------------------------------------------------------


def cumulative_rates(
    days: pd.DataFrame, codes: Sequence[str], start: date, end: date
) -> tuple[pd.DataFrame, pd.Series]:
    """Per township (columns, in `codes` order) the share of its list entries first visited by each day from
    `start` to `end` (index), and the entries listed per township. `days` as models.report.first_visit_days.
    A township with nobody listed has rate 1, as in the scores."""
    listed = days.groupby("township_code")["entries"].sum().reindex(list(codes), fill_value=0).astype("int64")
    index = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    if not index:
        return pd.DataFrame(columns=list(codes), dtype=float), listed
    visited = days[days["first_visited_on"].notna()]
    visited = visited.assign(day=[max(d, start) for d in visited["first_visited_on"]])
    visited = visited[visited["day"] <= end]
    per_day = visited.pivot_table(index="day", columns="township_code", values="entries", aggfunc="sum")
    cumulative = per_day.reindex(index=index, columns=list(codes)).fillna(0).cumsum()
    denominators = listed.replace(0, pd.NA).astype("Float64")
    rates = cumulative.div(denominators, axis=1).astype(float).fillna(1.0)
    rates.index = index
    return rates, listed


def expected_series(campaign: Campaign, start: date, deadline: date) -> pd.Series:
    """The expected rate on each day of the survey (linear, in calendar or working days as the file says)."""
    from tasks.survey.progress_report import expected_on

    index = [start + timedelta(days=k) for k in range((deadline - start).days + 1)]
    return pd.Series([expected_on(campaign, d) for d in index], index=index, dtype=float)


# -- the tables -------------------------------------------------------------------------------------------


def overview_table(overview: Overview, townships: int) -> pd.DataFrame:
    kind = "最终结果（按截止日完成情况）" if overview.final else "暂定结果（入户调查尚未截止）"
    if overview.final:
        kind += "，已冻结" if overview.frozen else "，截止结果尚未冻结，按截止日数据计算"
    rows = [
        ("统计日期", cn_date(overview.as_of)),
        ("所处阶段", overview.phase or "不在活动阶段内"),
        ("入户调查起止", f"{cn_date(overview.start)}至{cn_date(overview.deadline)}"),
        ("乡镇数", f"{townships}"),
        ("应访人数", f"{overview.listed:,}"),
        ("已访人数", f"{overview.visited:,}"),
        ("完成率", _percent(overview.rate) if overview.listed else "尚无入户调查名单"),
        ("应完成率", _percent(overview.expected_rate)),
        ("评分性质", kind),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"])


def progress_table(rates: pd.DataFrame, expected: pd.Series, names: Mapping[str, str]) -> pd.DataFrame:
    """One row per day: the expected rate and each township's cumulative rate (columns named by township)."""
    frame = pd.DataFrame({"日期": [d.isoformat() for d in rates.index]})
    frame["应完成率"] = [float(expected.get(d, 1.0)) for d in rates.index]
    for code, name in names.items():
        frame[f"{name}完成率"] = rates[code].to_numpy() if code in rates.columns else 1.0
    return frame


def ranking_table(scores: Sequence[TownshipScore], facts: Sequence[TownshipFacts]) -> pd.DataFrame:
    by_code = {f.code: f for f in facts}
    rows = []
    for s in scores:
        f = by_code.get(s.township)
        rows.append(
            {
                "名次": s.rank,
                "乡镇": s.name,
                "乡镇代码": s.township,
                "得分": s.score,
                "应访人数": f.to_visit if f else 0,
                "已访人数": f.visited if f else 0,
                "入户调查完成率": s.rate,
                "完成入户调查": "是" if s.finished else "否",
                "经费补助（元）": s.subsidy,
                "通报批评": "是" if s.criticised else "否",
                "原因": "；".join(s.reasons),
            }
        )
    return pd.DataFrame(rows, columns=RANKING_COLUMNS)


RANKING_COLUMNS = [
    "名次", "乡镇", "乡镇代码", "得分", "应访人数", "已访人数", "入户调查完成率", "完成入户调查", "经费补助（元）",
    "通报批评", "原因",
]  # fmt: skip


def breakdown_table(scores: Sequence[TownshipScore]) -> pd.DataFrame:
    """One row per township and rule: the figure the points come from and the points."""
    rows = []
    for s in scores:
        for p in s.breakdown:
            if p.value is None:
                basis = "无数据"
            elif p.rule == "bottom":
                basis = f"扣分前得分{p.value:.2f}"
            else:
                basis = _percent(p.value)
            rows.append({"名次": s.rank, "乡镇": s.name, "评分项": p.label, "依据": basis, "得分": p.points})
    return pd.DataFrame(rows, columns=["名次", "乡镇", "评分项", "依据", "得分"])


def anomaly_table(counts: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """Persons with each kind of anomaly per township (rows in the campaign's order, a total row last)."""
    township_of = {v.code: t.code for t in campaign.townships for v in t.villages}
    kinds = list(ANOMALY_NAMES)
    counts = counts[counts["kind"].isin(kinds)]  # 户籍外参保 is information: see outside_register_note
    frame = counts.assign(township_code=[township_of.get(str(v), "") for v in counts["village_code"]])
    pivot = frame.pivot_table(index="township_code", columns="kind", values="persons", aggfunc="sum")
    rows = [(t.code, t.name) for t in campaign.townships]
    if "" in pivot.index:
        rows.append(("", "村（社区）不详"))
    pivot = pivot.reindex(index=[code for code, _ in rows], columns=kinds).fillna(0).astype("int64")
    table = pd.DataFrame({"乡镇": [name for _, name in rows]})
    for kind in kinds:
        table[ANOMALY_NAMES[kind]] = pivot[kind].to_numpy()
    table[TOTAL] = table[[ANOMALY_NAMES[k] for k in kinds]].sum(axis=1)
    return _with_total(table)


def outside_register_note(counts: pd.DataFrame) -> str:
    """The persons enrolled in the county but absent from the household register, said as information."""
    persons = int(counts.loc[counts["kind"] == OUTSIDE_REGISTER, "persons"].sum())
    return (
        f"另有{OUTSIDE_REGISTER_NAME}{persons}人（在我县参保、不在我县户籍名单中，多为在我县就业、居住的外地户籍人员），"
        "属正常情况，仅作信息列示，不计入数据异常。"
    )


def gap_table(counts: pd.DataFrame, campaign: Campaign, insurance_names: Mapping[str, str]) -> pd.DataFrame:
    """Per township: living registered persons, uninsured, partly insured, the gaps per insurance and, apart,
    the persons registered in a visit who still miss an insurance (已登记待参保: not counted as insured)."""
    if "registered_pending" not in counts:
        counts = counts.assign(registered_pending=0)
    indexed = counts.set_index("township_code")
    columns = ["residents", "uninsured", "partial", *INSURANCES, "registered_pending"]
    figures = indexed.reindex([t.code for t in campaign.townships])[columns].fillna(0).astype("int64")
    table = pd.DataFrame({"乡镇": [t.name for t in campaign.townships]})
    table["户籍人数"] = figures["residents"].to_numpy()
    table["未参保"] = figures["uninsured"].to_numpy()
    table["未参全"] = figures["partial"].to_numpy()
    for insurance in INSURANCES:
        table[gap_column(insurance_names, insurance)] = figures[insurance].to_numpy()
    table[REGISTERED_PENDING] = figures["registered_pending"].to_numpy()
    return _with_total(table)


REGISTERED_PENDING = "已登记待参保"


def gap_column(insurance_names: Mapping[str, str], insurance: str) -> str:
    return f"{insurance_names.get(insurance, insurance)}应保未保"


def milestone_table(standings: Iterable[TownshipStanding]) -> pd.DataFrame:
    rows = [
        {
            "名次": s.rank,
            "乡镇": s.name,
            "应完成任务": s.considered,
            "按时完成": s.on_time,
            "逾期完成": s.late,
            "逾期未完成": s.overdue,
            "按时率得分": s.score,
        }
        for s in standings
    ]
    return pd.DataFrame(
        rows, columns=["名次", "乡镇", "应完成任务", "按时完成", "逾期完成", "逾期未完成", "按时率得分"]
    )


INSPECTION_COLUMNS = [
    "乡镇",
    "抽查核查人数",
    "抽查差错",
    "抽查差错率",
    "督查发现问题",
    "已整改",
    "整改中",
    "逾期未整改",
]
LEDGER_COLUMNS = [
    "编号",
    "督查日期",
    "乡镇",
    "村（社区）",
    "发现问题",
    "整改要求",
    "整改期限",
    "整改情况",
    "整改报告日期",
]


def inspection_table(ledger: Ledger | None, campaign: Campaign) -> pd.DataFrame:
    """Per township: its spot checks (checked, errors, error rate; 未抽查 when never checked) and the inspectors'
    findings by state, with a total row (the county's error rate over every check)."""
    rows: list[dict[str, Any]] = []
    townships = {t.code: t for t in ledger.townships} if ledger else {}
    for t in campaign.townships:
        checked, errors, rate = ledger.rates.get(t.code, (0, 0, None)) if ledger else (0, 0, None)
        counts = townships.get(t.code)
        rows.append(
            {
                "乡镇": t.name,
                "抽查核查人数": checked,
                "抽查差错": errors,
                "抽查差错率": "未抽查" if rate is None else rate,
                "督查发现问题": counts.findings if counts else 0,
                "已整改": counts.rectified if counts else 0,
                "整改中": counts.open if counts else 0,
                "逾期未整改": counts.overdue if counts else 0,
            }
        )
    table = pd.DataFrame(rows, columns=INSPECTION_COLUMNS)
    checked, errors = int(table["抽查核查人数"].sum()), int(table["抽查差错"].sum())
    total: dict[str, Any] = {c: int(table[c].sum()) for c in INSPECTION_COLUMNS[1:] if c != "抽查差错率"}
    total |= {"乡镇": TOTAL, "抽查差错率": errors / checked if checked else "未抽查"}
    return pd.concat([table, pd.DataFrame([total], columns=INSPECTION_COLUMNS)], ignore_index=True)


def ledger_table(ledger: Ledger | None) -> pd.DataFrame:
    """The inspectors' findings up to the report's day, the texts masked (an inspector may have noted a phone)."""
    rows = [
        {
            "编号": e.finding_id,
            "督查日期": cn_date(e.visited_on),
            "乡镇": e.township,
            "村（社区）": e.village or "、".join(e.villages),
            "发现问题": mask_text(e.problem),
            "整改要求": mask_text(e.requirement),
            "整改期限": cn_date(e.deadline),
            "整改情况": state_name(e) + (f"（逾期{e.days_overdue}天）" if e.days_overdue else ""),
            "整改报告日期": cn_date(e.reported_on) if e.reported_on else "",
        }
        for e in (ledger.entries if ledger else [])
    ]
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def _with_total(table: pd.DataFrame) -> pd.DataFrame:
    total = {column: (TOTAL if k == 0 else int(table[column].sum())) for k, column in enumerate(table.columns)}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


# -- the whole report -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report is computed from, as loaded by flows.report."""

    campaign: Campaign
    as_of: date
    final: bool
    frozen: bool
    facts: list[TownshipFacts]
    scores: list[TownshipScore]
    standings: list[TownshipStanding]
    visit_days: pd.DataFrame  # models.report.first_visit_days
    anomalies: pd.DataFrame  # models.report.anomaly_counts
    gaps: pd.DataFrame  # models.report.gap_counts
    ledger: Ledger | None = None  # the inspectors' ledger and spot-check rates (tasks.inspection.ledger_records)


def build_report(inputs: ReportInputs) -> Report:
    campaign, as_of = inputs.campaign, inputs.as_of
    start, deadline = campaign.survey_window()
    names = {t.code: t.name for t in campaign.townships}
    end = min(as_of, deadline)
    rates, _listed = cumulative_rates(inputs.visit_days, list(names), start, end)
    expected = expected_series(campaign, start, deadline)
    from tasks.survey.progress_report import expected_on

    phase = campaign.phase_on(as_of)
    overview = Overview(
        as_of=as_of,
        phase=phase.name if phase else None,
        start=start,
        deadline=deadline,
        listed=sum(f.to_visit for f in inputs.facts),
        visited=sum(f.visited for f in inputs.facts),
        expected_rate=expected_on(campaign, as_of),
        final=inputs.final,
        frozen=inputs.frozen,
    )
    insurance_names = _insurance_names(campaign)
    gaps = gap_table(inputs.gaps, campaign, insurance_names)
    tables = {
        "概况": overview_table(overview, len(names)),
        "入户调查进度": progress_table(rates, expected, names),
        "排名与评分": ranking_table(inputs.scores, inputs.facts),
        "评分明细": breakdown_table(inputs.scores),
        "数据异常": anomaly_table(inputs.anomalies, campaign),
        "扩面盲点": gaps,
        "工作任务": milestone_table(inputs.standings),
        "督查整改": inspection_table(inputs.ledger, campaign),
        "督查问题清单": ledger_table(inputs.ledger),
    }
    kind = "最终" if inputs.final else "暂定"
    heat = gaps[gaps["乡镇"] != TOTAL].set_index("乡镇")[[gap_column(insurance_names, i) for i in INSURANCES]]
    heat.columns = [insurance_names.get(i, i) for i in INSURANCES]
    charts = [
        Chart("progress", "各乡镇入户调查进度曲线", png_bytes(progress_chart(rates, expected, names, start, deadline))),
        Chart(
            "scores",
            f"各乡镇绩效得分（{kind}）",
            png_bytes(
                score_chart(
                    [s.name for s in inputs.scores], [s.score for s in inputs.scores], f"各乡镇绩效得分（{kind}）"
                )
            ),
        ),
        Chart(
            "gaps", "各乡镇分险种应保未保人数", png_bytes(heatmap_chart(heat, "各乡镇分险种应保未保人数（扩面盲点）"))
        ),
    ]
    visited_note = "截止日" if inputs.final else cn_date(as_of)
    notes = {
        "概况": f"已访人数按{visited_note}前（含）有走访结果的应访人员计，同一人在同一村名单上只计一次。",
        "入户调查进度": f"自{cn_date(start)}起每日累计完成率，至{cn_date(end)}；序时进度在入户调查阶段内逐日均匀增长。",
        "排名与评分": f"评分、扣分和经费补助按《{campaign.scoring.rules_name}》执行；"
        "名次相同者得分、完成率和工作任务按时率均相同。",
        "数据异常": "按异常类型统计的人数（同一人同类异常只计一次），明细已下发各村核查。"
        + outside_register_note(inputs.anomalies),
        "扩面盲点": "在世户籍人员中应参未参各险种的人数（最新比对结果）。入户调查登记不等于参保：参保以部门"
        f"参保名单为准，已登记但尚未出现在参保名单中的人员仍计入应保未保，另列“{REGISTERED_PENDING}”人数；已死亡、已迁出人员不计。",
        "工作任务": "截至统计日期各乡镇应完成的工作任务：按时完成、逾期完成、逾期未完成的个数。",
        "督查整改": "抽查差错率为督查抽查核实不属实或未找到的人数占已核查人数的比例（未抽查的乡镇不计差错率）；"
        "督查发现问题按统计日期的整改情况计：已整改、整改中（未到整改期限）、逾期未整改。",
        "督查问题清单": "督查组历次督查发现的问题、整改要求、整改期限和乡镇报送整改情况的日期。",
    }
    title = f"{campaign.county.name}全民参保登记工作督查报告（{cn_date(as_of)}）"
    report = Report(title, overview, tables, charts, notes)
    check_no_personal_data(report)
    return report


def _insurance_names(campaign: Campaign) -> dict[str, str]:
    names = {key: ins.name for key, ins in campaign.comparison.insurances.items()} if campaign.comparison else {}
    return {i: names.get(i, i) for i in INSURANCES}


def check_no_personal_data(report: Report) -> None:
    """Refuse a report whose text holds anything that looks like an unmasked ID or phone number."""
    found = find_unmasked("\n".join(table_texts(report)))
    if found:
        raise PersonalDataInReport(f"报告中出现未脱敏的个人信息（{len(found)} 处），已停止生成")


def table_texts(report: Report) -> list[str]:
    """Every text the report shows, numbers as they are displayed (a float's repr could look like an ID)."""
    texts = [report.title, *report.notes.values(), *(c.title for c in report.charts)]
    for name, table in report.tables.items():
        texts.append(name)
        texts.extend(str(c) for c in table.columns)
        texts.extend(cell for row in html_rows(table) for cell in row)
    return texts


# -- the workbook -----------------------------------------------------------------------------------------


def _is_percent(column: str) -> bool:
    return column.endswith("率")


def write_workbook(report: Report, path: Path) -> Path:
    """One sheet per section with a title row and Chinese headers, and the charts in the 图表 sheet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    try:
        font = {"font_name": "宋体"}
        formats = {
            "title": workbook.add_format({**font, "bold": True, "font_size": 14}),
            "head": workbook.add_format({**font, "bold": True, "border": 1, "align": "center", "text_wrap": True}),
            "text": workbook.add_format({**font, "num_format": "@"}),
            "int": workbook.add_format({**font, "num_format": "#,##0"}),
            "float": workbook.add_format({**font, "num_format": "0.00"}),
            "percent": workbook.add_format({**font, "num_format": "0.0%"}),
            "note": workbook.add_format({**font, "italic": True, "font_color": "#555555"}),
        }
        for name in SECTIONS:
            _write_section(workbook.add_worksheet(name), report, name, formats)
        sheet = workbook.add_worksheet(CHARTS_SHEET)
        sheet.write_string(0, 0, report.title, formats["title"])
        row = 2
        for chart in report.charts:
            sheet.write_string(row, 0, chart.title, formats["head"])
            sheet.insert_image(row + 1, 0, f"{chart.key}.png", {"image_data": io.BytesIO(chart.png)})
            row += 3 + _png_height(chart.png) // 20  # default row height is 20 pixels
    finally:
        workbook.close()
    return path


def _write_section(sheet: Any, report: Report, name: str, formats: dict[str, Any]) -> None:
    table = report.tables[name]
    sheet.write_string(0, 0, f"{report.title}：{name}", formats["title"])
    first = 2
    if name in report.notes:
        sheet.write_string(1, 0, report.notes[name], formats["note"])
        first = 3
    columns = [str(c) for c in table.columns]
    for c, column in enumerate(columns):
        sheet.write_string(first - 1, c, column, formats["head"])
        width = 12 if name == "入户调查进度" else max(8, min(40, len(column) * 2 + 4))
        sheet.set_column(c, c, width if column != "内容" else 48)
    for r, values in enumerate(table.astype(object).to_numpy().tolist(), start=first):
        for c, value in enumerate(values):
            if value is None or isinstance(value, str):
                sheet.write_string(r, c, value or "", formats["text"])
            elif _is_percent(columns[c]):
                sheet.write_number(r, c, float(value), formats["percent"])
            elif isinstance(value, int) or (float(value).is_integer() and columns[c] != "得分"):
                sheet.write_number(r, c, float(value), formats["int"])
            else:
                sheet.write_number(r, c, float(value), formats["float"])
    sheet.freeze_panes(first, 1 if name == "入户调查进度" else 0)


def _png_height(png: bytes) -> int:
    return int.from_bytes(png[20:24], "big")  # the IHDR chunk's height


# -- the page ---------------------------------------------------------------------------------------------


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if _is_percent(column):
        return _percent(float(value))
    if column.endswith("（元）"):
        return yuan(float(value))  # whole yuan, as the office writes amounts
    if isinstance(value, int) or (float(value).is_integer() and column != "得分"):
        return f"{int(value):,}"
    return f"{float(value):,.2f}"


def html_rows(table: pd.DataFrame) -> list[list[str]]:
    columns = [str(c) for c in table.columns]
    return [[_cell(columns[c], v) for c, v in enumerate(row)] for row in table.astype(object).to_numpy().tolist()]


def render_html(report: Report, directory: Path = TEMPLATES_DIR) -> str:
    """One self-contained page: inline CSS, charts as data: URIs, nothing fetched from elsewhere."""
    env = Environment(loader=FileSystemLoader(directory), undefined=StrictUndefined, autoescape=True)
    sections = [
        {
            "title": name,
            "note": report.notes.get(name, ""),
            "columns": [str(c) for c in report.tables[name].columns],
            "rows": html_rows(report.tables[name]),
        }
        for name in SECTIONS
    ]
    charts = {c.key: {"title": c.title, "uri": c.data_uri()} for c in report.charts}
    page = env.get_template(HTML_TEMPLATE).render(
        title=report.title, overview=report.overview, sections=sections, charts=charts
    )
    return embed_fonts(page, ("sans",))
