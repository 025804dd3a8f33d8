"""A visit corrects 户籍所在地 and 现居住地 as two items, each sent to the department that holds it: the registered
address to the police (the household register), where the person lives now to 人社 (the registration's own
record)."""

from __future__ import annotations

from datetime import date

import pytest

from models.campaign.spec import Campaign
from models.campaign.values import VisitRecord
from tasks.survey.visits import apply_visit, correction_lists, parse_corrections

RECEIVED = date(2017, 5, 20)


@pytest.mark.parametrize(
    ("text", "field", "department"),
    [
        ("户籍所在地：凤城镇大同村12号", "registered_address", "police"),
        ("户籍地址：凤城镇大同村12号", "registered_address", "police"),
        ("户籍地=凤城镇大同村12号", "registered_address", "police"),
        ("户口所在地: 凤城镇大同村12号", "registered_address", "police"),
        ("现居住地：凤城镇大同村12号", "address", "hrss"),
        ("现住址：凤城镇大同村12号", "address", "hrss"),
        ("居住地址：凤城镇大同村12号", "address", "hrss"),
        ("实际居住地：凤城镇大同村12号", "address", "hrss"),
        ("住址：凤城镇大同村12号", "address", "hrss"),  # on a work list: where the worker found the person
    ],
)
def test_each_address_is_its_own_item_and_goes_to_its_owner(
    campaign: Campaign, text: str, field: str, department: str
) -> None:
    corrections, problems = parse_corrections(text, campaign.survey)
    assert problems == []
    assert corrections == {field: "凤城镇大同村12号"}
    visit = VisitRecord("A", "t", "v", "corrected", date(2017, 5, 10), RECEIVED, "file", "张三", "", corrections)
    lists = correction_lists([visit], campaign.survey, {"A": {"name": "王五", field: "旧址"}})
    assert list(lists) == [department]
    (row,) = lists[department]
    label = {"registered_address": "户籍所在地", "address": "现居住地"}[field]
    assert (row["field"], row["before"], row["after"]) == (label, "旧址", "凤城镇大同村12号")


def test_both_in_one_visit_change_the_record_and_split_between_departments(campaign: Campaign) -> None:
    corrections, problems = parse_corrections(
        "户籍所在地：凤城镇大同村12号；现居住地：厦门市思明区88号", campaign.survey
    )
    assert problems == []
    visit = VisitRecord("A", "t", "v", "corrected", date(2017, 5, 10), RECEIVED, "file", "张三", "", corrections)
    person = {"name": "王五", "registered_address": "旧户籍", "address": "旧住址", "pension": "missing"}
    changes = apply_visit(person, visit, campaign.survey)
    assert ("registered_address", "旧户籍", "凤城镇大同村12号") in changes
    assert ("address", "旧住址", "厦门市思明区88号") in changes
    lists = correction_lists([visit], campaign.survey, {"A": {"name": "王五", "registered_address": "旧户籍"}})
    assert [r["field"] for r in lists["police"]] == ["户籍所在地"]
    assert [r["field"] for r in lists["hrss"]] == ["现居住地"]


def test_the_owners_are_departments_of_the_campaign(campaign: Campaign) -> None:
    departments = {d.key for d in campaign.departments}
    corrections = campaign.survey.corrections
    assert corrections["registered_address"].notify == campaign.sources["household"].department == "police"
    assert corrections["address"].notify in departments and corrections["address"].notify != "police"
