"""The expansion plan (扩面计划, 三（六）、四（四）): per township and insurance, who should be insured, who is,
the gap (应保未保) and how many enrolments reach the campaign's target coverage, month by month. Pure.

Definitions, per township and insurance, over the living persons of the registration database (the latest
comparison with the recorded visits applied; a person marked deceased by the register or by a visit counts
nowhere):

* 应参保人数 `should`: persons the insurance applies to — status `insured`, `missing`, `elsewhere` or
  `other_scheme` (`not_applicable` is left out: a child has no pension to pay, a person without a job no
  work-injury insurance, a person away (服兵役, 服刑, 出国) nothing while away). Persons who moved out (已迁出)
  count nowhere, as the dead.
* 已参保 `insured`: insured in the county, on a department's list; 已在外地或机关事业单位参保 `elsewhere`:
  covered by a scheme the county's lists do not hold (found by a visit: `elsewhere` or `other_scheme`);
  应保未保 `gap`: `missing`, insured nowhere.
* 已登记待参保 `registered_pending`: of the gap, those a village worker registered in a visit: shown apart,
  never counted as insured (registration is not enrolment; the department's list will show the enrolment).
* 覆盖率 `coverage` = (insured + elsewhere) / should: a person insured elsewhere is insured, and the county does
  not enrol them again. No one to insure: no rate (empty), not 0 or 100%.
* 扩面目标 `target` = max(0, ⌈target_coverage × should⌉ − insured − elsewhere): the fewest enrolments that bring
  the coverage up to `[analysis] target_coverage` (computed exactly, so 95% of 100 asks for 95, never 96). It never
  exceeds the gap. A township already at or above the target has a target of 0.
* Monthly targets spread the target over the months from `as_of`'s month to `[analysis] target_date`'s month
  (both included): the cumulative target after month k of n is ⌈target × k / n⌉, so the months add up to the
  target exactly and an odd enrolment falls in the earlier months.
* The county row adds up the townships' figures, its target included (so the townships' targets are the county's);
  its coverage is computed from its totals.

Priority groups (`[analysis.priorities]`, in file order) name who to start with, per township: the persons who
match a group's filters (employed or not, in a subsidised group or not, on a graduates' list or not, on an employee
scheme's list or not) and miss at least one of its insurances (a group without insurances: the filters alone),
e.g. employed persons without work-injury or unemployment insurance (their employers must enrol them),
residents without resident pension or medical insurance (the village can enrol them) and graduates whose
archives the county holds (大学生档案) on no employee scheme's list. A person may be in several groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from models.campaign.spec import INSURANCES, Analysis, Campaign
from tasks.wording.render import cn_date

COVERED_ELSEWHERE = ("elsewhere", "other_scheme")
APPLIES = ("insured", "missing", *COVERED_ELSEWHERE)
FIGURES = ("should", "insured", "elsewhere", "gap", "registered_pending", "target")
PLAN_HEADERS = {
    "township_code": "乡镇代码",
    "township_name": "乡镇",
    "insurance_name": "险种",
    "should": "应参保人数",
    "insured": "已参保",
    "elsewhere": "已在外地或机关事业单位参保",
    "gap": "应保未保",
    "registered_pending": "其中已登记待参保",
    "coverage": "覆盖率",
    "target": "扩面目标",
}
PRIORITY_HEADERS = {
    "township_code": "乡镇代码",
    "township_name": "乡镇",
    "group_name": "重点人群",
    "persons": "人数",
}


@dataclass(frozen=True)
class ExpansionPlan:
    as_of: date
    target_coverage: float
    target_date: date
    months: list[str]  # "YYYY-MM", the plan's months in order
    rows: pd.DataFrame  # township_code, township_name, insurance, insurance_name, FIGURES, coverage, *months
    priorities: pd.DataFrame  # township_code, township_name, group, group_name, persons


def target_date_of(analysis: Analysis, campaign: Campaign) -> date:
    return analysis.target_date or date(campaign.year, 12, 31)


def plan_months(as_of: date, target_date: date) -> list[str]:
    """The months from `as_of`'s to `target_date`'s, both included."""
    if target_date < as_of:
        raise ValueError(f"扩面目标日期{cn_date(target_date)}早于计算日期{cn_date(as_of)}")
    months = []
    year, month = as_of.year, as_of.month
    while (year, month) <= (target_date.year, target_date.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def expansion_target(should: int, covered: int, target_coverage: float) -> int:
    """Enrolments needed so that covered / should reaches the target share (exact arithmetic)."""
    needed = Fraction(str(target_coverage)) * should
    wanted = -(-needed.numerator // needed.denominator)  # ceiling
    return max(0, wanted - covered)


def monthly_split(target: int, months: int) -> list[int]:
    """`target` over `months` months: cumulative ⌈target·k/n⌉, so the parts add up to the target."""
    cumulative = [-(-target * k // months) for k in range(months + 1)]
    return [b - a for a, b in pairwise(cumulative)]


def _living(persons: pd.DataFrame) -> pd.DataFrame:
    """The persons still on the register: neither dead nor moved out."""
    gone = persons["deceased"].fillna(False).astype(bool) | persons["category"].isin(["deceased", "moved_out"])
    return persons[~gone.to_numpy()]


def expansion_plan(campaign: Campaign, persons: pd.DataFrame, as_of: date) -> ExpansionPlan:
    """The plan per township and insurance, then the county's rows; see the module's docstring."""
    analysis = campaign.analysis
    insurances = _planned_insurances(campaign)
    names = _insurance_names(campaign)
    target_date = target_date_of(analysis, campaign)
    months = plan_months(as_of, target_date)
    living = _living(persons)
    registered = living["registered_on"].notna() if "registered_on" in living else pd.Series(False, living.index)
    counts: dict[tuple[str, str], dict[str, int]] = {}
    grouped = living.groupby("township_code")
    for code, rows in grouped:
        for insurance in insurances:
            status = rows[insurance].astype(str)
            counts[(str(code), insurance)] = {
                "should": int(status.isin(APPLIES).sum()),
                "insured": int(status.eq("insured").sum()),
                "elsewhere": int(status.isin(COVERED_ELSEWHERE).sum()),
                "gap": int(status.eq("missing").sum()),
                "registered_pending": int((status.eq("missing") & registered.loc[rows.index]).sum()),
            }
    records = []
    totals = {i: dict.fromkeys(FIGURES, 0) | {m: 0 for m in months} for i in insurances}
    for township in campaign.townships:
        for insurance in insurances:
            figures = counts.get((township.code, insurance), dict.fromkeys(FIGURES[:-1], 0))
            target = expansion_target(
                figures["should"], figures["insured"] + figures["elsewhere"], analysis.target_coverage
            )
            record = _record(township.code, township.name, insurance, names[insurance], {**figures, "target": target})
            record.update(zip(months, monthly_split(target, len(months)), strict=True))
            records.append(record)
            for key in (*FIGURES, *months):
                totals[insurance][key] += int(record[key])
    for insurance in insurances:
        figures = totals[insurance]
        record = _record(campaign.county.code, campaign.county.name, insurance, names[insurance], figures)
        record.update({m: figures[m] for m in months})
        records.append(record)
    columns = ["township_code", "township_name", "insurance", "insurance_name", *FIGURES, "coverage", *months]
    rows = pd.DataFrame.from_records(records, columns=columns)
    return ExpansionPlan(as_of, analysis.target_coverage, target_date, months, rows, priority_groups(campaign, living))


def _record(code: str, name: str, insurance: str, insurance_name: str, figures: dict[str, int]) -> dict[str, Any]:
    should = figures["should"]
    coverage = (figures["insured"] + figures["elsewhere"]) / should if should else None
    return {
        "township_code": code,
        "township_name": name,
        "insurance": insurance,
        "insurance_name": insurance_name,
        **{key: int(figures[key]) for key in FIGURES},
        "coverage": coverage,
    }


def priority_groups(campaign: Campaign, persons: pd.DataFrame) -> pd.DataFrame:
    """Per township (and the county), the living persons of each priority group."""
    living = _living(persons)
    employed = living["employed"].fillna(False).astype(bool).to_numpy()
    subsidised = living["subsidised"].fillna("").astype(str).ne("").to_numpy()
    townships = living["township_code"].astype(str).to_numpy()
    records = []
    graduate = _flag(living, "graduate")
    employee_enrolled = _flag(living, "employee_enrolled")
    for key, group in campaign.analysis.priorities.items():
        member = np.zeros(len(living), dtype=bool) if group.insurances else np.ones(len(living), dtype=bool)
        for insurance in group.insurances:
            if insurance in living:
                member |= living[insurance].astype(str).eq("missing").to_numpy()
        for wanted, flags in (
            (group.employed, employed),
            (group.subsidised, subsidised),
            (group.graduate, graduate),
            (group.employee_enrolled, employee_enrolled),
        ):
            if wanted is not None:
                member &= flags == wanted
        per_township = pd.Series(townships[member]).value_counts()
        for township in campaign.townships:
            records.append(
                {
                    "township_code": township.code,
                    "township_name": township.name,
                    "group": key,
                    "group_name": group.name,
                    "persons": int(per_township.get(township.code, 0)),
                }
            )
        county_total = sum(int(per_township.get(t.code, 0)) for t in campaign.townships)
        records.append(
            {
                "township_code": campaign.county.code,
                "township_name": campaign.county.name,
                "group": key,
                "group_name": group.name,
                "persons": county_total,
            }
        )
    return pd.DataFrame.from_records(
        records, columns=["township_code", "township_name", "group", "group_name", "persons"]
    )


def _flag(persons: pd.DataFrame, column: str) -> np.ndarray:
    """A yes/no column as booleans; a registry compared before the column existed says no."""
    if column not in persons:
        return np.zeros(len(persons), dtype=bool)
    return persons[column].fillna(False).astype(bool).to_numpy()


def _planned_insurances(campaign: Campaign) -> list[str]:
    rules = campaign.comparison.insurances if campaign.comparison is not None else {}
    return [i for i in INSURANCES if i in rules]


def _insurance_names(campaign: Campaign) -> dict[str, str]:
    rules = campaign.comparison.insurances if campaign.comparison is not None else {}
    return {i: rules[i].name if i in rules else i for i in INSURANCES}


# -- what leaves the module: the workbook's tables and the JSON ------------------------------------------------


def month_header(month: str) -> str:
    year, number = month.split("-")
    return f"{int(year)}年{int(number)}月目标"


def plan_table(plan: ExpansionPlan) -> pd.DataFrame:
    """The plan with Chinese headers; coverage as a percentage text (empty where no one is to be insured)."""
    table = plan.rows[[*PLAN_HEADERS, *plan.months]].copy()
    table["coverage"] = [f"{c:.1%}" if c is not None and not pd.isna(c) else "" for c in table["coverage"]]
    table.insert(table.columns.get_loc("target"), "target_coverage", f"{plan.target_coverage:.0%}")
    return table.rename(
        columns={**PLAN_HEADERS, "target_coverage": "目标覆盖率", **{m: month_header(m) for m in plan.months}}
    )


def priority_table(plan: ExpansionPlan) -> pd.DataFrame:
    return plan.priorities[list(PRIORITY_HEADERS)].rename(columns=PRIORITY_HEADERS)


def plan_json(plan: ExpansionPlan, campaign: Campaign) -> dict[str, object]:
    """`canbao analysis plan --json` without the file: townships in campaign order, then the county."""

    def insurances(code: str) -> list[dict[str, object]]:
        rows = plan.rows[plan.rows["township_code"] == code]
        return [
            {
                "insurance": r["insurance"],
                "name": r["insurance_name"],
                **{key: int(r[key]) for key in ("should", "insured", "gap", "elsewhere", "registered_pending")},
                "coverage": None if r["coverage"] is None or pd.isna(r["coverage"]) else round(float(r["coverage"]), 4),
                "target": int(r["target"]),
                "monthly": {m: int(r[m]) for m in plan.months},
            }
            for r in rows.to_dict("records")
        ]

    def priorities(code: str) -> list[dict[str, object]]:
        rows = plan.priorities[plan.priorities["township_code"] == code]
        return [
            {"group": r["group"], "name": r["group_name"], "persons": int(r["persons"])}
            for r in rows.to_dict("records")
        ]

    return {
        "as_of": plan.as_of.isoformat(),
        "target_coverage": plan.target_coverage,
        "target_date": plan.target_date.isoformat(),
        "months": plan.months,
        "townships": [
            {"code": t.code, "name": t.name, "insurances": insurances(t.code), "priorities": priorities(t.code)}
            for t in campaign.townships
        ],
        "county": {
            "code": campaign.county.code,
            "name": campaign.county.name,
            "insurances": insurances(campaign.county.code),
            "priorities": priorities(campaign.county.code),
        },
    }
