"""The synthetic county's own names come from the campaign: Anxi's are what they always were."""

from __future__ import annotations

import pytest

from models.campaign.spec import Campaign
from tasks.simulation.local_names import LocalNames, short_county_name, short_province_name


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("安溪县", "安溪"),
        ("晋江市", "晋江"),
        ("鲤城区", "鲤城"),
        ("景宁畲族自治县", "景宁"),
        ("双江拉祜族佤族布朗族傣族自治县", "双江"),
        ("鄂伦春自治旗", "鄂伦春"),
        ("和县", "和县"),
    ],
)
def test_short_county_names(name: str, short: str) -> None:
    assert short_county_name(name) == short


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("福建省", "福建"),
        ("北京市", "北京"),
        ("广西壮族自治区", "广西"),
        ("新疆维吾尔自治区", "新疆"),
        ("内蒙古自治区", "内蒙古"),
        ("", ""),
    ],
)
def test_short_province_names(name: str, short: str) -> None:
    assert short_province_name(name) == short


def test_anxi_names_its_institutions_as_before(campaign: Campaign) -> None:
    names = LocalNames.of(campaign)
    assert (names.code, names.address_prefix, names.regional_prefix) == ("350524", "福建省安溪县", "福建")
    assert names.public_employers() == (
        "安溪县医院",
        "安溪县中医院",
        "安溪县人民政府办公室",
        "安溪县教育局",
        "安溪县第一中学",
        "安溪县城区供电所",
        "安溪县农村信用合作联社",
        "中国移动安溪分公司",
    )
    assert names.high_schools() == (
        "安溪第一中学",
        "安溪第八中学",
        "安溪县实验中学",
        "安溪县凤城中学",
        "安溪县华侨职业中专学校",
    )
    assert (names.primary_school("凤城镇"), names.middle_school("湖上乡")) == ("安溪县凤城中心小学", "安溪县湖上中学")


def test_without_a_province_companies_carry_the_county_name(campaign: Campaign) -> None:
    county = campaign.county.model_copy(update={"province": ""})
    names = LocalNames.of(campaign.model_copy(update={"county": county}))
    assert (names.address_prefix, names.regional_prefix) == ("安溪县", "安溪县")
