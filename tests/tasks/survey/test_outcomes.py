"""Every visit outcome of the campaign file, table-driven: what it does to a person's statuses and category,
whether it counts as registered, how it counts in progress, and which departments and townships hear of it.
A visit registers, it never enrols: no outcome turns an insurance `insured`."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd
import pytest

from models.campaign.spec import INSURANCES, Campaign
from models.campaign.values import VisitRecord
from tasks.comparison.compare import registered_pending
from tasks.survey.progress import ProgressRules, village_progress
from tasks.survey.visits import (
    apply_visit,
    check_notes,
    correction_lists,
    overlay_visits,
    township_follow_ups,
)

DAY = date(2017, 5, 10)
TOWNSHIP, VILLAGE = "350524100", "350524100201"
NA = "not_applicable"
# pension, medical, injury, maternity, unemployment as the departments' lists left them
BEFORE = ("missing", "missing", "insured", NA, "missing")


def _person() -> dict[str, Any]:
    return {
        "name": "王五", "sex": "男", "birth_date": date(1980, 1, 1), "household_type": "农业",
        "registered_address": "", "address": "旧址", "phone": "13800000000", "employer": "", "deceased": False,
        "moved_out": False, **dict(zip(INSURANCES, BEFORE, strict=True)), "category": "partial",
        "survey_outcome": "", "surveyed_on": None, "registered_on": None,
    }  # fmt: skip


def _visit(outcome: str, **changes: Any) -> VisitRecord:
    corrections = {"phone": "13905951234"} if outcome == "corrected" else {}
    reason = "经济困难" if outcome == "refused" else ""
    visit = VisitRecord("A", TOWNSHIP, VILLAGE, outcome, DAY, DAY, "file", "张三", "", corrections, reason=reason)
    return replace(visit, **changes)


# outcome: (statuses after, category, registered, departments told, township follow-up)
EFFECTS: dict[str, tuple[tuple[str, ...], str, bool, set[str], bool]] = {
    "registered": (BEFORE, "partial", True, set(), False),
    "insured_elsewhere": (("elsewhere", "elsewhere", "insured", NA, "missing"), "partial", False, {"hrss"}, False),
    "public_sector": (("other_scheme", "other_scheme", "insured", NA, "missing"), "partial", False, {"hrss"}, False),
    "working_away": (BEFORE, "partial", False, set(), True),
    "military": (("not_applicable", NA, "insured", NA, NA), "insured_full", False, set(), False),
    "prison": (("not_applicable", NA, "insured", NA, NA), "insured_full", False, set(), False),
    "abroad": (("not_applicable", NA, "insured", NA, NA), "insured_full", False, set(), False),
    "deceased": (("not_applicable", NA, "insured", NA, NA), "deceased", False, {"police", "hrss", "health"}, False),
    "moved": (("not_applicable", NA, "insured", NA, NA), "moved_out", False, {"police"}, False),
    "not_found": (BEFORE, "partial", False, set(), True),  # police only once the township confirms
    "refused": (BEFORE, "partial", False, set(), False),
    "corrected": (BEFORE, "partial", False, {"hrss"}, False),  # the phone is 人社's
}


def test_every_outcome_of_the_campaign_file_is_in_the_table(campaign: Campaign) -> None:
    assert set(campaign.survey.outcomes) == set(EFFECTS)


@pytest.mark.parametrize("outcome", list(EFFECTS))
def test_the_effect_of_each_outcome_on_statuses_and_category(campaign: Campaign, outcome: str) -> None:
    statuses, category, registered, _told, _flagged = EFFECTS[outcome]
    person = _person()
    apply_visit(person, _visit(outcome), campaign.survey)
    assert tuple(person[i] for i in INSURANCES) == statuses
    assert [i for i in INSURANCES if person[i] == "insured"] == ["injury"]  # only what a list said
    assert person["category"] == category
    assert (person["registered_on"] == DAY) is registered
    assert person["deceased"] is (outcome == "deceased")
    assert person["moved_out"] is (outcome == "moved")
    assert person["survey_outcome"] == outcome


def test_away_with_nothing_else_applicable_is_its_own_category(campaign: Campaign) -> None:
    person = {**_person(), "injury": NA}
    apply_visit(person, _visit("military"), campaign.survey)
    assert person["category"] == "away" and all(person[i] == NA for i in INSURANCES)


@pytest.mark.parametrize("outcome", list(EFFECTS))
def test_who_is_told_of_each_outcome(campaign: Campaign, outcome: str) -> None:
    _statuses, _category, _registered, told, flagged = EFFECTS[outcome]
    registry = {"A": {"name": "王五", "phone": "13800000000"}}
    lists = correction_lists([_visit(outcome)], campaign.survey, registry)
    assert set(lists) == told
    follow_ups = township_follow_ups([_visit(outcome)], campaign.survey, registry)
    assert set(follow_ups) == ({TOWNSHIP} if flagged else set())


def test_not_found_reaches_the_police_once_the_township_confirms(campaign: Campaign) -> None:
    confirmed = _visit("not_found", confirmed_on=date(2017, 5, 15))
    lists = correction_lists([confirmed], campaign.survey, {})
    assert [row["finding"] for row in lists["police"]] == ["查无此人"]
    assert township_follow_ups([confirmed], campaign.survey, {}) == {}


@pytest.mark.parametrize("outcome", list(EFFECTS))
def test_each_outcome_counts_as_visited_and_only_registration_as_registered(campaign: Campaign, outcome: str) -> None:
    to_visit = pd.DataFrame({"village_code": [VILLAGE] * 2, "township_code": [TOWNSHIP] * 2, "id_number": ["A", "B"]})
    visits = pd.DataFrame({"id_number": ["A"], "visited_on": pd.to_datetime([DAY]), "outcome": [outcome]})
    rules = ProgressRules(start=date(2017, 5, 1), deadline=date(2017, 6, 30))
    [row] = village_progress(to_visit, visits, rules, date(2017, 5, 20)).to_dict("records")
    assert (row["to_visit"], row["visited"]) == (2, 1)
    assert row["registered"] == (1 if outcome == "registered" else 0)


@pytest.mark.parametrize(
    ("outcome", "reason", "intent", "problem"),
    [
        ("refused", "", "", "走访结果为“拒绝登记”，但未填写未参保原因"),
        ("refused", "经济困难", "不愿参保", None),
        ("registered", "", "有", None),
        ("registered", "", "也许吧", "参保意愿无法识别：也许吧"),
        ("working_away", "常年在外打工", "考虑中", None),
    ],
)
def test_reason_and_intent_are_checked(
    campaign: Campaign, outcome: str, reason: str, intent: str, problem: str | None
) -> None:
    said, code, reasons = check_notes(campaign.survey, outcome, reason, intent)
    assert [r.split("（可填")[0] for r in reasons] == ([problem] if problem else [])
    if problem is None:
        assert said == reason and (code in campaign.survey.intents or intent == "")


def test_registered_pending_counts_the_registered_still_missing_what_applies(campaign: Campaign) -> None:
    rows = [
        {**_person(), "id_number": i, "category": "partial"}
        for i in ("registered", "registered_then_died", "registered_insured", "refused")
    ]
    rows[2].update(pension="insured", medical="insured", unemployment=NA, category="insured_full")
    persons = pd.DataFrame(rows).drop(columns=["registered_on", "survey_outcome", "surveyed_on"])
    visits = [
        _visit("registered", id_number="registered"),
        _visit("registered", id_number="registered_then_died"),
        _visit("deceased", id_number="registered_then_died", visited_on=date(2017, 5, 12)),
        _visit("registered", id_number="registered_insured"),
        _visit("refused", id_number="refused"),
    ]
    overlaid = overlay_visits(persons, visits, campaign.survey)
    pending = registered_pending(overlaid).set_axis(overlaid["id_number"])
    assert pending.any(axis=1).to_dict() == {
        "registered": True,
        "registered_then_died": False,
        "registered_insured": False,
        "refused": False,
    }
    assert pending.loc["registered"].to_dict() == {
        "pension": True, "medical": True, "injury": False, "maternity": False, "unemployment": True,
    }  # fmt: skip
    # Coverage unchanged by registration: the statuses are the lists'.
    assert overlaid.set_index("id_number").loc["registered", "pension"] == "missing"
