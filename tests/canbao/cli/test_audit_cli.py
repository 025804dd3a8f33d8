"""Every file written with personal data in full is logged: work lists, rejects, correction lists."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from models.campaign.spec import Campaign
from tests.cli_runner import invoke
from tests.flows.test_survey_season import _published
from tests.survey_files import fill_returned, listed_ids

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> Path:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 1500, out, seed=3, as_of=date(2017, 4, 30), formats="csv")
    return out


def test_exports_with_personal_data_are_logged(env: dict[str, str], county: Path, tmp_path: Path) -> None:
    published = _published(env, county, tmp_path / "lists")
    first = published[0]
    ids = listed_ids(first)
    entries = {ids[0]: {"走访结果": "信息更正", "更正信息": "联系电话：13905951234", "走访日期": "2017-05-03"},
               ids[1]: {"走访结果": "乱写", "走访日期": "2017-05-03"}}  # fmt: skip
    returned = fill_returned(first, tmp_path / "back" / first.name, entries)
    assert invoke(env, "survey", "import", str(returned), "--on", "2017-05-05", "--json")[0] == 0
    assert invoke(env, "survey", "corrections", "--out", str(tmp_path / "corrections"), "--json")[0] == 0

    code, out, err = invoke(env, "audit", "exports", "--json")
    assert code == 0, err
    logged = json.loads(out)
    kinds = Counter(e["kind"] for e in logged)
    lists = list((tmp_path / "lists").rglob("*-入户调查名单.xlsx"))
    assert kinds["worklist"] == len(lists) and kinds["corrections"] >= 1
    assert kinds["rejects"] >= 2  # the departments' rejected rows (the synthetic files have some) and the survey's
    assert all(Path(e["file"]).is_file() and e["exported_by"] for e in logged)
    assert {str(p) for p in lists} <= {e["file"] for e in logged}
    code, out, err = invoke(env, "audit", "exports")
    assert code == 0 and "入户调查名单" in out
