"""The comparison rules, table-driven, edges included."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.campaign.spec import Campaign
from tasks.comparison.compare import Rules, compare, summarise
from tasks.identity.idnumber import check_char

AS_OF = date(2017, 4, 30)
VILLAGE = "350524100201"


def make_id(birth: str, seq: int) -> str:
    first17 = f"350524{birth}{seq:03d}"
    return first17 + check_char(first17)


def register(*people: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id_number": [p[0] for p in people],
            "name": [p[1] for p in people],
            "township_code": "350524100",
            "village_code": VILLAGE,
        }
    )


def listing(*people: tuple[str, str], **extra: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"id_number": [p[0] for p in people], "name": [p[1] for p in people], **extra})


ADULT = (make_id("19800101", 11), "张三")  # male, 37
WOMAN = (make_id("19700505", 22), "李梅")  # female, 46
TEEN = (make_id("20010430", 31), "王小明")  # 16th birthday on AS_OF
CHILD = (make_id("20010501", 41), "陈小")  # turns 16 the day after
OLD = (make_id("19300101", 51), "林老")  # 87


def run(campaign: Campaign, **lists: pd.DataFrame) -> pd.DataFrame:
    frames = {"household": register(ADULT, WOMAN, TEEN, CHILD, OLD), **lists}
    return compare(frames, Rules.of(campaign), AS_OF).persons.set_index("name")


def test_nothing_covered(campaign: Campaign) -> None:
    persons = run(campaign)
    assert persons.loc["张三", ["pension", "medical", "injury"]].tolist() == ["missing", "missing", "not_applicable"]
    assert persons.loc["王小明", "pension"] == "missing"  # 16 on the as-of date: pension applies
    assert persons.loc["陈小", "pension"] == "not_applicable"  # not yet 16
    assert persons.loc["陈小", "medical"] == "missing"
    assert set(persons["category"]) == {"uninsured"}
    assert persons.loc["王小明", "age"] == 16 and persons.loc["陈小", "age"] == 15


def test_students_have_no_pension_requirement(campaign: Campaign) -> None:
    persons = run(campaign, students=listing(TEEN), medical_resident=listing(TEEN))
    assert persons.loc["王小明", "pension"] == "not_applicable"
    assert persons.loc["王小明", "category"] == "insured_full"


def test_employment_brings_the_three_work_insurances(campaign: Campaign) -> None:
    persons = run(
        campaign,
        employment=listing(ADULT, employer=["安溪茶厂"]),
        pension_employee=listing(ADULT),
        medical_employee=listing(ADULT),
        injury=listing(ADULT),
    )
    row = persons.loc["张三"]
    assert [row[i] for i in ("pension", "medical", "injury", "maternity", "unemployment")] == [
        "insured", "insured", "insured", "missing", "missing"
    ]  # fmt: skip
    assert row["category"] == "partial"
    assert row["employment_status"] == "employed_insured" and row["employer"] == "安溪茶厂"


@pytest.mark.parametrize(
    ("name", "lists", "status"),
    [
        ("张三", {"employment": ["张三"]}, "employed_uninsured"),
        ("张三", {}, "working_age_unemployed"),
        ("李梅", {}, "working_age_unemployed"),  # 46 < 55
        ("林老", {}, ""),  # past working age
        ("陈小", {}, ""),  # under 16
        ("王小明", {"students": ["王小明"]}, ""),  # in school
    ],
)
def test_employment_status(campaign: Campaign, name: str, lists: dict[str, list[str]], status: str) -> None:
    people = {p[1]: p for p in (ADULT, WOMAN, TEEN, CHILD, OLD)}
    frames = {source: listing(*(people[n] for n in names), employer=["某单位"] * len(names))
              for source, names in lists.items()}  # fmt: skip
    assert run(campaign, **frames).loc[name, "employment_status"] == status


def test_the_deceased_are_not_required_and_flagged_when_still_enrolled(campaign: Campaign) -> None:
    persons = run(
        campaign,
        cremation=listing(OLD, WOMAN, death_date=["2017-03-02", "2017-05-20"]),  # the second dies after AS_OF
        pension_resident=listing(OLD),
    )
    assert persons.loc["林老", "category"] == "deceased"
    assert set(persons.loc["林老", ["pension", "medical"]]) == {"not_applicable"}
    assert persons.loc["林老", "anomalies"] == "deceased_enrolled"
    assert persons.loc["李梅", "category"] == "uninsured"


def test_duplicate_enrolment_and_outside_register(campaign: Campaign) -> None:
    stranger = (make_id("19900101", 61), "外地人")
    result = compare(
        {
            "household": register(ADULT, WOMAN),
            "pension_employee": listing(ADULT),
            "pension_resident": listing(ADULT, stranger),
            "medical_resident": listing(stranger),
        },
        Rules.of(campaign),
        AS_OF,
    )
    anomalies = result.anomalies
    assert anomalies[anomalies["kind"] == "duplicate_enrolment"]["id_number"].tolist() == [ADULT[0]]
    outside = anomalies[anomalies["kind"] == "outside_register"]
    assert outside["id_number"].tolist() == [stranger[0]]
    assert outside["sources"].tolist() == ["medical_resident,pension_resident"]  # in the campaign file's order
    summary = summarise(result, campaign, AS_OF)
    # 户籍外参保 is information reported beside the anomalies, never among them.
    assert summary["outside_register"] == 1
    assert "outside_register" not in summary["anomalies"]  # type: ignore[operator]
    assert summary["anomalies"] == {"duplicate_enrolment": 1, "deceased_enrolled": 0, "inconsistent_identity": 0}
    by_source = summary["outside_register_by_source"]
    assert isinstance(by_source, dict) and "household" not in by_source
    assert {k: v for k, v in by_source.items() if v} == {"pension_resident": 1, "medical_resident": 1}
    by_insurance = summary["outside_register_by_insurance"]
    assert by_insurance == {"pension": 1, "medical": 1, "injury": 0, "maternity": 0, "unemployment": 0}


def test_inconsistent_identity_from_names_and_register_columns(campaign: Campaign) -> None:
    frames = {
        "household": pd.concat([register(ADULT, WOMAN, TEEN), register((ADULT[0], "张叁"))], ignore_index=True).assign(
            sex=["男", "男", "男", "男"], id_sex=["男", "女", "男", "男"]
        ),
        "medical_resident": listing((WOMAN[0], "李梅"), (TEEN[0], "王晓明")),
    }
    result = compare(frames, Rules.of(campaign), AS_OF)
    flagged = result.anomalies[result.anomalies["kind"] == "inconsistent_identity"].set_index("id_number")
    assert set(flagged.index) == {ADULT[0], WOMAN[0], TEEN[0]}
    assert "张叁" in flagged.loc[ADULT[0], "evidence"]
    assert "性别" in flagged.loc[WOMAN[0], "evidence"]
    assert flagged.loc[TEEN[0], "sources"] == "medical_resident"
    assert len(result.persons) == 3  # one person per ID


def test_partitions_give_the_same_result(campaign: Campaign) -> None:
    people = [(make_id(f"19{50 + i % 40:02d}0{1 + i % 9}1{i % 9}", 100 + i), f"人{i}") for i in range(300)]
    frames = {
        "household": register(*people),
        "pension_resident": listing(*people[::2]),
        "medical_resident": listing(*people[::3]),
        "employment": listing(*people[::5], employer=["厂"] * len(people[::5])),
        "cremation": listing(*people[::17]),
    }
    whole = compare(frames, Rules.of(campaign), AS_OF)
    split = compare(frames, Rules.of(campaign), AS_OF, parts=7)
    assert len(split.persons) == 300

    def by_id(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
        return frame.astype(str).sort_values(list(keys), ignore_index=True)

    pd.testing.assert_frame_equal(by_id(whole.persons, "id_number"), by_id(split.persons, "id_number"))
    pd.testing.assert_frame_equal(
        by_id(whole.anomalies, "kind", "id_number"), by_id(split.anomalies, "kind", "id_number")
    )
