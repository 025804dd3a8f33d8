"""The campaign file: the Anxi 2017 plan as data, and clear errors for a broken file."""

from __future__ import annotations

from datetime import date

import pytest

from models.campaign.spec import Campaign, CampaignFileError, parse_campaign
from models.settings import DEFAULT_CAMPAIGN

TOWNSHIPS_2017 = {
    "350524100": "凤城镇", "350524101": "蓬莱镇", "350524102": "湖头镇", "350524103": "官桥镇",
    "350524104": "剑斗镇", "350524105": "城厢镇", "350524106": "金谷镇", "350524107": "龙门镇",
    "350524108": "虎邱镇", "350524109": "芦田镇", "350524110": "感德镇", "350524111": "魁斗镇",
    "350524112": "西坪镇", "350524200": "参内乡", "350524201": "白濑乡", "350524202": "湖上乡",
    "350524203": "尚卿乡", "350524204": "大坪乡", "350524205": "龙涓乡", "350524206": "长坑乡",
    "350524207": "蓝田乡", "350524208": "祥华乡", "350524209": "桃舟乡", "350524210": "福田乡",
}  # fmt: skip


def anxi_text() -> str:
    return DEFAULT_CAMPAIGN.read_text(encoding="utf-8")


def test_the_2017_townships_with_their_2017_names(campaign: Campaign) -> None:
    assert {t.code: t.name for t in campaign.townships} == TOWNSHIPS_2017


def test_villages_are_plausible_and_belong_to_their_township(campaign: Campaign) -> None:
    counts = [len(t.villages) for t in campaign.townships]
    assert all(10 <= n <= 40 for n in counts)
    assert 440 <= sum(counts) <= 480
    for township in campaign.townships:
        assert all(v.code.startswith(township.code) and len(v.code) == 12 for v in township.villages)
        assert all(v.name.endswith(("村", "社区")) for v in township.villages)


def test_phases_follow_the_seed_timeline(campaign: Campaign) -> None:
    spans = {k: (p.start, p.end) for k, p in campaign.phases.items()}
    assert spans == {
        "launch": (date(2017, 2, 1), date(2017, 3, 31)),
        "training": (date(2017, 4, 1), date(2017, 4, 30)),
        "survey": (date(2017, 5, 1), date(2017, 6, 30)),
        "analysis": (date(2017, 7, 1), date(2017, 8, 31)),
    }


@pytest.mark.parametrize(
    ("day", "phase"),
    [
        (date(2017, 1, 31), None),
        (date(2017, 2, 1), "launch"),
        (date(2017, 3, 31), "launch"),
        (date(2017, 4, 1), "training"),
        (date(2017, 4, 30), "training"),
        (date(2017, 5, 1), "survey"),
        (date(2017, 6, 30), "survey"),
        (date(2017, 7, 1), "analysis"),
        (date(2017, 8, 31), "analysis"),
        (date(2017, 9, 1), None),
    ],
)
def test_phase_on_sample_dates(campaign: Campaign, day: date, phase: str | None) -> None:
    found = campaign.phase_on(day)
    assert (found.key if found else None) == phase


def test_every_township_and_department_owns_milestones_with_the_seed_wording(campaign: Campaign) -> None:
    owners = {owner for _m, owner in campaign.assignments()}
    assert set(TOWNSHIPS_2017) <= owners
    assert {d.key for d in campaign.departments} <= owners
    assert "county" in owners
    survey = campaign.milestone("household_survey")
    assert survey is not None and survey.due == date(2017, 6, 30)
    assert "6月30日前全面完成" in survey.text
    assert all(m.text for m in campaign.milestones)


@pytest.mark.parametrize(
    ("text", "tag"),
    [("350524100", "350524100"), ("凤城镇", "350524100"), ("police", "police"), ("县公安局", "police"),
     ("county", "county"), ("350524", "county"), ("安溪县", "county"), ("不存在乡", None)],
)  # fmt: skip
def test_owners_resolve_by_code_or_name(campaign: Campaign, text: str, tag: str | None) -> None:
    assert campaign.resolve_owner(text) == tag


def line_of(text: str, needle: str) -> int:
    """The last line holding `needle` (for a duplicate, the repeated one is the error)."""
    return max(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ("weekday = 5", "weekdy = 5", "ranking.weekdy", "不认识的键"),
        ("due = 2017-04-20", 'due = "2017-04-31"', "milestones.8.due", "日期"),
        ('{ code = "350524102205"', '{ code = "35052410220"', "townships.2.villages.5.code", "格式不对"),
        ('owners = ["departments"]', 'owners = ["nobody"]', "milestones.8.owners", "责任单位 nobody 未定义"),
        ('{ code = "350524102205"', '{ code = "350524102204"', "townships.2.villages.5.code", "代码重复"),
        ('phase = "survey"            #', 'phase = "surve"            #', "survey.phase", "阶段 surve 未定义"),
        (
            'covers = ["pension", "medical"], notify = ["hrss"] }',
            'covers = ["pension", "dental"], notify = ["hrss"] }',
            "survey.outcomes.insured_elsewhere.covers",
            "未知险种",
        ),
        (
            'deceased = true, notify = ["police", "hrss", "health"]',
            'deceased = true, notify = ["police", "hrss", "polic"]',
            "survey.outcomes.deceased.notify",
            "部门 polic 未定义",
        ),
        ("behind_margin = 0.10", "behind_margin = 1.5", "survey.behind_margin", ""),
    ],
)
def test_errors_name_the_key_and_line(old: str, new: str, key: str, reason: str) -> None:
    original = anxi_text()
    assert old in original
    broken = original.replace(old, new, 1)
    with pytest.raises(CampaignFileError) as caught:
        parse_campaign(broken, "campaign.toml")
    message = str(caught.value)
    assert "campaign.toml" in message and key in message and reason in message
    assert f"第 {line_of(broken, new)} 行" in message


def test_overlapping_phases_are_refused_with_their_line() -> None:
    broken = anxi_text().replace("start = 2017-07-01", "start = 2017-06-01", 1)
    with pytest.raises(CampaignFileError, match=r"第 \d+ 行，键 phases.analysis.start：与阶段 survey 的日期重叠"):
        parse_campaign(broken, "campaign.toml")


def test_toml_syntax_errors_are_reported_with_their_position() -> None:
    with pytest.raises(CampaignFileError, match=r"不是有效的 TOML：第 3 行第 8 列有语法错误"):
        parse_campaign('key = "x"\nname = "y"\nyear = = 2017\n', "broken.toml")
