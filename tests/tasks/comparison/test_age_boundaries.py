"""Birthdays on the as-of date: pension applies from the 16th birthday itself (not the day after), working age
starts on the 16th birthday and ends on the retirement birthday (60 for men, 55 for women), a 29 February
birthday is reached on 1 March in common years. Expectations worked out by hand from the birth dates."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.campaign.spec import Campaign
from tasks.comparison.compare import Rules, compare
from tasks.identity.idnumber import check_char


def _id(birth: str, sex_digit: int) -> str:
    first17 = f"350524{birth}01{sex_digit}"
    return first17 + check_char(first17)


BOY = _id("20010430", 1)  # male, 16 on 2017-04-30
LEAPLING = _id("20000229", 2)  # female, born on 29 February 2000
MAN = _id("19570430", 3)  # male, 60 on 2017-04-30
WOMAN = _id("19620430", 4)  # female, 55 on 2017-04-30


def _person(campaign: Campaign, id_number: str, as_of: date) -> pd.Series:
    register = pd.DataFrame({"id_number": [id_number], "name": ["某人"], "township_code": "350524100",
                             "village_code": "350524100201"})  # fmt: skip
    persons = compare({"household": register}, Rules.of(campaign), as_of).persons
    assert len(persons) == 1
    return persons.iloc[0]


@pytest.mark.parametrize(
    ("as_of", "age", "pension", "employment"),
    [
        (date(2017, 4, 29), 15, "not_applicable", ""),  # the day before the 16th birthday
        (date(2017, 4, 30), 16, "missing", "working_age_unemployed"),  # the 16th birthday itself
        (date(2017, 5, 1), 16, "missing", "working_age_unemployed"),
    ],
)
def test_the_16th_birthday_on_the_as_of_date(
    campaign: Campaign, as_of: date, age: int, pension: str, employment: str
) -> None:
    person = _person(campaign, BOY, as_of)
    assert (person["age"], person["pension"], person["employment_status"]) == (age, pension, employment)
    assert person["medical"] == "missing"  # medical applies at any age


@pytest.mark.parametrize(
    ("as_of", "age", "pension"),
    [
        (date(2016, 2, 28), 15, "not_applicable"),
        (date(2016, 2, 29), 16, "missing"),  # a leap year: the birthday itself
        (date(2015, 2, 28), 14, "not_applicable"),  # a common year: 28 February is not yet the birthday
        (date(2015, 3, 1), 15, "not_applicable"),
    ],
)
def test_a_29_february_birthday(campaign: Campaign, as_of: date, age: int, pension: str) -> None:
    person = _person(campaign, LEAPLING, as_of)
    assert (person["age"], person["pension"]) == (age, pension)


@pytest.mark.parametrize(
    ("id_number", "as_of", "employment"),
    [
        (MAN, date(2017, 4, 29), "working_age_unemployed"),  # 59 the day before
        (MAN, date(2017, 4, 30), ""),  # 60 on the as-of date: past working age
        (WOMAN, date(2017, 4, 29), "working_age_unemployed"),  # 54 the day before
        (WOMAN, date(2017, 4, 30), ""),  # 55 on the as-of date
    ],
)
def test_retirement_birthday_on_the_as_of_date(
    campaign: Campaign, id_number: str, as_of: date, employment: str
) -> None:
    person = _person(campaign, id_number, as_of)
    assert person["employment_status"] == employment
    assert person["pension"] == "missing"  # pension applies past working age too
