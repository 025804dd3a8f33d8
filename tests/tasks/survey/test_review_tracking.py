"""The township review (乡镇督促核实, 三（五）③) tracked per township: villages and visits waiting, since when, by
when, the state, overdue first. Pure: the waiting visits are given."""

from __future__ import annotations

from datetime import date

from models.campaign.spec import Campaign
from tasks.survey.reviews import review_due, review_standings

T1, T2 = "350524100", "350524101"
V1, V2, V3 = "350524100001", "350524100002", "350524101001"
WAITING = [(T1, V1, 3, date(2017, 5, 10)), (T1, V2, 1, date(2017, 5, 20)), (T2, V3, 2, date(2017, 6, 1))]


def within(campaign: Campaign, days: int) -> Campaign:
    return campaign.model_copy(update={"survey": campaign.survey.model_copy(update={"review_within_days": days})})


def test_without_a_number_of_days_the_review_is_due_by_the_survey_deadline(campaign: Campaign) -> None:
    _start, deadline = campaign.survey_window()
    assert review_due(campaign, date(2017, 5, 10)) == deadline
    rows = review_standings(campaign, WAITING, deadline)
    first = rows[0]
    assert (first["township"], first["state"], first["villages_waiting"], first["visits_waiting"]) == (
        T1,
        "waiting",
        2,
        4,
    )
    assert (first["since"], first["due"]) == ("2017-05-10", deadline.isoformat())
    assert [v["village"] for v in first["villages"]] == [V1, V2]  # oldest first
    assert rows[1]["township"] == T2 and rows[1]["state"] == "waiting"
    assert {r["state"] for r in rows[2:]} == {"clear"} and len(rows) == len(campaign.townships)
    after = review_standings(campaign, WAITING, date(2017, 7, 1))
    assert [r["state"] for r in after[:2]] == ["overdue", "overdue"]


def test_with_a_number_of_days_each_visit_is_due_that_many_days_after_it_arrived(campaign: Campaign) -> None:
    reminding = within(campaign, 7)
    assert review_due(reminding, date(2017, 5, 10)) == date(2017, 5, 17)
    assert review_due(reminding, date(2017, 6, 28)) == date(2017, 6, 30)  # never after the survey's deadline
    assert review_due(reminding, date(2017, 7, 3)) == date(2017, 7, 10)  # a late visit: its own days
    assert review_due(campaign, date(2017, 7, 3)) == date(2017, 7, 3)
    rows = review_standings(reminding, WAITING, date(2017, 6, 5))
    assert [(r["township"], r["state"]) for r in rows[:2]] == [(T1, "overdue"), (T2, "waiting")]  # overdue first
    assert [v["overdue"] for v in rows[0]["villages"]] == [True, True]
    rows = review_standings(reminding, WAITING, date(2017, 5, 18))
    assert [(r["township"], r["state"]) for r in rows[:2]] == [(T1, "overdue"), (T2, "waiting")]
    assert [v["overdue"] for v in rows[0]["villages"]] == [True, False]


def test_overdue_townships_come_first_whatever_their_code(campaign: Campaign) -> None:
    waiting = [(T1, V1, 1, date(2017, 6, 20)), (T2, V3, 1, date(2017, 5, 2))]
    rows = review_standings(within(campaign, 10), waiting, date(2017, 6, 25))
    assert [(r["township"], r["state"]) for r in rows[:2]] == [(T2, "overdue"), (T1, "waiting")]
