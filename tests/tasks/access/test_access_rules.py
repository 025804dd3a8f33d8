"""The rules of tasks.access without a server: password hashing, scope resolution, what each role sees."""

from __future__ import annotations

import pytest

from models.campaign.spec import Campaign
from tasks.access.passwords import hash_password, needs_rehash, verify_password
from tasks.access.roles import Principal, UserError, resolve_scope
from tasks.access.scope import (
    Forbidden,
    OutOfScope,
    require_act_for_owner,
    sees_village,
    visible_orgs,
    visible_progress,
)

COUNTY = Principal(1, "c", "county", "")
FENGCHENG = Principal(2, "f", "township", "350524100")
HRSS = Principal(3, "h", "department", "hrss")
SUPERVISOR = Principal(4, "s", "supervisor", "")


def test_argon2_hashes_verify_only_the_right_password() -> None:
    stored = hash_password("正确的密码-2017")
    assert stored.startswith("$argon2id$") and "正确的密码" not in stored
    assert stored != hash_password("正确的密码-2017")  # salted
    assert verify_password(stored, "正确的密码-2017")
    assert not verify_password(stored, "正确的密码-2018")
    assert not verify_password(None, "正确的密码-2017")  # no such user
    assert not verify_password("not a hash", "x")
    assert not needs_rehash(stored)


def test_scope_is_resolved_against_the_campaign(campaign: Campaign) -> None:
    assert resolve_scope(campaign, "township", "凤城镇") == "350524100"
    assert resolve_scope(campaign, "township", " 350524100 ") == "350524100"
    assert resolve_scope(campaign, "department", "县人社局") == "hrss"
    assert resolve_scope(campaign, "county", None) == ""
    for role, scope in [("township", "350524100001"), ("township", "hrss"), ("department", "350524100"),
                        ("supervisor", "hrss"), ("department", None)]:  # fmt: skip
        with pytest.raises(UserError):
            resolve_scope(campaign, role, scope)  # type: ignore[arg-type]


def test_who_may_act_for_whom() -> None:
    require_act_for_owner(COUNTY, "350524101")
    require_act_for_owner(FENGCHENG, "350524100")
    require_act_for_owner(HRSS, "hrss")
    with pytest.raises(OutOfScope):
        require_act_for_owner(FENGCHENG, "350524101")
    with pytest.raises(OutOfScope):
        require_act_for_owner(FENGCHENG, "county")
    with pytest.raises(OutOfScope):
        require_act_for_owner(HRSS, "police")
    with pytest.raises(Forbidden):
        require_act_for_owner(SUPERVISOR, "350524100")


def test_what_each_role_reads(campaign: Campaign) -> None:
    units = [
        {"code": "350524", "name": "安溪县", "level": "county", "parent": None},
        {"code": "350524100", "name": "凤城镇", "level": "township", "parent": "350524"},
        {"code": "350524100001", "name": "新安社区", "level": "village", "parent": "350524100"},
        {"code": "350524101", "name": "蓬莱镇", "level": "township", "parent": "350524"},
    ]
    assert visible_orgs(SUPERVISOR, units) == units
    assert [u["code"] for u in visible_orgs(FENGCHENG, units)] == ["350524100", "350524100001"]
    with pytest.raises(Forbidden):
        visible_orgs(HRSS, units)
    progress = {"as_of": "2017-05-22", "townships": [{"code": "350524100"}, {"code": "350524101"}]}
    assert visible_progress(FENGCHENG, progress)["townships"] == [{"code": "350524100"}]
    assert visible_progress(COUNTY, progress) == progress
    assert sees_village(campaign, FENGCHENG, "350524100001")
    assert not sees_village(campaign, FENGCHENG, "350524101001")
    assert not sees_village(campaign, FENGCHENG, "350524100999")  # no such village
