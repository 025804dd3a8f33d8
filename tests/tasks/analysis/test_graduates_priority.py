"""The graduates' archives (大学生档案) used: graduates on no employee scheme's list are a priority group of the
expansion plan, counted per township against a computation from the lists themselves."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from models.campaign.spec import Campaign
from tasks.analysis.expansion import expansion_plan, plan_json, priority_table
from tasks.comparison.compare import Rules, compare
from tests.ingest_files import make_id

AS_OF = date(2017, 7, 15)
LISTS = ("graduates", "pension_employee", "medical_employee", "injury", "unemployment", "pension_resident")


def _county(campaign: Campaign, seed: int, persons: int) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    rng = np.random.default_rng(seed)
    townships = campaign.townships[:3]
    ids = [make_id(date(1990 + k % 8, 1 + k % 12, 1 + k % 28), k % 1000, "350524") for k in range(persons)]
    ids = list(dict.fromkeys(ids))
    where = rng.integers(0, len(townships), size=len(ids))
    register = pd.DataFrame(
        {
            "id_number": ids,
            "name": "某",
            "township_code": [townships[w].code for w in where],
            "village_code": [townships[w].villages[0].code for w in where],
        }
    )
    lists: dict[str, pd.DataFrame] = {"household": register}
    for key in LISTS:
        chosen = [i for i in ids if rng.random() < (0.4 if key == "graduates" else 0.2)]
        lists[key] = pd.DataFrame({"id_number": chosen, "name": "某"})
    outsider = make_id(date(1995, 3, 3), 999, "350111")  # a graduate of another county: not a registered person
    lists["graduates"] = pd.concat([lists["graduates"], pd.DataFrame({"id_number": [outsider], "name": "某"})])
    dead = [i for i in ids if rng.random() < 0.05]
    lists["cremation"] = pd.DataFrame({"id_number": dead, "name": "某", "death_date": "2017-03-01"})
    return register, lists


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_graduates_on_no_employee_list_are_counted_per_township(campaign: Campaign, seed: int) -> None:
    register, lists = _county(campaign, seed, 600)
    persons = compare(lists, Rules.of(campaign), AS_OF).persons
    plan = expansion_plan(campaign, persons, AS_OF)

    # Independently, from the lists: registered, alive, a graduate, on none of the employee schemes' lists.
    employee = set().union(*(set(lists[k]["id_number"]) for k in campaign.comparison.employee_lists if k in lists))  # type: ignore[union-attr]
    dead = set(lists["cremation"]["id_number"])
    wanted = set(lists["graduates"]["id_number"]) - employee - dead
    township_of = dict(zip(register["id_number"], register["township_code"], strict=True))
    expected: dict[str, int] = {}
    for id_number in wanted & set(township_of):
        expected[township_of[id_number]] = expected.get(township_of[id_number], 0) + 1
    assert sum(expected.values()) > 20  # the case is not empty

    graduates = plan.priorities[plan.priorities["group"] == "graduates"].set_index("township_code")["persons"]
    for township in campaign.townships:
        assert graduates[township.code] == expected.get(township.code, 0), township.name
    assert graduates[campaign.county.code] == sum(expected.values())

    county = plan_json(plan, campaign)["county"]
    assert isinstance(county, dict)
    groups = {g["group"]: g for g in county["priorities"]}
    assert groups["graduates"] == {
        "group": "graduates",
        "name": "高校毕业生未参加职工社会保险",
        "persons": sum(expected.values()),
    }
    table = priority_table(plan)
    row = table[(table["重点人群"] == "高校毕业生未参加职工社会保险") & (table["乡镇"] == campaign.county.name)]
    assert row["人数"].tolist() == [sum(expected.values())]


def test_a_graduate_insured_only_as_a_resident_is_still_a_priority(campaign: Campaign) -> None:
    register, lists = _county(campaign, 7, 40)
    graduate = register["id_number"].iloc[0]
    for key in LISTS:
        lists[key] = lists[key][lists[key]["id_number"] != graduate]
    lists["cremation"] = lists["cremation"][lists["cremation"]["id_number"] != graduate]
    lists["graduates"] = pd.concat([lists["graduates"], pd.DataFrame({"id_number": [graduate], "name": "某"})])
    lists["pension_resident"] = pd.concat(
        [lists["pension_resident"], pd.DataFrame({"id_number": [graduate], "name": "某"})]
    )
    persons = compare(lists, Rules.of(campaign), AS_OF).persons.set_index("id_number")
    assert bool(persons.loc[graduate, "graduate"]) and not bool(persons.loc[graduate, "employee_enrolled"])

    lists["medical_employee"] = pd.concat(
        [lists["medical_employee"], pd.DataFrame({"id_number": [graduate], "name": "某"})]
    )
    persons = compare(lists, Rules.of(campaign), AS_OF).persons.set_index("id_number")
    assert bool(persons.loc[graduate, "employee_enrolled"])  # an employee now: out of the group
