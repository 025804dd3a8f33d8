"""Spot checks, the pure core: drawing samples, reading results back, error rates."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models.campaign.spec import Campaign, Inspection, InspectionResult, parse_campaign
from tasks.inspection.spot_checks import (
    CHECK_FIELDS,
    TownshipRate,
    check_results,
    default_seed,
    draw_sample,
    error_rates,
    latest_visits,
    result_lookup,
)

TOWN = "350524100"
OTHER = "350524101"
AS_OF = date(2017, 6, 10)


def village(n: int, town: str = TOWN) -> str:
    return f"{town}{n:03d}"


def visits(rows: list[tuple[str, str, str, str, date, date]]) -> pd.DataFrame:
    """(key, id_number, village_code, outcome, visited_on, received_on); the township is the village's."""
    return pd.DataFrame(
        {
            "key": [r[0] for r in rows],
            "id_number": [r[1] for r in rows],
            "township_code": [r[2][:9] for r in rows],
            "village_code": [r[2] for r in rows],
            "outcome": [r[3] for r in rows],
            "visited_on": [r[4] for r in rows],
            "received_on": [r[5] for r in rows],
            "visitor": "",
        }
    )


def population(per_village: list[int], town: str = TOWN, outcome: str = "registered") -> pd.DataFrame:
    """One visit per person, `per_village[i]` persons in village i + 1, all visited and received by May 20."""
    rows = []
    for v, count in enumerate(per_village, start=1):
        for p in range(count):
            person = f"{town}-{v}-{p}"
            rows.append((f"key-{person}", person, village(v, town), outcome, date(2017, 5, 15), date(2017, 5, 20)))
    return visits(rows)


def drawn_keys(frame: pd.DataFrame, size: int, seed: int, **kwargs: object) -> list[str]:
    return sorted(draw_sample(frame, TOWN, size, AS_OF, seed, **kwargs)["key"])  # type: ignore[arg-type]


# -- drawing --------------------------------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_sample_whatever_the_row_order() -> None:
    frame = population([30, 25, 40, 5, 12])
    first = drawn_keys(frame, 20, seed=7)
    for shuffle in range(5):
        shuffled = frame.sample(frac=1.0, random_state=shuffle).reset_index(drop=True)
        assert drawn_keys(shuffled, 20, seed=7) == first
    assert len(first) == len(set(first)) == 20


def test_different_seeds_draw_different_samples() -> None:
    frame = population([30, 25, 40, 5, 12])
    samples = {tuple(drawn_keys(frame, 20, seed=seed)) for seed in range(10)}
    assert len(samples) == 10


def test_every_village_is_represented_when_the_size_allows() -> None:
    frame = population([200, 1, 2, 1, 3, 1, 1, 2])  # one large village would win a plain random draw
    for seed in range(40):
        sample = draw_sample(frame, TOWN, 10, AS_OF, seed)
        assert set(sample["village_code"]) == {village(v) for v in range(1, 9)}
        assert len(sample) == 10


def test_with_more_villages_than_the_size_each_draw_is_a_distinct_village() -> None:
    frame = population([3] * 12)
    seen: set[str] = set()
    for seed in range(30):
        sample = draw_sample(frame, TOWN, 5, AS_OF, seed)
        assert sample["village_code"].nunique() == 5
        seen |= set(sample["village_code"])
    assert len(seen) == 12  # over many draws every village gets its chance


def test_a_township_smaller_than_the_size_is_sampled_whole_and_others_are_left_out() -> None:
    frame = pd.concat([population([3, 2]), population([10], town=OTHER)], ignore_index=True)
    sample = draw_sample(frame, TOWN, 20, AS_OF, seed=1)
    assert sorted(sample["key"]) == sorted(frame[frame["township_code"] == TOWN]["key"])
    assert list(sample["village_code"]) == sorted(sample["village_code"])


def test_as_of_excludes_visits_made_or_received_later_and_the_latest_visit_stands() -> None:
    early, late = date(2017, 5, 10), date(2017, 6, 20)
    frame = visits(
        [
            ("a1", "A", village(1), "refused", early, early),
            ("a2", "A", village(1), "registered", date(2017, 6, 1), date(2017, 6, 2)),  # A's latest by June 10
            ("b1", "B", village(1), "moved", early, early),
            ("b2", "B", village(1), "registered", late, late),  # after as_of: B's May visit stands
            ("c1", "C", village(2), "not_found", date(2017, 6, 5), late),  # visited before, received after as_of
            ("d1", "D", village(2), "deceased", late, late),
        ]
    )
    sample = draw_sample(frame, TOWN, 10, AS_OF, seed=3)
    assert sorted(sample["key"]) == ["a2", "b1"]
    assert sorted(draw_sample(frame, TOWN, 10, date(2017, 6, 30), seed=3)["key"]) == ["a2", "b2", "c1", "d1"]


def test_a_visit_on_the_same_day_is_ordered_by_arrival() -> None:
    day = date(2017, 5, 10)
    frame = visits([("z", "A", village(1), "refused", day, day), ("a", "A", village(1), "registered", day, day)])
    assert list(latest_visits(frame.assign(seq=[1, 2]), AS_OF)["key"]) == ["a"]
    assert list(latest_visits(frame.assign(seq=[2, 1]), AS_OF)["key"]) == ["z"]


def test_outcome_weights_make_a_visit_likelier_to_be_drawn() -> None:
    frame = population([100])
    frame.loc[37, "outcome"] = "moved"
    moved = frame.loc[37, "key"]
    hits = sum(moved in drawn_keys(frame, 1, seed) for seed in range(20))
    weighted = sum(moved in drawn_keys(frame, 1, seed, weights={"moved": 10_000.0}) for seed in range(20))
    assert hits <= 3
    assert weighted == 20


def test_a_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        draw_sample(population([3]), TOWN, 0, AS_OF, 1)


def test_the_default_seed_depends_on_campaign_township_and_day_only() -> None:
    seed = default_seed("anxi-2017", TOWN, AS_OF)
    assert seed == default_seed("anxi-2017", TOWN, AS_OF)
    assert 0 <= seed < 2**32
    others = {default_seed("anxi-2017", OTHER, AS_OF), default_seed("anxi-2017", TOWN, date(2017, 6, 11))}
    assert seed not in others and len(others) == 2


# -- reading results back ---------------------------------------------------------------------------------------

RECEIVED = date(2017, 7, 5)


def members() -> pd.DataFrame:
    """Sample 1 (June 10): A in village 1, B in village 2. Sample 2 (June 20): A again (same visit), C."""
    rows = [
        (1, date(2017, 6, 10), "ka", "A", village(1)),
        (1, date(2017, 6, 10), "kb", "B", village(2)),
        (2, date(2017, 6, 20), "ka", "A", village(1)),
        (2, date(2017, 6, 20), "kc", "C", village(2)),
    ]
    return pd.DataFrame(
        {
            "sample_id": [r[0] for r in rows],
            "as_of": [r[1] for r in rows],
            "visit_key": [r[2] for r in rows],
            "id_number": [r[3] for r in rows],
            "township_code": TOWN,
            "village_code": [r[4] for r in rows],
        }
    )


def returned(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows as the importer accepts them: text cells, the date parsed (NaT when blank or unreadable)."""
    frame = pd.DataFrame(
        [
            {
                "id_number": "A",
                "name": "",
                "result": "",
                "note": "",
                "inspector": "",
                "checked_on": None,
                "issues": "",
                "sample": "",
                **row,
                "file": "back.xlsx",
                "sheet": "督查抽查",
                "row": i + 3,
            }
            for i, row in enumerate(rows)
        ]
    )
    frame["checked_on"] = pd.to_datetime(frame["checked_on"])
    return frame


NO_CHECKS = pd.DataFrame(columns=["sample_id", "visit_key", "result", "source_file", "source_row"])


def checked(rows: list[dict[str, object]], recorded: pd.DataFrame = NO_CHECKS) -> tuple[pd.DataFrame, pd.DataFrame]:
    result = check_results(returned(rows), Inspection(), members(), recorded, RECEIVED)
    assert len(result.checks) + len(result.rejected) + result.pending + result.duplicates == len(rows)
    return result.checks, result.rejected


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"result": "差不多"}, "核查结果无法识别：差不多（可填：属实、不属实、未找到）"),
        ({"id_number": "Z", "result": "属实"}, "不在任何督查抽查样本中"),
        ({"id_number": "B", "result": "属实", "sample": "2"}, "不在第 2 批抽查样本中"),
        ({"result": "属实", "sample": "9"}, "抽查编号 9 不存在"),
        ({"result": "属实", "sample": "二"}, "抽查编号 二 不存在"),
        ({"result": "属实", "issues": "日期无法识别：7月某日（核查日期）"}, "日期无法识别：7月某日（核查日期）"),
        ({"result": "属实", "checked_on": "2017-07-06"}, "核查日期2017年7月6日晚于收到日期2017年7月5日"),
        (
            {"result": "属实", "sample": "2", "checked_on": "2017-06-15"},
            "核查日期2017年6月15日早于抽样日期2017年6月20日",
        ),
    ],
)
def test_bad_rows_are_rejected_with_their_reason(row: dict[str, object], reason: str) -> None:
    checks, rejected = checked([row])
    assert checks.empty
    assert list(rejected["reason"]) == [reason]
    assert rejected.iloc[0]["row"] == 3 and rejected.iloc[0]["file"] == "back.xlsx"


def test_results_are_read_by_name_alias_or_code_in_any_width_and_blank_ones_are_pending() -> None:
    result = check_results(
        returned(
            [
                {"id_number": "A", "result": " 属 实 ", "sample": "第1批", "inspector": "王督查", "note": "本人在家"},
                {"id_number": "B", "result": "不一致", "checked_on": "2017-07-01"},
                {"id_number": "C", "result": "ＮＯＴ_ＦＯＵＮＤ"},
                {"id_number": "A", "result": "", "note": "还没去"},
            ]
        ),
        Inspection(),
        members(),
        NO_CHECKS,
        RECEIVED,
    )
    assert result.pending == 1 and result.rejected.empty
    checks = result.checks.set_index("id_number")
    assert list(result.checks.columns) == list(CHECK_FIELDS)
    assert checks.loc["A", "result"] == "correct" and not checks.loc["A", "error"]
    assert checks.loc["A", "sample_id"] == 1 and checks.loc["A", "inspector"] == "王督查"
    assert checks.loc["B", "result"] == "wrong" and checks.loc["B", "error"]
    assert checks.loc["B", "checked_on"] == date(2017, 7, 1)
    assert checks.loc["C", "result"] == "not_found" and checks.loc["C", "checked_on"] == RECEIVED  # blank: received


def test_without_a_sample_number_the_newest_unchecked_sample_takes_the_row() -> None:
    checks, _ = checked([{"result": "属实"}])
    assert list(checks["sample_id"]) == [2]
    checks, rejected = checked([{"result": "属实"}, {"result": "不属实"}])
    assert list(checks["sample_id"]) == [2, 1] and rejected.empty
    recorded = pd.DataFrame(
        {"sample_id": [2], "visit_key": ["ka"], "result": ["correct"], "source_file": ["a.xlsx"], "source_row": [4]}
    )
    checks, _ = checked([{"result": "不属实"}], recorded)
    assert list(checks["sample_id"]) == [1]


def test_a_result_given_again_is_a_duplicate_and_a_different_one_is_refused() -> None:
    recorded = pd.DataFrame(
        {"sample_id": [1], "visit_key": ["kb"], "result": ["wrong"], "source_file": ["a.xlsx"], "source_row": [4]}
    )
    rows: list[dict[str, object]] = [
        {"id_number": "B", "result": "不属实", "note": "another note"},
        {"id_number": "B", "result": "属实"},
        {"id_number": "C", "result": "属实"},
        {"id_number": "C", "result": "属实", "inspector": "李"},
        {"id_number": "C", "result": "未找到"},
    ]
    result = check_results(returned(rows), Inspection(), members(), recorded, RECEIVED)
    assert result.duplicates == 2
    assert list(result.checks["id_number"]) == ["C"]
    assert list(result.rejected["row"]) == [4, 7]
    assert list(result.rejected["reason"]) == [
        "第 1 批抽查已有该人员的核查结果“不属实”（此前导入自 a.xlsx 第 4 行），与本行不同，未覆盖",
        "第 2 批抽查已有该人员的核查结果“属实”（本次导入的 back.xlsx 第 5 行），与本行不同，未覆盖",
    ]


def test_every_reason_of_a_row_is_given() -> None:
    _, rejected = checked([{"id_number": "Z", "result": "也许", "checked_on": "2017-08-01"}])
    assert rejected.iloc[0]["reason"] == (
        "核查结果无法识别：也许（可填：属实、不属实、未找到）；不在任何督查抽查样本中；"
        "核查日期2017年8月1日晚于收到日期2017年7月5日"
    )


def test_which_results_are_errors_is_the_campaign_files_choice() -> None:
    lenient = Inspection(
        results={"ok": InspectionResult(name="属实"), "absent": InspectionResult(name="未找到", error=False)}
    )
    assert result_lookup(lenient) == {"ok": "ok", "属实": "ok", "absent": "absent", "未找到": "absent"}
    result = check_results(returned([{"result": "未找到"}]), lenient, members(), NO_CHECKS, RECEIVED)
    assert list(result.checks["error"]) == [False]


# -- the campaign file ----------------------------------------------------------------------------------------


def test_the_campaign_file_defines_the_inspection(campaign: Campaign) -> None:
    rules = campaign.inspection
    assert rules.sample_size == 20 and rules.min_villages == 1
    assert {code: r.error for code, r in rules.results.items()} == {"correct": False, "wrong": True, "not_found": True}
    assert set(rules.weights) <= set(campaign.survey.outcomes)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("[inspection]\nsample_size = 2\nmin_villages = 3\n", "sample_size（2）小于 min_villages（3）"),
        ("[inspection.weights]\nvanished = 2.0\n", "键 inspection.weights.vanished：走访结果 vanished 未定义"),
        ("[inspection.weights]\nmoved = 0\n", "键 inspection.weights.moved：数值太小"),
        (
            '[inspection.results]\nok = { name = "属实" }\nbad = { name = "不属实", aliases = ["属 实"] }\n',
            "键 inspection.results.bad：“属 实”也是核查结果 ok 的写法",
        ),
    ],
)
def test_mistakes_in_the_inspection_section_are_named(section: str, message: str) -> None:
    from models.campaign.spec import CampaignFileError
    from models.settings import DEFAULT_CAMPAIGN

    text = DEFAULT_CAMPAIGN.read_text(encoding="utf-8")
    text = text[: text.index("[inspection]")] + section
    with pytest.raises(CampaignFileError, match=message):
        parse_campaign(text, "anxi.toml")


# -- error rates ----------------------------------------------------------------------------------------------


def checks_frame(rows: list[tuple[str, bool, date, date]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["township_code", "error", "checked_on", "received_on"])


D1, D2, D3 = date(2017, 6, 20), date(2017, 6, 25), date(2017, 7, 1)


@pytest.mark.parametrize(
    ("rows", "as_of", "expected"),
    [
        ([], D3, {TOWN: (0, 0, None), OTHER: (0, 0, None)}),
        ([(TOWN, False, D1, D1)], D3, {TOWN: (1, 0, 0.0), OTHER: (0, 0, None)}),
        (
            [(TOWN, True, D1, D1), (TOWN, False, D1, D1), (TOWN, False, D1, D2), (TOWN, True, D1, D2)],
            D3,
            {TOWN: (4, 2, 0.5), OTHER: (0, 0, None)},
        ),
        (
            [(TOWN, True, D1, D1), (TOWN, False, D1, D3), (OTHER, True, D2, D2)],
            D2,
            {TOWN: (1, 1, 1.0), OTHER: (1, 1, 1.0)},
        ),
        ([(TOWN, True, D1, D2)], D1, {TOWN: (0, 0, None), OTHER: (0, 0, None)}),  # not yet received on D1
        (
            [(TOWN, True, D1, D1), (TOWN, False, D1, D1), (TOWN, False, D2, D2)],
            D3,
            {TOWN: (3, 1, 1 / 3), OTHER: (0, 0, None)},
        ),
    ],
)
def test_error_rates(rows: list[tuple[str, bool, date, date]], as_of: date, expected: dict[str, tuple]) -> None:
    rates = error_rates(checks_frame(rows), [TOWN, OTHER], as_of)
    assert rates == [TownshipRate(code, *expected[code]) for code in (TOWN, OTHER)]


def test_error_rates_list_every_township_in_the_order_given_and_ignore_others() -> None:
    rates = error_rates(checks_frame([("350524999", True, D1, D1)]), [OTHER, TOWN], D3)
    assert [r.code for r in rates] == [OTHER, TOWN]
    assert all(r.error_rate is None for r in rates)
