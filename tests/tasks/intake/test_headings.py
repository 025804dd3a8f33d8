"""Department files as they come: column headings as real exports write them (including variants no synonym
list holds), and optional columns missing (imported, with a warning naming the file and the column)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.campaign.spec import Campaign, Source
from tasks.intake.headings import HeadingMatcher, heading_key
from tasks.intake.ingest import IngestError, read_source
from tests.ingest_files import Cell, make_id, write_csv, write_xlsx

AS_OF = date(2017, 5, 1)
ZHANG = make_id(date(1980, 1, 2), 11)
LI = make_id(date(1990, 5, 6), 22)
HOUSEHOLDER = make_id(date(1950, 7, 8), 33)


def employment(campaign: Campaign) -> Source:
    return campaign.sources["employment"]


# -- the rule, heading by heading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "field", "level"),
    [
        # listed synonyms, written as exports write them
        ("身份证号", "id_number", 0),
        ("身份证\u3000号码", "id_number", 0),  # an ideographic space
        ("ＩＤ_NUMBER", "id_number", 0),  # full width, upper case: the field's own key
        (" *证件号码 ", "id_number", 0),  # a required-marker
        ("姓名：", "name", 0),  # a trailing colon (full width)
        ("1、姓名", "name", 0),  # a column number
        ("用工单位", "employer", 0),
        ("合同起始时间", "contract_start", 0),
        # notes: bracketed anywhere, or words on how to fill the cell
        ("身份证号码（必填）", "id_number", 1),
        ("证件号码【18位】", "id_number", 1),
        ("姓名(户主)", "name", 1),
        ("(必填)用人单位", "employer", 1),
        ("身份证号码18位", "id_number", 1),
        ("18位身份证号码", "id_number", 1),
        ("姓名必填", "name", 1),
        # a word saying whose value it is, or naming the same thing behind
        ("劳动者身份证号码", "id_number", 2),
        ("参保职工身份证号码（18位）", "id_number", 2),
        ("本人姓名", "name", 2),
        ("工作单位名称", "employer", 2),
        ("用工单位全称", "employer", 2),
        # any other short word in front of a long synonym, when it names nobody else
        ("劳动合同签订日期", "contract_start", 3),
        ("新签合同起始日期", "contract_start", 3),
        # parts naming the same field
        ("用人单位/用工单位", "employer", 0),
    ],
)
def test_headings_that_name_a_field(campaign: Campaign, heading: str, field: str, level: int) -> None:
    found = HeadingMatcher(employment(campaign).columns).match(heading)
    assert found is not None and (found.field, found.level) == (field, level)


@pytest.mark.parametrize(
    "heading",
    [
        "户主身份证号",  # another person's
        "监护人身份证号码",
        "配偶姓名",
        "联系人姓名",
        "法定代表人身份证号",
        "单位身份证号码",  # an organisation's
        "单位编号",  # a code is not the name
        "用人单位编号",
        "用人单位地址",
        "用工单位联系电话",
        "合同终止日期",
        "身份证号码校验位",  # a synonym with another word behind it
        "证件类型",
        "用人单位/合同终止日期",  # parts naming different things
        "序号",
        "",
        "（必填）",
    ],
)
def test_headings_that_name_no_field(campaign: Campaign, heading: str) -> None:
    assert HeadingMatcher(employment(campaign).columns).match(heading) is None


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("单位电话", None),  # 电话 is too short to be found behind another word
        ("户籍住址", "registered_address"),  # 户籍所在地 (二（一）), not the current residence
        ("户主性别", None),
        ("手机号", "phone"),
        ("联系方式", "phone"),
        ("本人联系电话", "phone"),
        ("现居住地址", "address"),
        ("出生年月（yyyymm）", "birth_date"),
        ("所在村(社区)", "village"),
        ("村（社区）名称", "village"),
        ("居(村)委会", "village"),
        ("所属居（村）委会", "village"),
    ],
)
def test_household_headings(campaign: Campaign, heading: str, field: str | None) -> None:
    found = HeadingMatcher(campaign.sources["household"].columns).match(heading)
    assert (found.field if found else None) == field


def test_heading_key_normalises_width_space_case_markers_and_brackets() -> None:
    assert heading_key("＊身份证号码 【18位】：") == "身份证号码(18位)"
    assert heading_key("Ｎａｍｅ") == "name"
    assert heading_key("(2)姓名") == "姓名"


# -- which column a field takes when several could -------------------------------------------------------------


@pytest.mark.parametrize(
    ("headings", "id_column", "name_column"),
    [
        (["户主身份证号", "户主姓名", "身份证号", "姓名"], 2, 3),
        (["身份证号", "姓名", "户主身份证号", "户主姓名"], 0, 1),
        (["参保人身份证号", "身份证号", "姓名"], 1, 2),  # the plain heading is surer than the qualified one
        (["身份证号码（必填）", "职工姓名", "身份证号"], 2, 1),
        (["证件号码", "身份证号码", "姓名"], 0, 2),  # equally sure: the first
        (["参保人身份证号", "姓名(户主)"], 0, 1),
    ],
)
def test_the_surest_heading_then_the_first_wins(
    campaign: Campaign, headings: list[str], id_column: int, name_column: int
) -> None:
    mapping = HeadingMatcher(employment(campaign).columns).mapping(headings)
    assert (mapping["id_number"], mapping["name"]) == (id_column, name_column)


def test_the_persons_id_not_the_householders_when_both_are_there(tmp_path: Path, campaign: Campaign) -> None:
    rows: list[list[Cell]] = [
        ["户主身份证号", "户主姓名", "公民身份号码（必填）", "*姓名", "所属村（社区）"],
        [HOUSEHOLDER, "王五", ZHANG, "张三", "山盘村"],
    ]
    result = read_source(campaign.sources["household"], [write_csv(tmp_path / "a.csv", rows)], campaign, as_of=AS_OF)
    assert result.accepted["id_number"].tolist() == [ZHANG]
    assert result.accepted["name"].tolist() == ["张三"]


def test_only_another_persons_id_is_no_id_column(tmp_path: Path, campaign: Campaign) -> None:
    path = write_csv(tmp_path / "户主.csv", [["户主身份证号", "姓名", "用工单位"], [HOUSEHOLDER, "王五", "茶厂"]])
    with pytest.raises(IngestError, match="缺少必填列 身份证号"):
        read_source(employment(campaign), [path], campaign, as_of=AS_OF)


# -- optional columns missing ----------------------------------------------------------------------------------


def test_an_employment_filing_without_its_employer_column_is_imported_with_a_warning(
    tmp_path: Path, campaign: Campaign
) -> None:
    rows: list[list[Cell]] = [
        ["用工备案花名册"],
        ["序号", "证件号码【18位】", "劳动者 姓名", "单位编号", "劳动合同签订日期"],
        [1, ZHANG, "张三", "D001", "2016-03-01"],
        [2, LI, "李四", "D002", "2016年4月1日"],
    ]
    result = read_source(employment(campaign), [write_csv(tmp_path / "备案.csv", rows)], campaign, as_of=AS_OF)
    assert result.accepted["id_number"].tolist() == [ZHANG, LI] and result.rejected.empty
    assert "employer" not in result.accepted  # 单位编号 is not the employer's name
    assert result.accepted["contract_start"].dt.date.tolist() == [date(2016, 3, 1), date(2016, 4, 1)]
    assert result.warnings == ["文件 备案.csv 没有“用人单位”列：数据已导入，该列按空白处理"]


def test_each_file_and_sheet_missing_columns_is_named(tmp_path: Path, campaign: Campaign) -> None:
    full = write_csv(
        tmp_path / "凤城镇.csv", [["身份证号", "姓名", "用工单位", "合同起始日期"], [ZHANG, "张三", "茶厂", ""]]
    )
    bare = write_csv(tmp_path / "城厢镇.csv", [["身份证号", "姓名"], [LI, "李四"]])
    book = write_xlsx(
        tmp_path / "汇总.xlsx",
        {
            "一月": [["身份证号", "姓名", "用人单位"], [ZHANG, "张三", "茶叶公司"]],
            "二月": [["身份证号", "姓名", "用人单位"], [LI, "李四", "茶厂"]],
            "三月": [["身份证号", "姓名"], [HOUSEHOLDER, "王五"]],
        },
    )
    result = read_source(employment(campaign), [full, bare, book], campaign, as_of=AS_OF)
    assert len(result.accepted) == 5 and result.rejected.empty
    assert result.accepted["employer"].tolist() == ["茶厂", "", "茶叶公司", "茶厂", ""]
    assert result.warnings == [
        "文件 城厢镇.csv 没有“用人单位”“合同起始日期”列：数据已导入，这些列按空白处理",
        "文件 汇总.xlsx 的工作表“一月”“二月”没有“合同起始日期”列：数据已导入，该列按空白处理",
        "文件 汇总.xlsx 的工作表“三月”没有“用人单位”“合同起始日期”列：数据已导入，这些列按空白处理",
    ]


def test_a_file_with_every_column_has_no_warning(tmp_path: Path, campaign: Campaign) -> None:
    path = write_csv(
        tmp_path / "a.csv", [["身份证号", "姓名", "用工单位", "合同起始时间"], [ZHANG, "张三", "茶厂", ""]]
    )
    assert read_source(employment(campaign), [path], campaign, as_of=AS_OF).warnings == []


def test_a_county_that_requires_a_column_still_refuses_a_file_without_it(tmp_path: Path, campaign: Campaign) -> None:
    strict = employment(campaign).model_copy(update={"required": ["id_number", "name", "employer"]})
    path = write_csv(tmp_path / "a.csv", [["身份证号", "姓名"], [ZHANG, "张三"]])
    with pytest.raises(IngestError, match="缺少必填列 用人单位"):
        read_source(strict, [path], campaign, as_of=AS_OF)


def test_a_county_that_does_not_require_the_name_imports_ids_only(tmp_path: Path, campaign: Campaign) -> None:
    ids_only = campaign.sources["pension_resident"].model_copy(update={"required": ["id_number"]})
    path = write_csv(tmp_path / "居民养老.csv", [["公民身份号码"], [ZHANG], [LI]])
    result = read_source(ids_only, [path], campaign, as_of=AS_OF)
    assert result.accepted["id_number"].tolist() == [ZHANG, LI]
    assert result.warnings == ["文件 居民养老.csv 没有“姓名”列：数据已导入，该列按空白处理"]


def test_by_default_the_name_is_required(tmp_path: Path, campaign: Campaign) -> None:
    path = write_csv(tmp_path / "居民养老.csv", [["公民身份号码"], [ZHANG]])
    with pytest.raises(IngestError, match="缺少必填列 姓名"):
        read_source(campaign.sources["pension_resident"], [path], campaign, as_of=AS_OF)


@pytest.mark.parametrize(
    ("heading", "field"),
    [
        ("村（社区）（必填）", "village"),  # a note after a synonym that has brackets of its own
        ("【必填】村（社区）", "village"),
        ("*乡镇（街道）（选填）：", "township"),
        ("身份证号码（18位）（必填）", "id_number"),
    ],
)
def test_notes_next_to_a_synonyms_own_brackets(campaign: Campaign, heading: str, field: str) -> None:
    found = HeadingMatcher(campaign.sources["household"].columns).match(heading)
    assert found is not None and (found.field, found.level) == (field, 1)


def test_a_heading_listed_for_a_source_is_taken_even_if_the_rule_would_refuse_it(
    tmp_path: Path, campaign: Campaign
) -> None:
    """A county whose 低保 lists are per household lists 户主身份证号 for that source: the listed synonym wins."""
    dibao = campaign.sources["dibao"]
    per_household = dibao.model_copy(
        update={"columns": {**dibao.columns, "id_number": [*dibao.columns["id_number"], "户主身份证号"]}}
    )
    path = write_csv(tmp_path / "低保.csv", [["户主身份证号", "户主姓名", "姓名"], [HOUSEHOLDER, "王五", "王五"]])
    with pytest.raises(IngestError, match="缺少必填列 身份证号"):
        read_source(dibao, [path], campaign, as_of=AS_OF)
    result = read_source(per_household, [path], campaign, as_of=AS_OF)
    assert result.accepted["id_number"].tolist() == [HOUSEHOLDER]
