"""A second county, run as its new coordinator would: another county's campaign file (景宁畲族自治县, 2018)
through `canbao init`, `synth`, `collect`, `compare` and `worklists`, and its whole replay. Nothing Anxi's shows:
the synthetic ID numbers begin with the new county's code and its employers and schools carry its name."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from canbao.cli import app
from models.campaign.spec import Campaign, load_campaign
from tests.cli_runner import invoke, invoke_ok
from tests.pii_scan import file_text
from tests.survey_files import listed_ids
from tests.synth_helpers import scan_source

SECOND = Path(__file__).resolve().parent / "fixtures" / "second-county-2018.toml"
ANXI_CODE = "350524"
ANXI_NAMES = ("安溪", "Anxi", "anxi")
AS_OF = date(2018, 4, 30)


@pytest.fixture(scope="module")
def second() -> Campaign:
    return load_campaign(SECOND)[0]


def _anxi_in(text: str) -> list[str]:
    return [name for name in ANXI_NAMES if name in text]


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_the_fixture_is_a_complete_campaign_of_another_county(second: Campaign, campaign: Campaign) -> None:
    assert second.county.code != campaign.county.code and second.county.name != campaign.county.name
    assert not _anxi_in(SECOND.read_text(encoding="utf-8")) and ANXI_CODE not in SECOND.read_text(encoding="utf-8")
    assert len(second.townships) == 3 and all(2 <= len(t.villages) <= 5 for t in second.townships)
    assert all(t.code.startswith(second.county.code) for t in second.townships)
    assert campaign.model_fields_set <= second.model_fields_set  # every section the Anxi campaign has
    assert set(second.phases) == set(campaign.phases) and set(second.sources) == set(campaign.sources)
    assert set(second.notices.templates) == set(campaign.notices.templates)
    assert {m.completed_by for m in second.milestones} == {m.completed_by for m in campaign.milestones}
    assert second.training is not None and second.analysis.target_date is not None
    dates = [d for p in second.phases.values() for d in (p.start, p.end)]
    dates += [m.due for m in second.milestones] + [s.due for s in second.sources.values()]
    dates += [s.date for s in second.training.sessions] + [second.analysis.target_date]
    assert {d.year for d in dates} == {2018}


@pytest.mark.usefixtures("prefect_harness")
def test_a_new_county_runs_through_the_command_line_without_a_trace_of_anxi(
    env: dict[str, str], tmp_path: Path, second: Campaign
) -> None:
    env = {**env, "CANBAO_CAMPAIGN": str(SECOND)}
    code, _out, err = invoke(env, "init")
    assert code == 0, err
    units = json.loads(invoke_ok(env, "orgs", "--json"))
    assert units[0] == {"code": "331127", "name": "景宁畲族自治县", "level": "county", "parent": None}

    county = tmp_path / "delivery"
    args = ("--persons", "400", "--seed", "5", "--as-of", AS_OF.isoformat(), "--json")
    code, out, err = invoke(env, "synth", "--out", str(county), *args)
    assert code == 0, err
    assert json.loads(out)["files"]["household"] == 3

    # The synthetic files: registered residents' IDs begin with the county's code; names are the county's.
    truth = pd.read_parquet(county / "ground_truth.parquet")
    assert len(truth) > 300 and truth["id_number"].str.startswith(second.county.code).all()
    scans = {key: scan_source(county / key, source, AS_OF) for key, source in second.sources.items()}
    assert all(i.startswith(second.county.code) for i in scans["household"].accepted)
    assert not [i for scan in scans.values() for i in scan.accepted if i.startswith(ANXI_CODE)]
    addresses = [r["address"] for rows in scans["household"].accepted.values() for r in rows]
    assert addresses and all(str(a).startswith("浙江省景宁畲族自治县") for a in addresses)
    employers = {str(r["employer"]) for s in scans.values() for rows in s.accepted.values() for r in rows
                 if "employer" in r}  # fmt: skip
    assert employers and all(e.startswith(("景宁畲族自治县", "浙江", "中国移动景宁")) for e in employers)
    schools = {str(r["school"]) for rows in scans["students"].accepted.values() for r in rows}
    local_schools = {s for s in schools if s.endswith(("小学", "中学", "中专学校"))}
    assert local_schools and all(s.startswith("景宁") for s in local_schools)
    assert {f"景宁畲族自治县{t}中心小学" for t in ("鹤溪", "渤海", "大均")} & local_schools
    for path in _files(county):
        assert not _anxi_in(file_text(path)), path

    # Collected, compared and turned into the villages' work lists, all under the county's own townships.
    code, _out, err = invoke(env, "collect", str(county), "--on", "2018-04-18", "--json")
    assert code == 0, err
    code, out, err = invoke(env, "compare", "--as-of", AS_OF.isoformat(), "--json")
    assert code == 0, err
    compared = json.loads(out)
    assert {t["name"] for t in compared["by_township"]} == {"鹤溪镇", "渤海镇", "大均乡"}
    lists = tmp_path / "lists"
    code, out, err = invoke(env, "worklists", "--out", str(lists), "--on", AS_OF.isoformat(), "--json")
    assert code == 0, err
    published = list(lists.rglob("*-入户调查名单.xlsx"))
    assert 0 < len(published) <= sum(len(t.villages) for t in second.townships)
    listed = [i for path in published for i in listed_ids(path)]
    assert listed and all(i.startswith(second.county.code) for i in listed)
    for path in _files(lists):
        assert not _anxi_in(file_text(path)), path


@pytest.mark.usefixtures("prefect_harness")
def test_the_replay_of_a_second_county_names_only_its_townships(tmp_path: Path, second: Campaign) -> None:
    env = {"CANBAO_DATA_DIR": str(tmp_path / "var"), "CANBAO_CAMPAIGN": str(SECOND)}
    result = CliRunner().invoke(app, ["replay", "--json", "--seed", "7", "--persons", "300"], env=env)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["start"], summary["end"]) == ("2018-02-01", "2018-08-31")
    townships = {t.code: t.name for t in second.townships}
    assert {t["code"]: t["name"] for t in summary["townships"]} == townships
    assert {t["code"] for t in summary["survey"]["townships"]} == set(townships)
    assert {t["code"]: t["name"] for t in summary["scores"]["townships"]} == townships
    assert not _anxi_in(result.stdout) and ANXI_CODE not in result.stdout
    assert 250 <= summary["data"]["persons"] <= 300
    listed = [i for p in Path(summary["data"]["worklists"]).rglob("*-入户调查名单.xlsx") for i in listed_ids(p)]
    assert listed and all(i.startswith(second.county.code) for i in listed)
    # Every file of the season (deliveries, lists, messages, notices, reports) but the exchange's later
    # deliveries, which the replay itself makes up.
    root = tmp_path / "var" / "replay"
    inbox = root / "exchange-inbox"
    traces = {p: _anxi_in(file_text(p)) for p in _files(root) if not p.is_relative_to(inbox)}
    assert {p: found for p, found in traces.items() if found} == {}
