"""The campaign file's parts for the register's items: the employee lists a graduate is checked against, and
priority groups that may name no insurance but must say who they are."""

from __future__ import annotations

import pytest

from models.campaign.spec import CampaignFileError, parse_campaign
from tests.models.campaign.test_campaign import anxi_text, line_of


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        (
            'employee_lists = ["pension_employee",',
            'employee_lists = ["pension_employe",',
            "comparison.employee_lists",
            "数据源 pension_employe 未定义",
        ),
        (
            "graduate = true\nemployee_enrolled = false",
            "insurances = []",
            "analysis.priorities.graduates",
            "没有任何条件",
        ),
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
    if "\n" not in old:
        assert f"第 {line_of(broken, new)} 行" in message


def test_the_campaign_file_checks_graduates_against_the_employee_schemes() -> None:
    campaign = parse_campaign(anxi_text(), "campaign.toml")
    assert campaign.comparison is not None
    assert set(campaign.comparison.employee_lists) == {
        "pension_employee", "medical_employee", "injury", "maternity", "unemployment"
    }  # fmt: skip
    group = campaign.analysis.priorities["graduates"]
    assert (group.insurances, group.graduate, group.employee_enrolled) == ([], True, False)
