"""Daily survey reminders, escalation and the survey ranking (pure)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.campaign.spec import COUNTY_TAG, Campaign
from tasks.messages.survey_reminders import consecutive_behind, plan_survey_reminders, survey_standings
from tasks.plan.workdays import WorkCalendar
from tasks.survey.progress import ProgressRules, township_progress, village_progress

RULES = ProgressRules(start=date(2017, 5, 1), deadline=date(2017, 6, 30), behind_margin=0.10, pace_days=7)
T1, T2 = "350524100", "350524101"
V1, V2, V3 = "350524100201", "350524100202", "350524101201"


def _frames(as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """T1 has a finished village V1 and an untouched V2 (behind); T2's V3 is complete."""
    to_visit = pd.DataFrame(
        {
            "village_code": [V1, V1, V2, V2, V2, V3],
            "township_code": [T1, T1, T1, T1, T1, T2],
            "id_number": ["a", "b", "c", "d", "e", "f"],
        }
    )
    visits = pd.DataFrame(
        {
            "id_number": ["a", "b", "f"],
            "visited_on": pd.to_datetime(["2017-05-02", "2017-05-03", "2017-05-04"]),
            "outcome": ["registered", "refused", "registered"],
        }
    )
    villages = village_progress(to_visit, visits, RULES, as_of)
    return township_progress(villages, RULES, as_of), villages


def test_only_behind_townships_are_reminded_naming_their_lagging_villages(campaign: Campaign) -> None:
    as_of = date(2017, 5, 31)  # a Wednesday, a working day
    townships, villages = _frames(as_of)
    planned = plan_survey_reminders(campaign, townships, villages, {T1: 1}, as_of, WorkCalendar())
    assert [(m.kind, m.owner, m.tags) for m in planned] == [("survey_behind", T1, (T1,))]
    message = planned[0]
    assert message.key == f"{campaign.key}:survey_behind:{T1}:2017-05-31"
    assert [v["code"] for v in message.context["lagging"]] == [V2]
    assert message.context["visited"] == 2
    assert message.context["to_visit"] == 5


@pytest.mark.parametrize("day", [date(2017, 5, 28), date(2017, 5, 29), date(2017, 5, 30), date(2017, 6, 3)])
def test_no_survey_reminders_on_days_off(campaign: Campaign, day: date) -> None:
    townships, villages = _frames(day)
    assert plan_survey_reminders(campaign, townships, villages, {T1: 5}, day, WorkCalendar()) == []


def test_saturday_make_up_workday_reminds(campaign: Campaign) -> None:
    day = date(2017, 5, 27)  # Saturday, a make-up workday before the Dragon Boat holiday
    townships, villages = _frames(day)
    assert [m.owner for m in plan_survey_reminders(campaign, townships, villages, {}, day, WorkCalendar())] == [T1]


def test_outside_the_survey_window_nobody_is_reminded(campaign: Campaign) -> None:
    day = date(2017, 7, 3)
    townships, villages = _frames(day)
    assert plan_survey_reminders(campaign, townships, villages, {T1: 9}, day, WorkCalendar()) == []


@pytest.mark.parametrize(("days", "escalated"), [(1, False), (2, False), (3, True), (7, True)])
def test_escalation_after_the_configured_working_days(campaign: Campaign, days: int, escalated: bool) -> None:
    as_of = date(2017, 5, 31)
    townships, villages = _frames(as_of)
    planned = plan_survey_reminders(campaign, townships, villages, {T1: days}, as_of, WorkCalendar())
    county = [m for m in planned if m.owner == COUNTY_TAG]
    assert bool(county) == escalated
    if escalated:
        assert county[0].kind == "survey_escalation"
        assert [t["days_behind"] for t in county[0].context["townships"]] == [days]


def test_consecutive_behind_counts_back_from_the_latest_day() -> None:
    def frame(*behind: str) -> pd.DataFrame:
        return pd.DataFrame({"township_code": [T1, T2], "behind": [T1 in behind, T2 in behind]})

    assert consecutive_behind([frame(T1, T2), frame(T1), frame(T1, T2)]) == {T1: 3, T2: 1}
    assert consecutive_behind([frame(T1), frame()]) == {}


def test_survey_standings_rank_on_completion_and_share_ranks_on_ties(campaign: Campaign) -> None:
    townships = pd.DataFrame(
        {
            "township_code": [T1, T2, "350524102"],
            "to_visit": [10, 20, 10],
            "visited": [5, 10, 9],
            "registered": [1, 2, 3],
            "rate": [0.5, 0.5, 0.9],
            "expected_rate": [0.5, 0.5, 0.5],
            "projected_done": pd.to_datetime(["2017-06-01", None, "2017-05-20"]),
            "behind": [False, True, False],
        }
    )
    standings = survey_standings(campaign, townships)
    assert len(standings) == len(campaign.townships)
    by_code = {s.code: s for s in standings}
    assert by_code["350524102"].rank < by_code[T2].rank
    assert by_code[T1].rank == by_code[T2].rank  # equal rates share a rank
    assert standings.index(by_code[T2]) < standings.index(by_code[T1])  # more visited first within the tie
    assert by_code["350524103"].rate == 1.0  # nobody to visit: complete


# -- behind is judged against 序时进度; a projection that misses the deadline is a warning -------------------

V100 = "350524100203"


def _one_township(as_of: date, batches: list[tuple[int, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """T1 with one village of 100 persons; `batches`: (how many first visits, ISO day) in order."""
    to_visit = pd.DataFrame({"village_code": V100, "township_code": T1, "id_number": [f"p{i}" for i in range(100)]})
    ids: list[str] = []
    days: list[str] = []
    for count, day in batches:
        ids += [f"p{len(ids) + i}" for i in range(count)]
        days += [day] * count
    visits = pd.DataFrame({"id_number": ids, "visited_on": pd.to_datetime(days), "outcome": "refused"})
    villages = village_progress(to_visit, visits, RULES, as_of)
    return township_progress(villages, RULES, as_of), villages


# 2017-05-31: 序时进度 31/61 ≈ 0.508, behind below ≈ 0.408; the pace window is (05-24, 05-31].
MAY31 = date(2017, 5, 31)
VERDICT_CASES = [
    # Returned as villages return lists: two batches May 10-20, nothing since. Far ahead, only warned.
    ("96% in two batches May 10-20", MAY31, [(60, "2017-05-12"), (36, "2017-05-19")], ["survey_warning"]),
    ("complete", MAY31, [(100, "2017-05-12")], []),
    # 40 < 40.8: below 序时进度 - margin, though all recent and projected in time (06-11).
    ("40% recent: below the margin", MAY31, [(40, "2017-05-30")], ["survey_behind", "survey_escalation"]),
    # 41 ≥ 40.8 and 59 left at 41/7 a day → 11 days → 06-11: neither behind nor warned.
    ("41% recent: on pace", MAY31, [(41, "2017-05-30")], []),
    # 41 but none in the window: no projection → warned, not behind, never escalated.
    ("41% without recent visits", MAY31, [(41, "2017-05-10")], ["survey_warning"]),
    # 51 of 100, 1 in the window → 49 left at 1/7 a day → 343 days: warned.
    ("51% at a slow pace", MAY31, [(50, "2017-05-10"), (1, "2017-05-30")], ["survey_warning"]),
    # The deadline day: 序时进度 1.0, 90 is exactly on the margin, 10 left → warned only.
    ("deadline day, 90% on the margin", date(2017, 6, 30), [(90, "2017-06-29")], ["survey_warning"]),
    ("deadline day, 89%", date(2017, 6, 30), [(89, "2017-06-29")], ["survey_behind", "survey_escalation"]),
]


@pytest.mark.parametrize(("as_of", "batches", "kinds"), [pytest.param(*case[1:], id=case[0]) for case in VERDICT_CASES])
def test_behind_against_序时进度_and_projections_only_warn(
    campaign: Campaign, as_of: date, batches: list[tuple[int, str]], kinds: list[str]
) -> None:
    townships, villages = _one_township(as_of, batches)
    # Escalation follows the day's verdict: a long history behind does not escalate a township not behind today.
    planned = plan_survey_reminders(campaign, townships, villages, {T1: 9}, as_of, WorkCalendar())
    assert [m.kind for m in planned] == kinds
    assert all(m.owner == (COUNTY_TAG if m.kind == "survey_escalation" else T1) for m in planned)
    if "survey_warning" in kinds:
        warning = planned[0]
        assert warning.key == f"{campaign.key}:survey_warning:{T1}:{as_of.isoformat()}"
        assert [v["code"] for v in warning.context["at_risk"]] == [V100]


def test_a_township_far_ahead_is_not_a_laggard_of_the_ranking_notice(campaign: Campaign) -> None:
    from tasks.documents.ranking_notice import ranking_context

    ahead, _ = _one_township(MAY31, [(60, "2017-05-12"), (36, "2017-05-19")])
    standings = survey_standings(campaign, ahead)
    context = ranking_context(campaign, [], MAY31, standings)
    # T1 is last but one of the survey ranking (the others have nobody to visit) and warned, never named.
    assert next(s for s in standings if s.code == T1).projected_late
    assert context["survey_bottom"] == []
    assert context["survey_totals"]["behind"] == 0

    behind, _ = _one_township(MAY31, [(40, "2017-05-30")])
    context = ranking_context(campaign, [], MAY31, survey_standings(campaign, behind))
    assert [s["code"] for s in context["survey_bottom"]] == [T1]


# -- refused rows of returned lists --------------------------------------------------------------------------


def _refused() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "township_code": [T1, T1, T2],
            "village_code": [V1, V2, V3],
            "refused": [3, 1, 2],
        }
    )


@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        ((), [(T1, 4), (T2, 2)]),
        ((V1,), [(T1, 4), (V1, 3), (T2, 2)]),
        ((V2, V3), [(T1, 4), (V2, 1), (T2, 2), (V3, 2)]),
    ],
)
def test_refused_rows_are_reminded_to_townships_and_villages_with_a_channel(
    campaign: Campaign, channels: tuple[str, ...], expected: list[tuple[str, int]]
) -> None:
    as_of = MAY31
    ahead, villages = _one_township(as_of, [(100, "2017-05-12")])  # nothing else to say that day
    planned = plan_survey_reminders(campaign, ahead, villages, {}, as_of, WorkCalendar(), _refused(), channels)
    assert [(m.owner, m.context["refused"]) for m in planned] == expected
    assert all(m.kind == "survey_refused" and m.tags == (m.owner,) for m in planned)
    assert planned[0].key == f"{campaign.key}:survey_refused:{T1}:2017-05-31"


def test_no_refused_rows_no_refused_reminder(campaign: Campaign) -> None:
    ahead, villages = _one_township(MAY31, [(100, "2017-05-12")])
    none = _refused().assign(refused=0)
    assert plan_survey_reminders(campaign, ahead, villages, {}, MAY31, WorkCalendar(), none, (V1,)) == []


# -- wording ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("batches", "refused", "phrases"),
    [
        ([(40, "2017-05-30")], None, ["你镇（乡）", "低于序时进度50.8%", "2017年5月31日", "2017年6月30日"]),
        (
            [(96, "2017-05-12")],
            None,
            [
                "你镇（乡）",
                "序时进度50.8%",
                "预计无法在2017年6月30日前全面完成",
                "近7天没有新的走访结果报送，尚有4人未走访",
            ],
        ),
        (
            [(100, "2017-05-12")],
            _refused(),
            ["你镇（乡）交回的入户调查名单中有4条走访结果被退回，请更正后重新报送", "2017年5月31日"],
        ),
    ],
    ids=["behind", "warning", "refused"],
)
def test_messages_speak_the_office_register(
    campaign: Campaign, batches: list[tuple[int, str]], refused: pd.DataFrame | None, phrases: list[str]
) -> None:
    from tasks.messages.outbox import render_planned

    townships, villages = _one_township(MAY31, batches)
    planned = plan_survey_reminders(campaign, townships, villages, {T1: 9}, MAY31, WorkCalendar(), refused, (V1,))
    texts = [render_planned(campaign, m) for m in planned]
    township = next(t for t, m in zip(texts, planned, strict=True) if m.owner == T1)
    body = township.title + township.body
    for phrase in phrases:
        assert phrase in body, body
    for text in texts:
        assert "贵" not in text.title + text.body
        assert "2017-" not in text.body  # dates in sentences as 2017年5月31日
    if refused is not None:
        village = next(t for t, m in zip(texts, planned, strict=True) if m.owner == V1)
        assert "你村（社区）交回的入户调查名单中有3条走访结果被退回，请更正后重新报送" in village.body
