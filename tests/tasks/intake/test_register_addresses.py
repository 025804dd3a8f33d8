"""二（一）'s 户籍所在地 and 现居住地 read from a household file as two fields, whatever the export calls them, and
carried by the comparison into the registration database and the village work lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from models.campaign.spec import Campaign
from tasks.comparison.compare import Rules, compare
from tasks.intake.ingest import read_source
from tasks.survey.worklists import to_visit, village_lists
from tests.ingest_files import make_id, write_csv

AS_OF = date(2017, 5, 1)
ZHANG = make_id(date(1980, 1, 2), 11)
LI = make_id(date(1990, 5, 6), 22)
HOME = "福建省安溪县凤城镇大同村12号"
RENTED = "福建省厦门市思明区莲前街道88号"


@pytest.mark.parametrize(
    ("registered_header", "current_header"),
    [
        ("户籍所在地", "现居住地"),
        ("户籍地址", "现住址"),
        ("户籍地", "居住地址"),
        ("户口所在地", "实际居住地"),
        ("住址", "现居住地"),  # on a household register 住址 is the registered address
        ("户 籍 地 址", "现 住 址"),  # spaced out as some exports write them
    ],
)
def test_both_addresses_are_read_under_their_many_headers(
    tmp_path: Path, campaign: Campaign, registered_header: str, current_header: str
) -> None:
    header = ["身份证号", "姓名", "乡镇", "村（社区）", registered_header, current_header]
    rows = [
        header,
        [ZHANG, "张三", "凤城镇", "大同村", HOME, RENTED],
        [LI, "李四", "凤城镇", "大同村", HOME, HOME],
    ]
    path = write_csv(tmp_path / "户籍.csv", rows)
    accepted = read_source(campaign.sources["household"], [path], campaign, as_of=AS_OF).accepted
    by_id = accepted.set_index("id_number")
    assert by_id.loc[ZHANG, "registered_address"] == HOME
    assert by_id.loc[ZHANG, "address"] == RENTED
    assert by_id.loc[LI, "registered_address"] == by_id.loc[LI, "address"] == HOME


def test_a_register_with_only_住址_has_no_current_residence(tmp_path: Path, campaign: Campaign) -> None:
    rows = [["身份证号", "姓名", "乡镇", "村（社区）", "住址"], [ZHANG, "张三", "凤城镇", "大同村", HOME]]
    accepted = read_source(
        campaign.sources["household"], [write_csv(tmp_path / "h.csv", rows)], campaign, as_of=AS_OF
    ).accepted
    assert accepted["registered_address"].tolist() == [HOME]
    assert accepted.get("address", pd.Series([""])).fillna("").tolist() == [""]


def test_the_comparison_and_the_work_lists_keep_both(campaign: Campaign) -> None:
    register = pd.DataFrame(
        {
            "id_number": [ZHANG, LI],
            "name": ["张三", "李四"],
            "township_code": campaign.townships[0].code,
            "village_code": campaign.townships[0].villages[0].code,
            "registered_address": [HOME, HOME],
            "address": [RENTED, HOME],
        }
    )
    persons = compare({"household": register}, Rules.of(campaign), AS_OF).persons.set_index("id_number")
    assert persons.loc[ZHANG, ["registered_address", "address"]].tolist() == [HOME, RENTED]
    assert persons.loc[LI, ["registered_address", "address"]].tolist() == [HOME, HOME]

    frame = persons.reset_index()
    assert len(to_visit(frame, pd.DataFrame(columns=["id_number", "kind", "evidence"]))) == 2  # both uninsured
    names = {i: i for i in ("pension", "medical", "injury", "maternity", "unemployment")}
    first = next(iter(village_lists(campaign, frame, pd.DataFrame(columns=["id_number", "kind", "evidence"]), names)))
    rows = first.rows.set_index("身份证号")
    assert list(first.rows.columns).index("户籍所在地") < list(first.rows.columns).index("现居住地")
    assert rows.loc[ZHANG, ["户籍所在地", "现居住地"]].tolist() == [HOME, RENTED]
