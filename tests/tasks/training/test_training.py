"""Township training: the campaign file's [training], reading session and sign-in files, where each township
stands on a date, the milestone completion it makes, and the reminders it plans."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from models.campaign.spec import Campaign, CampaignFileError, parse_campaign
from models.campaign.values import CompletionFact
from models.settings import DEFAULT_CAMPAIGN
from tasks.identity.masking import find_unmasked
from tasks.intake.ingest import IngestError
from tasks.messages.outbox import render_planned
from tasks.messages.training_reminders import plan_training_reminders
from tasks.training.sheets import read_attendance, read_sessions, write_training_rejects
from tasks.training.standings import Booking, Presence, TrainingStanding, training_completions, training_standings
from tests.ingest_files import Cell, write_csv, write_xls, write_xlsx

FENGCHENG, PENGLAI, HUTOU, GUANQIAO = "350524100", "350524101", "350524102", "350524103"
SESSION_HEADER: list[Cell] = ["乡镇", "培训日期", "地点", "授课人", "容量"]
SIGN_IN_HEADER: list[Cell] = ["序号", "乡镇", "培训日期", "姓名", "单位", "职务", "联系电话", "是否参训"]


def anxi_text() -> str:
    return DEFAULT_CAMPAIGN.read_text(encoding="utf-8")


def with_training(campaign: Campaign, **changes: object) -> Campaign:
    assert campaign.training is not None
    return campaign.model_copy(update={"training": campaign.training.model_copy(update=changes)})


# -- the campaign file -----------------------------------------------------------------------------------------


def test_the_anxi_file_has_a_training_section_with_its_defaults(campaign: Campaign) -> None:
    training = campaign.training
    assert training is not None and training.milestone == "township_training"
    assert training.required_for(FENGCHENG) == training.required_staff == 10
    assert (training.book_by_days, training.attendance_within_days) == (14, 2)
    assert campaign.notices.templates["training_reminder"] == "training_reminder.txt.j2"
    milestone = campaign.milestone("township_training")
    assert milestone is not None and campaign.owners_of(milestone) == campaign.township_codes


SESSION = (
    '[[training.sessions]]\ntownship = "{township}"\ndate = {date}\nplace = "镇政府会议室"\ncapacity = {capacity}\n'
)


def with_session(township: str = FENGCHENG, day: str = "2017-04-12", capacity: int = 40, extra: str = "") -> str:
    block = SESSION.format(township=township, date=day, capacity=capacity) + extra
    return anxi_text().replace("# ---- data sources", block + "\n# ---- data sources", 1)


def test_sessions_and_overrides_in_the_campaign_file_are_loaded() -> None:
    text = with_session().replace("# 350524100 = 20", "350524101 = 25", 1)
    campaign = parse_campaign(text, "campaign.toml")
    assert campaign.training is not None
    assert campaign.training.required_for(PENGLAI) == 25 and campaign.training.required_for(HUTOU) == 10
    [session] = campaign.training.sessions
    assert (session.township, session.date, session.capacity, session.trainer) == (FENGCHENG, date(2017, 4, 12), 40, "")
    milestone = campaign.milestone("township_training")
    assert milestone is not None and milestone.completed_by == "training"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        (with_session(township="350524999"), "training.sessions.0.township", "乡镇 350524999 未定义"),
        (with_session(day="2017-03-20"), "training.sessions.0.date", "不在2017年4月1日至2017年8月31日之间"),
        (with_session(day="2017-09-01"), "training.sessions.0.date", "不在2017年4月1日至2017年8月31日之间"),
        (with_session(capacity=0), "training.sessions.0.capacity", "容量至少为 1 人"),
        (with_session(extra='plase = "x"\n'), "training.sessions.0.plase", "不认识的键"),
        (
            anxi_text().replace("# 350524100 = 20", "350524999 = 20", 1),
            "training.required_by_township.350524999",
            "乡镇 350524999 未定义",
        ),
        (
            anxi_text().replace('milestone = "township_training"', 'milestone = "county_training"', 1),
            "training.milestone",
            "责任单位应为乡镇",
        ),
        (
            anxi_text().replace('milestone = "township_training"', 'milestone = "no_such"', 1),
            "training.milestone",
            "节点 no_such 未定义",
        ),
        (
            anxi_text().replace(
                'text = "举办县乡（镇）二级', 'completed_by = "training"\ntext = "举办县乡（镇）二级', 1
            ),
            "milestones.10.completed_by",
            "须在 [training] 的 milestone 中指定",
        ),
    ],
)
def test_training_mistakes_name_the_key_and_line(text: str, key: str, reason: str) -> None:
    with pytest.raises(CampaignFileError) as caught:
        parse_campaign(text, "campaign.toml")
    message = str(caught.value)
    assert f"键 {key}：" in message and reason in message
    line = next(m for m in message.splitlines() if key in m)
    assert "第 " in line and " 行" in line


def test_the_session_error_points_at_its_line() -> None:
    text = with_session(capacity=0)
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if t == "capacity = 0")
    with pytest.raises(CampaignFileError, match=f"第 {line} 行，键 training.sessions.0.capacity"):
        parse_campaign(text, "campaign.toml")


# -- reading session files -------------------------------------------------------------------------------------


def test_a_session_workbook_with_every_kind_of_bad_row(campaign: Campaign, tmp_path: Path) -> None:
    rows: list[list[Cell]] = [
        ["安溪县乡镇级业务培训场次安排表"],  # title rows above the header
        ["填报单位：县人社局", None, None, None, "2017年4月5日"],
        [],
        SESSION_HEADER,
        ["凤城镇", date(2017, 4, 12), "镇政府三楼会议室", "县人社局业务股", 40],  # 5: a date cell
        ["蓬莱", "2017/4/15", "镇文化站", "", "30人"],  # 6: name without 镇, no trainer
        [],  # a blank row
        ["湖头镇", "2017年4月18日", "镇政府", "王老师", "abc"],  # 8: capacity not a number
        ["不存在镇", "2017-04-18", "某地", "某人", 10],  # 9
        [None, "2017-04-18", "某地", "某人", 10],  # 10: no township
        ["官桥镇", "2017-03-20", "镇政府", "王老师", 20],  # 11: before the training phase
        ["官桥镇", "2017-09-01", "镇政府", "王老师", 20],  # 12: after the campaign
        ["官桥镇", "2017-04-31", "镇政府", "王老师", 20],  # 13: no such day
        ["官桥镇", "2017-04-20", "", "王老师", 0],  # 14: no place, capacity 0
        ["凤城镇", "2017-04-12", "镇政府三楼会议室", "县人社局业务股", 40],  # 15: exact repeat of 5
        ["凤城镇", "2017-04-12", "镇文化站", "县人社局业务股", 40],  # 16: same township and day, other place
        SESSION_HEADER,  # 17: the header repeated
        ["350524104", datetime(2017, 4, 21, 9, 30), "剑斗镇政府", "李老师", "25"],  # 18: by code; a time of day
        [],
        ["制表人：张三", None, None, None, "审核：李四"],  # the footer
        ["2017年4月5日"],
    ]
    path = write_xlsx(tmp_path / "场次.xlsx", {"场次": rows})
    result = read_sessions(campaign, [path])
    assert result.rows_read == 12
    assert result.rows_read == len(result.accepted) + len(result.rejected) + result.duplicates
    assert [(s.township_code, s.held_on, s.place, s.trainer, s.capacity, s.row) for s in result.accepted] == [
        (FENGCHENG, date(2017, 4, 12), "镇政府三楼会议室", "县人社局业务股", 40, 5),
        (PENGLAI, date(2017, 4, 15), "镇文化站", "", 30, 6),
        ("350524104", date(2017, 4, 21), "剑斗镇政府", "李老师", 25, 18),
    ]
    assert result.duplicates == 1
    reasons = {r.row: r.reason for r in result.rejected}
    assert set(reasons) == {8, 9, 10, 11, 12, 13, 14, 16}
    assert reasons[8] == "容量应为不小于 1 的整数：abc"
    assert reasons[9] == "乡镇不存在：不存在镇"
    assert reasons[10] == "缺少必填项：乡镇"
    assert "不在培训期间（2017年4月1日至2017年8月31日）" in reasons[11] and "2017年3月20日" in reasons[11]
    assert "2017年9月1日不在培训期间" in reasons[12]
    assert reasons[13] == "培训日期无法识别：2017-04-31"
    assert reasons[14] == "缺少必填项：地点；容量应为不小于 1 的整数：0"
    assert reasons[16] == "同一乡镇同一天的场次已在场次.xlsx工作表“场次”第 5 行登记，内容不同"
    assert {r.sheet for r in result.rejected} == {"场次"} and all(r.file.endswith("场次.xlsx") for r in result.rejected)
    assert result.rejected[0].cells["capacity"] == "abc"


def test_sessions_from_csv_in_gb18030_and_old_xls(campaign: Campaign, tmp_path: Path) -> None:
    rows: list[list[Cell]] = [SESSION_HEADER, ["凤城镇人民政府", "20170412", "会议室", "张老师", "40"]]
    csv_file = write_csv(tmp_path / "a.csv", rows, encoding="gb18030")
    xls_file = write_xls(
        tmp_path / "b.xls", {"Sheet1": [SESSION_HEADER, ["湖头镇", date(2017, 4, 13), "礼堂", "", 80]]}
    )
    result = read_sessions(campaign, [csv_file, xls_file])
    assert [(s.township_code, s.held_on, s.capacity, s.row) for s in result.accepted] == [
        (FENGCHENG, date(2017, 4, 12), 40, 2),
        (HUTOU, date(2017, 4, 13), 80, 2),
    ]
    assert result.files == [str(csv_file), str(xls_file)]


def test_a_file_without_the_required_columns_is_refused_naming_them(campaign: Campaign, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", {"Sheet1": [["乡镇", "日期", "地点"], ["凤城镇", "2017-04-12", "会议室"]]})
    with pytest.raises(IngestError, match="缺少必填列 容量"):
        read_sessions(campaign, [path])
    with pytest.raises(IngestError, match="找不到文件"):
        read_sessions(campaign, [tmp_path / "missing.xlsx"])


# -- reading sign-in sheets ------------------------------------------------------------------------------------

ON = date(2017, 4, 20)


def sign_in(*rows: list[Cell], title: bool = True) -> list[list[Cell]]:
    head: list[list[Cell]] = [["凤城镇全民参保登记业务培训签到表"], ["培训日期：2017年4月12日"]] if title else []
    return [*head, SIGN_IN_HEADER, *rows]


def person(n: int, name: str, township: Cell = "凤城镇", day: Cell = "2017-04-12", signed: Cell = "√") -> list[Cell]:
    return [n, township, day, name, "凤城镇社保所", "干事", f"1381234{n:04d}", signed]


def test_a_sign_in_sheet_with_every_kind_of_bad_row(campaign: Campaign, tmp_path: Path) -> None:
    rows = sign_in(
        person(1, "张三"),  # 4
        person(2, "李 四"),  # 5: the space inside a Chinese name goes
        person(3, "王五", signed="否"),  # 6: listed, did not attend
        person(4, "赵六", signed=None),  # 7: an empty sign-in cell is absent
        person(5, "", signed="√"),  # 8: empty name
        [None, None, None, None, None, None, None, None],  # a blank row (only the 序号 column is empty too)
        [6, None, None, None, None, None, None, None],  # 10: only a serial number: still blank
        person(7, "孙七", township=None),  # 11: no township
        person(8, "周八", township="凤凰镇"),  # 12: unknown township
        person(9, "吴九", day="4月12日"),  # 13: a date without its year
        person(10, "郑十", day="2017-03-30"),  # 14: before April
        person(11, "钱一", day="2017-04-25"),  # 15: after the import date
        person(12, "冯二", signed="?"),  # 16: cannot tell
        person(1, "张三"),  # 17: exact repeat of 4
        person(13, "张三", signed="否"),  # 18: same person and session, other phone and answer
        person(14, "陈三", day="2017-04-13"),  # 19: no session booked that day: accepted, to be checked
        person(15, "褚四", township="350524100"),  # 20: by code
        [None, "合计：15人"],  # the footer
        ["制表人：林某"],
        [None, None, "2017年4月20日"],
    )
    path = write_xlsx(tmp_path / "凤城镇签到表.xlsx", {"签到": rows})
    result = read_attendance(campaign, [path], imported_on=ON, booked=[(FENGCHENG, date(2017, 4, 12))])
    assert result.rows_read == 15
    assert result.rows_read == len(result.accepted) + len(result.rejected) + result.duplicates
    accepted = [(a.row, a.name, a.attended, a.township_code, a.held_on, a.issue) for a in result.accepted]
    assert accepted == [
        (4, "张三", True, FENGCHENG, date(2017, 4, 12), ""),
        (5, "李四", True, FENGCHENG, date(2017, 4, 12), ""),
        (6, "王五", False, FENGCHENG, date(2017, 4, 12), ""),
        (7, "赵六", False, FENGCHENG, date(2017, 4, 12), ""),
        (19, "陈三", True, FENGCHENG, date(2017, 4, 13), "该乡镇当天没有登记培训场次，请核实培训日期"),
        (20, "褚四", True, FENGCHENG, date(2017, 4, 12), ""),
    ]
    assert result.accepted[0].phone == "13812340001" and result.accepted[0].unit == "凤城镇社保所"
    assert result.accepted[0].role == "干事"
    assert result.duplicates == 1
    reasons = {r.row: r.reason for r in result.rejected}
    assert reasons == {
        8: "缺少必填项：姓名",
        11: "缺少必填项：乡镇",
        12: "乡镇不存在：凤凰镇",
        13: "培训日期无法识别：4月12日",
        14: "培训日期2017年3月30日不在培训期间（2017年4月1日至2017年8月31日）",
        15: "培训日期2017年4月25日晚于导入日期2017年4月20日，培训尚未举办",
        16: "是否参训无法识别：?",
        18: "同一人同一场次已在凤城镇签到表.xlsx工作表“签到”第 4 行登记，内容不同",
    }


def test_a_sheet_without_an_attendance_column_lists_those_present(campaign: Campaign, tmp_path: Path) -> None:
    rows: list[list[Cell]] = [["姓名", "乡镇", "日期"], ["张三", "凤城", "2017-04-12"], ["李四", "凤城", "2017-04-12"]]
    result = read_attendance(campaign, [write_csv(tmp_path / "s.csv", rows, bom=True)], imported_on=ON)
    assert [(a.name, a.attended, a.unit) for a in result.accepted] == [("张三", True, ""), ("李四", True, "")]


# -- the rejects workbook --------------------------------------------------------------------------------------


def test_the_rejects_workbook_keeps_phones_as_text_and_points_at_each_row(campaign: Campaign, tmp_path: Path) -> None:
    rows = sign_in(person(1, "张三"), person(2, "", signed="√"), person(3, "王五", day="2017-04-13"))
    booked = [(FENGCHENG, date(2017, 4, 12))]
    result = read_attendance(campaign, [write_xlsx(tmp_path / "s.xlsx", {"签到": rows})], imported_on=ON, booked=booked)
    path = write_training_rejects(result, tmp_path / "out" / "退回.xlsx", "培训签到")
    with CalamineWorkbook.from_path(path) as book:
        returned = book.get_sheet_by_name("退回明细").to_python()
        checks = book.get_sheet_by_name("需核实").to_python()
    assert returned[1][:5] == ["文件", "工作表", "行号", "原因", "乡镇"]
    assert returned[2][1:4] == ["签到", 5.0, "缺少必填项：姓名"]
    phone_column = returned[1].index("联系电话")
    assert returned[2][phone_column] == "13812340002"  # text, as written, not a number
    assert [row[2:4] for row in checks[2:]] == [[6.0, "该乡镇当天没有登记培训场次，请核实培训日期"]]


# -- standings -----------------------------------------------------------------------------------------------


def book(township: str, day: date, capacity: int = 30, booked_on: date = date(2017, 4, 1)) -> Booking:
    return Booking(township, day, "会议室", "讲师", capacity, booked_on, "场次.xlsx")


def attend(
    township: str, day: date, count: int, *, start: int = 0, imported_on: date | None = None, attended: bool = True
) -> list[Presence]:
    imported = imported_on or day
    return [Presence(township, day, f"员工{i}", "社保所", attended, imported) for i in range(start, start + count)]


def standing_of(standings: list[TrainingStanding], code: str) -> TrainingStanding:
    return next(s for s in standings if s.code == code)


BOOKINGS = [
    book(FENGCHENG, date(2017, 4, 10)),
    book(FENGCHENG, date(2017, 4, 20)),
    book(PENGLAI, date(2017, 4, 12), capacity=20),
    book(HUTOU, date(2017, 4, 25), capacity=5, booked_on=date(2017, 4, 15)),
]
ATTENDANCE = [
    *attend(FENGCHENG, date(2017, 4, 10), 6, imported_on=date(2017, 4, 11)),
    *attend(FENGCHENG, date(2017, 4, 10), 2, start=6, attended=False, imported_on=date(2017, 4, 11)),
    # the second session: two who came before, and four new ones (the 10th distinct person is 员工9)
    *attend(FENGCHENG, date(2017, 4, 20), 8, start=2, imported_on=date(2017, 4, 21)),
]


@pytest.mark.parametrize(
    ("as_of", "code", "expected"),
    [
        # (sessions, held, attended, trained, reason)
        (date(2017, 4, 9), FENGCHENG, (2, 0, 0, False, None)),
        (date(2017, 4, 11), FENGCHENG, (2, 1, 6, False, None)),  # the next session can seat the other four
        (date(2017, 4, 20), FENGCHENG, (2, 2, 6, False, None)),  # held today: its sheet is not due yet
        (date(2017, 4, 21), FENGCHENG, (2, 2, 10, True, None)),
        (date(2017, 4, 13), PENGLAI, (1, 1, 0, False, None)),
        (date(2017, 4, 14), PENGLAI, (1, 1, 0, False, "attendance_missing")),
        (date(2017, 4, 14), HUTOU, (0, 0, 0, False, None)),  # booked on the 15th
        (date(2017, 4, 15), HUTOU, (1, 0, 0, False, None)),  # too few seats, but due date - 14 days is the 16th
        (date(2017, 4, 16), HUTOU, (1, 0, 0, False, "below_required")),  # 5 seats for 10 staff
        (date(2017, 4, 15), GUANQIAO, (0, 0, 0, False, None)),
        (date(2017, 4, 16), GUANQIAO, (0, 0, 0, False, "no_session")),
        (date(2017, 5, 20), GUANQIAO, (0, 0, 0, False, "no_session")),
    ],
)
def test_standings_on_frozen_dates(
    campaign: Campaign, as_of: date, code: str, expected: tuple[int, int, int, bool, str | None]
) -> None:
    s = standing_of(training_standings(campaign, BOOKINGS, ATTENDANCE, as_of), code)
    assert (s.sessions, s.held, s.attended, s.trained, s.reason) == expected
    assert s.required == 10 and (s.reason is None) == (s.reason_text is None)


def test_the_reasons_in_chinese(campaign: Campaign) -> None:
    standings = training_standings(campaign, BOOKINGS, ATTENDANCE, date(2017, 4, 16))
    assert standing_of(standings, PENGLAI).reason_text == "2017年4月12日的培训签到表尚未报送"
    assert standing_of(standings, GUANQIAO).reason_text == "截至2017年4月16日尚未安排培训场次"
    below = standing_of(standings, HUTOU).reason_text
    assert below == "已参训0人，应参训10人，尚差10人，已安排的后续场次只能容纳5人"
    short = [*attend(PENGLAI, date(2017, 4, 12), 3, imported_on=date(2017, 4, 13))]
    penglai = standing_of(training_standings(campaign, BOOKINGS, short, date(2017, 4, 16)), PENGLAI)
    assert penglai.reason_text == "已参训3人，应参训10人，尚差7人，且没有安排后续场次"
    assert penglai.shortfall == 7


def test_attendance_counts_from_the_day_it_is_imported(campaign: Campaign) -> None:
    late = attend(PENGLAI, date(2017, 4, 12), 10, imported_on=date(2017, 4, 19))
    before = standing_of(training_standings(campaign, BOOKINGS, late, date(2017, 4, 18)), PENGLAI)
    after = standing_of(training_standings(campaign, BOOKINGS, late, date(2017, 4, 19)), PENGLAI)
    assert (before.attended, before.trained, before.reason) == (0, False, "attendance_missing")
    assert (after.attended, after.trained, after.reached_on, after.reason) == (10, True, date(2017, 4, 12), None)


def test_an_override_and_a_recorded_completion(campaign: Campaign) -> None:
    own = with_training(campaign, required_by_township={PENGLAI: 3})
    short = attend(PENGLAI, date(2017, 4, 12), 3, imported_on=date(2017, 4, 13))
    standings = training_standings(own, BOOKINGS, short, date(2017, 4, 20))
    assert standing_of(standings, PENGLAI).trained and standing_of(standings, FENGCHENG).required == 10
    reported = [CompletionFact("township_training", GUANQIAO, date(2017, 4, 18))]
    guanqiao = standing_of(training_standings(campaign, BOOKINGS, [], date(2017, 4, 20), reported), GUANQIAO)
    assert (guanqiao.done_on, guanqiao.trained, guanqiao.reason) == (date(2017, 4, 18), False, None)


# -- the milestone completion --------------------------------------------------------------------------------


def test_the_milestone_is_done_on_the_day_the_required_number_was_reached(campaign: Campaign) -> None:
    standings = training_standings(campaign, BOOKINGS, ATTENDANCE, date(2017, 4, 30))
    assert standing_of(standings, FENGCHENG).reached_on == date(2017, 4, 20)
    assert training_completions(campaign, standings) == [
        CompletionFact("township_training", FENGCHENG, date(2017, 4, 20))
    ]
    # the same persons again at another session do not count twice; absentees never count
    repeat = [
        *attend(HUTOU, date(2017, 4, 25), 9),
        *attend(HUTOU, date(2017, 4, 26), 9),
        *attend(HUTOU, date(2017, 4, 26), 5, start=20, attended=False),
    ]
    assert standing_of(training_standings(campaign, BOOKINGS, repeat, date(2017, 4, 30)), HUTOU).attended == 9
    repeat += attend(HUTOU, date(2017, 5, 3), 1, start=9)
    after = training_standings(campaign, BOOKINGS, [*ATTENDANCE, *repeat], date(2017, 5, 5))
    assert training_completions(campaign, after) == [
        CompletionFact("township_training", FENGCHENG, date(2017, 4, 20)),
        CompletionFact("township_training", HUTOU, date(2017, 5, 3)),
    ]


# -- reminders -----------------------------------------------------------------------------------------------


def plan(campaign: Campaign, as_of: date, attendance: list[Presence] | None = None) -> dict[str, str]:
    standings = training_standings(campaign, BOOKINGS, ATTENDANCE if attendance is None else attendance, as_of)
    return {m.owner: m.key for m in plan_training_reminders(campaign, standings, as_of)}


def test_reminders_go_to_the_townships_with_a_reason_keyed_by_reason_and_week(campaign: Campaign) -> None:
    assert plan(campaign, date(2017, 4, 13)) == {}
    keys = plan(campaign, date(2017, 4, 16))  # a Sunday: ISO week 15
    assert keys[PENGLAI] == f"anxi-2017:training:{PENGLAI}:attendance_missing:2017-W15"
    assert keys[HUTOU] == f"anxi-2017:training:{HUTOU}:below_required:2017-W15"
    assert keys[GUANQIAO] == f"anxi-2017:training:{GUANQIAO}:no_session:2017-W15"
    assert FENGCHENG not in keys and len(keys) == 23
    assert plan(campaign, date(2017, 4, 16)) == keys  # a rerun plans the same keys: the outbox sends none twice
    monday = plan(campaign, date(2017, 4, 17))
    assert monday[GUANQIAO] == f"anxi-2017:training:{GUANQIAO}:no_session:2017-W16"
    assert plan(campaign, date(2017, 4, 21)).get(FENGCHENG) is None  # trained


def test_training_reminders_stop_with_the_milestones_overdue_reminders(campaign: Campaign) -> None:
    assert GUANQIAO in plan(campaign, date(2017, 5, 28))  # due 4-30, last overdue step 28 days after
    assert plan(campaign, date(2017, 5, 29)) == {}


def test_every_reason_renders_a_chinese_message_without_personal_data(campaign: Campaign) -> None:
    standings = training_standings(campaign, BOOKINGS, ATTENDANCE, date(2017, 4, 16))
    planned = {m.owner: m for m in plan_training_reminders(campaign, standings, date(2017, 4, 16))}
    rendered = {code: render_planned(campaign, planned[code]) for code in (PENGLAI, HUTOU, GUANQIAO)}
    assert rendered[PENGLAI].title == "【培训提醒】举办乡镇级业务培训：2017年4月12日的培训签到表尚未报送"
    assert "蓬莱镇：" in rendered[PENGLAI].body and "2017年4月12日举办培训" in rendered[PENGLAI].body
    assert "尚未安排培训场次" in rendered[GUANQIAO].body and "2017年4月30日前完成" in rendered[GUANQIAO].body
    assert "尚差10人" in rendered[HUTOU].body and "只能容纳5人" in rendered[HUTOU].body
    for message in rendered.values():
        assert find_unmasked(message.title + message.body) == []
        assert message.body.endswith("2017年4月16日")
    assert all(m.kind == "training_reminder" and m.tags == (m.owner,) for m in planned.values())
    assert all(m.milestone == "township_training" for m in planned.values())
