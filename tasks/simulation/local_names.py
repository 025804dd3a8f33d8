"""The names a synthetic county's files use for its own places and institutions, made from the campaign.

Nothing here knows a particular county: the address code, the county's and province's names and its townships
come from the campaign's `[county]` section and township list; hospitals, schools and offices are named after
the county as such institutions usually are (县名 + 医院, 县名简称 + 第一中学, 中国移动 + 简称 + 分公司).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.campaign.spec import Campaign

__all__ = ["LocalNames", "short_county_name", "short_province_name", "short_township_name"]

# An ethnic group in the name of an autonomous area: 畲族, 壮族, 拉祜族佤族布朗族傣族, 维吾尔.
_PEOPLES = r"(?:[\u4e00-\u9fff]{1,3}族|维吾尔)*"
_COUNTY = re.compile(rf"(.{{2,}}?){_PEOPLES}(?:自治县|自治旗|县|市|区|旗)")
_PROVINCE = re.compile(rf"(.{{2,}}?){_PEOPLES}(?:自治区|特别行政区|省|市)")


def short_county_name(name: str) -> str:
    """安溪县 -> 安溪, 晋江市 -> 晋江, 景宁畲族自治县 -> 景宁; a one-character name keeps its suffix (和县)."""
    match = _COUNTY.fullmatch(name)
    return match.group(1) if match else name


def short_province_name(name: str) -> str:
    """福建省 -> 福建, 广西壮族自治区 -> 广西, 北京市 -> 北京; empty stays empty."""
    match = _PROVINCE.fullmatch(name)
    return match.group(1) if match else name


def short_township_name(name: str) -> str:
    """凤城镇 -> 凤城, 湖上乡 -> 湖上."""
    return name.removesuffix("镇").removesuffix("乡")


@dataclass(frozen=True)
class LocalNames:
    code: str  # the county's 6-digit address code
    county: str  # 安溪县
    short: str  # 安溪
    province: str  # 福建省, or "" when the campaign does not name it
    seat: str  # the short name of the first township, by code usually the county seat: 凤城

    @classmethod
    def of(cls, campaign: Campaign) -> LocalNames:
        county = campaign.county
        return cls(
            code=county.code,
            county=county.name,
            short=short_county_name(county.name),
            province=county.province,
            seat=short_township_name(campaign.townships[0].name),
        )

    @property
    def address_prefix(self) -> str:
        """The start of a resident's address: 福建省安溪县."""
        return self.province + self.county

    @property
    def regional_prefix(self) -> str:
        """What a company registered above the county puts before its name: 福建 (or the county, if no province)."""
        return short_province_name(self.province) or self.county

    def public_employers(self) -> tuple[str, ...]:
        c = self.county
        return (
            f"{c}医院",
            f"{c}中医院",
            f"{c}人民政府办公室",
            f"{c}教育局",
            f"{c}第一中学",
            f"{c}城区供电所",
            f"{c}农村信用合作联社",
            f"中国移动{self.short}分公司",
        )

    def high_schools(self) -> tuple[str, ...]:
        c = self.county
        return (
            f"{self.short}第一中学",
            f"{self.short}第八中学",
            f"{c}实验中学",
            f"{c}{self.seat}中学",
            f"{c}华侨职业中专学校",
        )

    def primary_school(self, township: str) -> str:
        return f"{self.county}{short_township_name(township)}中心小学"

    def middle_school(self, township: str) -> str:
        return f"{self.county}{short_township_name(township)}中学"
