"""The comparison's figures written out by hand, and the edges of combining and concatenating partitions."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.campaign.spec import Campaign
from tasks.comparison.compare import Rules, combine_summaries, compare, partition, summarise, with_keys
from tasks.identity.idnumber import check_char

AS_OF = date(2017, 4, 30)
FENGCHENG, PENGLAI = "350524100", "350524101"


def make_id(birth: str, seq: int) -> str:
    first17 = f"350524{birth}{seq:03d}"
    return first17 + check_char(first17)


ADULT = make_id("19800101", 11)  # man, 37
WOMAN = make_id("19700505", 22)  # woman, 46
TEEN = make_id("20010430", 31)  # 16 on AS_OF
CHILD = make_id("20010501", 41)  # 15
OLD = make_id("19300101", 51)  # cremated before AS_OF


def listing(*ids: str, **extra: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"id_number": list(ids), **extra})


def frames() -> dict[str, pd.DataFrame]:
    register = pd.DataFrame(
        {
            "id_number": [ADULT, WOMAN, TEEN, CHILD, OLD],
            "name": ["张三", "李梅", "王小明", "陈小", "林老"],
            "township_code": [FENGCHENG, FENGCHENG, PENGLAI, PENGLAI, PENGLAI],
            "village_code": ["350524100201", "350524100201", "350524101201", "350524101201", "350524101201"],
        }
    )
    return {
        "household": register,
        "pension_resident": listing(ADULT, OLD),
        "medical_resident": listing(ADULT, WOMAN),
        "employment": listing(WOMAN, employer=["安溪茶厂"]),
        "dibao": listing(WOMAN),
        "cremation": listing(OLD, death_date=["2017-03-02"]),
    }


INSURANCE_KEYS = ("pension", "medical", "injury", "maternity", "unemployment")


def test_the_summary_of_five_persons_by_hand(campaign: Campaign) -> None:
    # 张三: pension and medical covered → insured_full, working age without a job.
    # 李梅: medical only; employed, so pension and the three work insurances are missing → partial, subsidised.
    # 王小明: 16 today, nothing covered → uninsured (pension and medical missing), working age without a job.
    # 陈小: 15, medical missing → uninsured. 林老: cremated, still on the pension list → deceased, an anomaly.
    summary = summarise(compare(frames(), Rules.of(campaign), AS_OF), campaign, AS_OF)
    nothing_missing = {"pension": 0, "medical": 0, "injury": 0, "maternity": 0, "unemployment": 0}
    by_township = summary.pop("by_township")
    assert summary == {
        "as_of": "2017-04-30",
        "persons": 5,
        # moved_out and away come from visits only: none here
        "categories": {"insured_full": 1, "partial": 1, "uninsured": 2, "deceased": 1, "moved_out": 0, "away": 0},
        "missing_by_insurance": {"pension": 2, "medical": 2, "injury": 1, "maternity": 1, "unemployment": 1},
        "anomalies": {
            "duplicate_enrolment": 0,
            "deceased_enrolled": 1,
            "inconsistent_identity": 0,
        },
        "registered_pending": 0,  # no visit has registered anyone
        "registered_pending_by_insurance": dict.fromkeys(INSURANCE_KEYS, 0),
        "outside_register": 0,
        "outside_register_by_source": {key: 0 for key in campaign.sources if key != "household"},
        "outside_register_by_insurance": dict.fromkeys(INSURANCE_KEYS, 0),
        "employment": {"employed_insured": 0, "employed_uninsured": 1, "working_age_unemployed": 2},
        "subsidised": 1,
    }
    assert isinstance(by_township, list)
    assert by_township[:3] == [
        {
            "code": FENGCHENG,
            "name": "凤城镇",
            "persons": 2,
            "insured_full": 1,
            "partial": 1,
            "uninsured": 0,
            "deceased": 0,
            "missing_by_insurance": {"pension": 1, "medical": 0, "injury": 1, "maternity": 1, "unemployment": 1},
            "registered_pending": 0,
        },
        {
            "code": PENGLAI,
            "name": "蓬莱镇",
            "persons": 3,
            "insured_full": 0,
            "partial": 0,
            "uninsured": 2,
            "deceased": 1,
            "missing_by_insurance": {"pension": 1, "medical": 2, "injury": 0, "maternity": 0, "unemployment": 0},
            "registered_pending": 0,
        },
        {
            "code": "350524102",
            "name": "湖头镇",
            "persons": 0,
            "insured_full": 0,
            "partial": 0,
            "uninsured": 0,
            "deceased": 0,
            "missing_by_insurance": nothing_missing,
            "registered_pending": 0,
        },
    ]
    assert [t["code"] for t in by_township] == campaign.township_codes
    assert all(t["persons"] == 0 and t["missing_by_insurance"] == nothing_missing for t in by_township[2:])


def test_partitions_are_concatenated_with_a_fresh_index(campaign: Campaign) -> None:
    result = compare(frames(), Rules.of(campaign), AS_OF, parts=3)
    assert sorted(result.persons["id_number"]) == sorted([ADULT, WOMAN, TEEN, CHILD, OLD])
    assert list(result.persons.index) == list(range(5))
    anomalies = compare({**frames(), "pension_employee": listing(ADULT, TEEN)}, Rules.of(campaign), AS_OF, parts=3)
    assert list(anomalies.anomalies.index) == list(range(len(anomalies.anomalies)))
    assert len(anomalies.anomalies) == 2  # 林老 still enrolled, 张三 enrolled twice


def test_keys_are_added_without_other_columns() -> None:
    frame = listing(ADULT, WOMAN).set_axis([7, 3])
    keyed = with_keys({"pension_resident": frame})["pension_resident"]
    assert list(keyed.columns) == ["id_number", "key"]
    assert list(keyed.index) == [0, 1]


def test_a_campaign_without_comparison_rules_is_refused_in_chinese(campaign: Campaign) -> None:
    with pytest.raises(ValueError, match=r"^活动计划中没有比对规则（\[comparison\]）$"):
        Rules.of(campaign.model_copy(update={"comparison": None}))


def test_partition_summaries_add_up_and_must_otherwise_agree() -> None:
    first = {"as_of": "2017-04-30", "persons": 2, "final": True, "by": [{"code": "a", "n": 1}]}
    second = {"as_of": "2017-04-30", "persons": 3, "final": True, "by": [{"code": "a", "n": 4}]}
    assert combine_summaries([first, second]) == {
        "as_of": "2017-04-30",
        "persons": 5,
        "final": True,
        "by": [{"code": "a", "n": 5}],
    }
    with pytest.raises(ValueError, match=r"^partitions disagree: '2017-04-30' != '2017-05-01'$"):
        combine_summaries([first, {**second, "as_of": "2017-05-01"}])
    with pytest.raises(ValueError, match=r"^partitions disagree: \{'n': 1\} != 5$"):
        combine_summaries([{"x": {"n": 1}}, {"x": 5}])
    with pytest.raises(ValueError, match=r"^partitions disagree: \[1\] != 'a'$"):
        combine_summaries([{"x": [1]}, {"x": "a"}])
    with pytest.raises(ValueError, match=r"^partitions disagree: 1 != '1'$"):
        combine_summaries([{"x": 1}, {"x": "1"}])
    with pytest.raises(ValueError, match="shorter"):
        combine_summaries([{"x": [1, 2]}, {"x": [1]}])
    with pytest.raises(ValueError, match=r"^no partitions to combine$"):
        combine_summaries([])


def without_rules(campaign: Campaign, *insurances: str) -> Rules:
    rules = Rules.of(campaign)
    kept = {k: v for k, v in rules.comparison.insurances.items() if k not in insurances}
    return Rules(rules.comparison.model_copy(update={"insurances": kept}), rules.roles)


def test_an_insurance_without_a_rule_applies_to_nobody_and_the_others_still_do(campaign: Campaign) -> None:
    persons = compare(frames(), without_rules(campaign, "pension", "injury"), AS_OF).persons.set_index("id_number")
    assert set(persons["pension"]) == {"not_applicable"}
    assert set(persons["injury"]) == {"not_applicable"}
    # 李梅 is employed: maternity and unemployment, after the missing injury rule, still apply to her.
    assert persons.loc[WOMAN, ["medical", "maternity", "unemployment"]].tolist() == ["insured", "missing", "missing"]
    assert persons.loc[WOMAN, "employment_status"] == "employed_uninsured"  # no pension rule: nobody pensioned
    assert persons.loc[WOMAN, "category"] == "partial"


def test_the_persons_come_in_register_order_with_whole_ages_and_their_sex(campaign: Campaign) -> None:
    persons = compare(frames(), Rules.of(campaign), AS_OF).persons
    assert list(persons["id_number"]) == [ADULT, WOMAN, TEEN, CHILD, OLD]
    assert persons["age"].dtype == "int64"
    assert list(persons["age"]) == [37, 46, 16, 15, 87]
    assert list(persons["sex"]) == ["男", "女", "男", "男", "男"]


def test_a_work_insurance_never_applies_to_the_dead_even_on_the_employment_list(campaign: Campaign) -> None:
    lists = {**frames(), "employment": listing(WOMAN, OLD, employer=["安溪茶厂", "安溪茶厂"])}
    persons = compare(lists, Rules.of(campaign), AS_OF).persons.set_index("id_number")
    assert set(persons.loc[OLD, ["injury", "maternity", "unemployment"]]) == {"not_applicable"}
    assert persons.loc[OLD, "employment_status"] == ""


@pytest.mark.parametrize(
    ("birth", "status"),
    [
        ("19570501", "working_age_unemployed"),  # a man of 59: still of working age
        ("19570430", ""),  # 60 on the as-of date: retired
    ],
)
def test_a_mans_working_age_ends_on_his_60th_birthday(campaign: Campaign, birth: str, status: str) -> None:
    man = make_id(birth, 71)
    register = pd.DataFrame({"id_number": [man], "name": ["郑工"], "township_code": FENGCHENG})
    persons = compare({"household": register}, Rules.of(campaign), AS_OF).persons
    assert persons["employment_status"].tolist() == [status]


def test_a_register_of_one_person_finds_them_and_nobody_else(campaign: Campaign) -> None:
    register = pd.DataFrame({"id_number": [WOMAN], "name": ["李梅"], "township_code": FENGCHENG})
    lists = {"household": register, "medical_resident": listing(ADULT, WOMAN, OLD)}
    result = compare(lists, Rules.of(campaign), AS_OF)
    assert result.persons["medical"].tolist() == ["insured"]
    outside = result.anomalies[result.anomalies["kind"] == "outside_register"]
    assert sorted(outside["id_number"]) == sorted([ADULT, OLD])


def test_an_empty_register_finds_nobody_and_names_everyone_listed_as_outside(campaign: Campaign) -> None:
    register = pd.DataFrame({"id_number": pd.Series([], dtype="str"), "name": pd.Series([], dtype="str")})
    lists = {"household": register, "medical_resident": listing(ADULT)}
    result = compare(lists, Rules.of(campaign), AS_OF)
    assert len(result.persons) == 0
    assert result.anomalies[["id_number", "kind"]].values.tolist() == [[ADULT, "outside_register"]]


def test_every_list_is_split_into_the_parts_asked_for(campaign: Campaign) -> None:
    keyed = with_keys(frames())
    parts = partition(keyed, 2)
    assert len(parts) == 2
    assert sorted(k for part in parts for k in part["household"]["key"]) == sorted(keyed["household"]["key"])


def anomalies_of(result_frames: dict[str, pd.DataFrame], campaign: Campaign, kind: str) -> pd.DataFrame:
    anomalies = compare(result_frames, Rules.of(campaign), AS_OF).anomalies
    return anomalies[anomalies["kind"] == kind].reset_index(drop=True)


def test_each_anomaly_names_its_sources_evidence_and_village(campaign: Campaign) -> None:
    lists = {**frames(), "medical_resident": listing(ADULT, WOMAN, OLD), "pension_employee": listing(ADULT)}
    result = compare(lists, Rules.of(campaign), AS_OF)
    anomalies = result.anomalies
    assert list(anomalies.index) == list(range(len(anomalies)))
    rows = anomalies.set_index(["kind", "id_number"])
    dead = rows.loc[("deceased_enrolled", OLD)]
    assert dead["sources"] == "cremation,medical_resident,pension_resident"  # in the campaign file's order
    # Lists by their titles, as a village worker reads them: never the campaign file's keys.
    assert dead["evidence"] == "已火化，仍在新型农村合作医疗参保人员名单、城乡居民基本养老保险参保人员名单中"
    assert dead["village_code"] == "350524101201"
    twice = rows.loc[("duplicate_enrolment", ADULT)]
    assert (twice["sources"], twice["village_code"]) == ("pension_employee,pension_resident", "350524100201")
    assert twice["evidence"] == "同时在职工基本养老保险参保人员名单和城乡居民基本养老保险参保人员名单中"
    flags = result.persons.set_index("id_number")["anomalies"]
    assert (flags[ADULT], flags[OLD], flags[WOMAN]) == ("duplicate_enrolment", "deceased_enrolled", "")


def test_every_duplicate_pair_flags_its_persons(campaign: Campaign) -> None:
    # 张三 is on both pension lists, 李梅 on both medical lists: the second pair must not undo the first.
    lists = {
        **frames(),
        "pension_employee": listing(ADULT),
        "medical_employee": listing(WOMAN),
    }
    flags = compare(lists, Rules.of(campaign), AS_OF).persons.set_index("id_number")["anomalies"]
    assert (flags[ADULT], flags[WOMAN]) == ("duplicate_enrolment", "duplicate_enrolment")


def test_an_outsider_is_named_with_the_lists_they_are_on(campaign: Campaign) -> None:
    stranger = make_id("19900101", 61)
    lists = {**frames(), "medical_resident": listing(ADULT, stranger), "pension_resident": listing(stranger)}
    outside = anomalies_of(lists, campaign, "outside_register")
    assert outside[["id_number", "sources", "evidence"]].values.tolist() == [
        [
            stranger,
            "medical_resident,pension_resident",
            "不在户籍人员信息名单中，出现在新型农村合作医疗参保人员名单、城乡居民基本养老保险参保人员名单中",
        ]
    ]
    assert outside["village_code"].tolist() == [None]


def test_identity_conflicts_are_joined_per_person_and_flagged(campaign: Campaign) -> None:
    register = frames()["household"].assign(
        sex=["男", "女", "", None, "女"],  # 王小明 unknown, 陈小 missing: no conflict; 林老 is a man by his ID
        id_sex=["男", "女", "男", "男", "男"],
        birth_date=["1980-01-01", "1970-05-06", "不详", None, "1930-01-01"],
        id_birth_date=["1980-01-01", "1970-05-05", "2001-04-30", "2001-05-01", None],
    )
    lists = {
        "household": register,
        "medical_resident": listing(WOMAN, TEEN, CHILD, name=["李美", None, "陈小"]),
    }
    result = compare(lists, Rules.of(campaign), AS_OF)
    found = result.anomalies[result.anomalies["kind"] == "inconsistent_identity"].set_index("id_number")
    assert sorted(found.index) == sorted([WOMAN, OLD])
    assert found.loc[WOMAN, "sources"] == "medical_resident,household"
    assert found.loc[WOMAN, "evidence"] == (
        "新型农村合作医疗参保人员名单中姓名为“李美”，户籍为“李梅”；户籍出生日期“1970年5月6日”与身份证号不符"
    )
    assert found.loc[OLD, "evidence"] == "户籍性别“女”与身份证号不符"
    flags = result.persons.set_index("id_number")["anomalies"]
    assert flags[WOMAN] == "inconsistent_identity" and flags[ADULT] == ""


def test_one_register_column_without_its_counterpart_is_not_compared(campaign: Campaign) -> None:
    register = frames()["household"].assign(sex="女", birth_date="1900-01-01")
    found = anomalies_of({**frames(), "household": register}, campaign, "inconsistent_identity")
    assert found.empty


@pytest.mark.parametrize(
    ("death_date", "deceased"),
    [
        ("2017-04-30", True),  # cremated on the as-of date itself
        ("2017-05-01", False),  # the day after: still alive as of April 30
        ("未知", True),  # an unreadable date counts like a missing one: known dead
    ],
)
def test_a_death_counts_from_its_own_day(campaign: Campaign, death_date: str, deceased: bool) -> None:
    lists = {**frames(), "cremation": listing(OLD, death_date=[death_date])}
    persons = compare(lists, Rules.of(campaign), AS_OF).persons.set_index("id_number")
    assert persons.loc[OLD, "deceased"] == deceased


def test_the_16th_birthday_a_few_days_after_the_as_of_date_is_not_yet_reached(campaign: Campaign) -> None:
    almost = make_id("20011225", 81)
    register = pd.DataFrame({"id_number": [almost], "name": ["周小"], "township_code": FENGCHENG})
    persons = compare({"household": register}, Rules.of(campaign), date(2017, 12, 20)).persons
    assert persons["age"].tolist() == [15]
    assert persons["pension"].tolist() == ["not_applicable"]


def test_the_sex_follows_the_parity_of_the_17th_digit(campaign: Campaign) -> None:
    ids = [make_id("19800101", 10 + digit) for digit in range(10)]
    register = pd.DataFrame({"id_number": ids, "name": [f"人{d}" for d in range(10)], "township_code": FENGCHENG})
    persons = compare({"household": register}, Rules.of(campaign), AS_OF).persons
    assert persons["sex"].tolist() == ["女", "男"] * 5


def test_register_columns_the_department_did_not_send_are_empty_text(campaign: Campaign) -> None:
    persons = compare(frames(), Rules.of(campaign), AS_OF).persons
    for column in ("household", "household_type", "address", "phone"):
        assert persons[column].tolist() == [""] * 5
        assert persons[column].dtype == "str"


def test_a_person_listed_twice_in_the_register_keeps_the_first_row(campaign: Campaign) -> None:
    ids = [make_id(f"19{50 + i % 40:02d}0{1 + i % 9}1{i % 9}", 100 + i) for i in range(150)]
    rows = [(i, "甲") for i in ids] + [(i, "乙") for i in ids[::-1]] + [(i, "丙") for i in ids]
    register = pd.DataFrame({"id_number": [r[0] for r in rows], "name": [r[1] for r in rows]})
    persons = compare({"household": register}, Rules.of(campaign), AS_OF).persons
    assert persons["id_number"].tolist() == ids
    assert set(persons["name"]) == {"甲"}


def test_birth_dates_are_read_from_the_id(campaign: Campaign) -> None:
    persons = compare(frames(), Rules.of(campaign), AS_OF).persons
    expected = ["1980-01-01", "1970-05-05", "2001-04-30", "2001-05-01", "1930-01-01"]
    assert persons["birth_date"].tolist() == [pd.Timestamp(d) for d in expected]
    assert persons["birth_date"].dtype == "datetime64[s]"


def test_the_employer_is_taken_from_the_persons_first_employment_row(campaign: Campaign) -> None:
    employment = listing(WOMAN, ADULT, WOMAN, TEEN, employer=["甲厂", "乙厂", "丙厂", None])
    persons = compare({**frames(), "employment": employment}, Rules.of(campaign), AS_OF).persons
    assert persons["employer"].tolist() == ["乙厂", "甲厂", "", "", ""]
    assert persons["employer"].dtype == "str"


@pytest.mark.parametrize(
    "employment",
    [listing(WOMAN), listing(employer=[]), None],
    ids=["without an employer column", "empty", "not delivered"],
)
def test_no_employer_to_name_leaves_the_column_empty(campaign: Campaign, employment: pd.DataFrame | None) -> None:
    lists = {k: v for k, v in frames().items() if k != "employment"}
    if employment is not None:
        lists["employment"] = employment
    persons = compare(lists, Rules.of(campaign), AS_OF).persons
    assert persons["employer"].tolist() == [""] * 5
    assert persons["employer"].dtype == "str"


def test_register_details_are_carried_over_and_flags_are_joined(campaign: Campaign) -> None:
    register = frames()["household"].assign(
        household=["H1", "H1", "H2", "H2", "H3"],
        household_type=["农业", "农业", "非农业", "非农业", "农业"],
        address=["凤城镇1号", "凤城镇1号", "蓬莱镇2号", "蓬莱镇2号", "蓬莱镇3号"],
        phone=["", "13800000000", "", "", ""],
    )
    lists = {**frames(), "household": register, "disabled": listing(WOMAN)}
    persons = compare(lists, Rules.of(campaign), AS_OF).persons.set_index("id_number")
    assert persons.loc[WOMAN, ["village_code", "household", "household_type", "address", "phone"]].tolist() == [
        "350524100201", "H1", "农业", "凤城镇1号", "13800000000"
    ]  # fmt: skip
    assert persons.loc[WOMAN, "subsidised"] == "dibao,disabled"


def test_a_missing_register_value_is_empty_text(campaign: Campaign) -> None:
    register = frames()["household"]
    register.loc[1, "village_code"] = None
    persons = compare({**frames(), "household": register}, Rules.of(campaign), AS_OF).persons
    assert persons["village_code"].tolist() == ["350524100201", "", "350524101201", "350524101201", "350524101201"]
