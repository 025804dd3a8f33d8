"""The expansion plan's arithmetic, table-driven: targets, rounding, monthly split, who counts."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.campaign.spec import INSURANCES, Campaign
from tasks.analysis.expansion import expansion_plan, expansion_target, monthly_split, plan_json, plan_months

AS_OF = date(2017, 7, 15)
FENGCHENG = "350524100"
PENGLAI = "350524101"


def person(township: str = FENGCHENG, *, deceased: bool = False, employed: bool = False, subsidised: str = "",
           **statuses: str) -> dict[str, object]:  # fmt: skip
    row: dict[str, object] = {i: "not_applicable" for i in INSURANCES}
    row.update(statuses)
    return {
        "id_number": f"p{id(row)}",
        "township_code": township,
        "village_code": township + "201",
        "category": "deceased" if deceased else "partial",
        "deceased": deceased,
        "employed": employed,
        "subsidised": subsidised,
        **row,
    }


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


@pytest.mark.parametrize(
    ("should", "covered", "coverage", "target"),
    [
        (100, 0, 0.95, 95),  # exactly 95, not 96 from 0.95 * 100 = 95.00000000000001
        (100, 90, 0.95, 5),
        (100, 95, 0.95, 0),  # at the target
        (100, 99, 0.95, 0),  # above it: nothing to do, never negative
        (7, 0, 0.95, 7),  # ceil(6.65) = 7
        (21, 19, 0.95, 1),  # ceil(19.95) = 20
        (0, 0, 0.95, 0),  # no one to insure
        (3, 1, 1.0, 2),  # full coverage asks for the whole gap
        (10, 0, 0.333, 4),  # ceil(3.33)
    ],
)
def test_target_is_the_fewest_enrolments_reaching_the_coverage(
    should: int, covered: int, coverage: float, target: int
) -> None:
    assert expansion_target(should, covered, coverage) == target


@pytest.mark.parametrize(
    ("target", "months", "split"),
    [
        (12, 6, [2, 2, 2, 2, 2, 2]),
        (7, 6, [2, 1, 1, 1, 1, 1]),  # the odd enrolment in the earliest month
        (5, 6, [1, 1, 1, 1, 1, 0]),  # front-loaded: the last month has none
        (0, 3, [0, 0, 0]),
        (4, 1, [4]),
    ],
)
def test_monthly_targets_add_up_to_the_target(target: int, months: int, split: list[int]) -> None:
    assert monthly_split(target, months) == split
    assert sum(split) == target


def test_plan_months_run_from_as_of_to_the_target_date() -> None:
    assert plan_months(date(2017, 7, 15), date(2017, 12, 31)) == [f"2017-{m:02d}" for m in range(7, 13)]
    assert plan_months(date(2017, 12, 1), date(2018, 1, 2)) == ["2017-12", "2018-01"]
    with pytest.raises(ValueError, match="早于"):
        plan_months(date(2018, 1, 2), date(2017, 12, 31))


def rows_of(campaign: Campaign, persons: pd.DataFrame, township: str) -> dict[str, dict[str, object]]:
    plan = expansion_plan(campaign, persons, AS_OF)
    data = plan_json(plan, campaign)
    units = [*data["townships"], data["county"]]  # type: ignore[list-item]
    unit = next(u for u in units if u["code"] == township)
    return {row["insurance"]: row for row in unit["insurances"]}


def test_figures_count_the_living_who_should_be_insured(campaign: Campaign) -> None:
    persons = frame(
        *[person(pension="insured", medical="insured") for _ in range(17)],
        *[person(pension="missing", medical="insured") for _ in range(2)],
        person(pension="elsewhere", medical="elsewhere"),
        person(pension="missing", medical="missing", deceased=True),  # deceased: counted nowhere
        person(pension="not_applicable", medical="insured"),  # a child: no pension to pay
    )
    rows = rows_of(campaign, persons, FENGCHENG)
    pension = rows["pension"]
    assert {k: pension[k] for k in ("should", "insured", "elsewhere", "gap", "target")} == {
        "should": 20, "insured": 17, "elsewhere": 1, "gap": 2, "target": 1
    }  # fmt: skip
    assert pension["coverage"] == pytest.approx(0.9)
    assert sum(pension["monthly"].values()) == 1 and list(pension["monthly"]) == [  # type: ignore[union-attr]
        f"2017-{m:02d}" for m in range(7, 13)
    ]
    assert rows["medical"]["should"] == 21 and rows["medical"]["gap"] == 0 and rows["medical"]["target"] == 0
    assert rows["injury"]["should"] == 0 and rows["injury"]["coverage"] is None and rows["injury"]["target"] == 0


def test_everyone_insured_and_empty_townships_have_no_target(campaign: Campaign) -> None:
    persons = frame(*[person(pension="insured", medical="insured") for _ in range(5)])
    fengcheng = rows_of(campaign, persons, FENGCHENG)
    assert fengcheng["pension"]["coverage"] == 1.0 and fengcheng["pension"]["target"] == 0
    penglai = rows_of(campaign, persons, PENGLAI)  # nobody registered there
    assert penglai["pension"]["should"] == 0 and penglai["pension"]["target"] == 0


def test_the_county_adds_up_the_townships(campaign: Campaign) -> None:
    persons = frame(
        *[person(FENGCHENG, pension="missing") for _ in range(7)],  # target ceil(6.65) = 7
        *[person(PENGLAI, pension="missing") for _ in range(7)],  # 7
    )
    county = rows_of(campaign, persons, campaign.county.code)["pension"]
    assert county["should"] == 14 and county["gap"] == 14
    assert county["target"] == 14  # 7 + 7, the sum of the townships (ceil(0.95 * 14) alone would ask for 14 too)
    assert county["coverage"] == 0.0


def test_priority_groups_follow_the_campaign_file(campaign: Campaign) -> None:
    persons = frame(
        person(employed=True, pension="insured", medical="insured", injury="missing", unemployment="missing"),
        person(
            employed=True,
            pension="insured",
            medical="insured",
            injury="insured",
            unemployment="insured",
            maternity="insured",
        ),
        person(pension="missing", medical="insured"),
        person(pension="missing", medical="missing", subsidised="dibao"),
        person(pension="missing", medical="missing", deceased=True),
    )
    plan = expansion_plan(campaign, persons, AS_OF)
    groups = plan.priorities[plan.priorities["township_code"] == FENGCHENG].set_index("group")["persons"]
    assert groups.to_dict() == {
        "subsidised": 1,
        "employees": 1,
        "residents_pension": 2,
        "residents_medical": 1,
        "graduates": 0,
    }
