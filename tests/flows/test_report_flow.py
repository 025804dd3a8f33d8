"""The supervisors' report through the command line on a small survey season, on SQLite and PostgreSQL: the
workbook's sheets and ranking, a self-contained page, the Prefect artifacts and no personal data anywhere."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from models.campaign.spec import Campaign
from models.settings import Settings
from tasks.documents.supervisors_report import CHARTS_SHEET, SECTIONS
from tasks.identity.masking import find_unmasked
from tasks.scoring.sheet import score_sheet
from tasks.workspace import Workspace
from tests.cli_runner import invoke
from tests.independent_scores import LABELS, error_rates, independent_scores, rows, spot_check
from tests.survey_files import fill_returned, listed_ids

pytestmark = pytest.mark.usefixtures("prefect_harness")
START = date(2017, 5, 1)
TITLES = ("一、概况", "二、入户调查进度曲线", "三、排名与评分", "四、数据异常", "五、扩面盲点", "六、工作任务完成情况")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory, campaign: Campaign) -> Path:
    from tasks.simulation.synth import generate_county

    out = tmp_path_factory.mktemp("county")
    generate_county(campaign, 4000, out, seed=7, as_of=date(2017, 4, 30), formats="csv")
    return out


def _season(env: dict[str, str], county: Path, tmp_path: Path) -> list[str]:
    """Lists published, three villages' returned lists imported; returns the IDs of the persons listed there."""
    assert invoke(env, "init")[0] == 0
    assert invoke(env, "collect", str(county), "--on", "2017-04-18", "--json")[0] == 0
    assert invoke(env, "compare", "--as-of", "2017-04-30", "--json")[0] == 0
    lists = tmp_path / "lists"
    code, _out, err = invoke(env, "worklists", "--out", str(lists), "--on", "2017-04-30", "--json")
    assert code == 0, err
    published = sorted(
        (p for p in lists.rglob("*-入户调查名单.xlsx") if listed_ids(p)), key=lambda p: -len(listed_ids(p))
    )
    files, ids = [], []
    for n, path in enumerate(published[:3]):
        listed = listed_ids(path)
        ids += listed
        done = listed[: len(listed) * (3 - n) // 3]  # all, two thirds, one third
        entries = {
            i: {
                "走访结果": "已登记参保" if k % 3 else "信息更正",
                "更正信息": "" if k % 3 else "联系电话：13905951234",
                "走访日期": (START + timedelta(days=k % 15)).isoformat(),
            }
            for k, i in enumerate(done)
        }
        files.append(str(fill_returned(path, tmp_path / "returned" / path.name, entries)))
    code, _out, err = invoke(env, "survey", "import", *files, "--on", "2017-05-20", "--json")
    assert code == 0, err
    return ids


def _workspace(env: dict[str, str]) -> Workspace:
    return Workspace.open(Settings(data_dir=Path(env["CANBAO_DATA_DIR"]), database_url=env["CANBAO_DATABASE_URL"]))


def _cell_texts(path: Path) -> list[str]:
    """Every cell as a reader sees it: an ID stored as a number shows as its digits, a rate as a few digits."""

    def shown(value: Any) -> str:
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else f"{value:.6g}"
        return str(value)

    book = openpyxl.load_workbook(path)
    return [
        shown(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None
    ]


def _sheet_rows(path: Path, name: str) -> list[dict[str, Any]]:
    sheet = openpyxl.load_workbook(path)[name]
    rows = list(sheet.iter_rows(values_only=True))
    at = next(k for k, row in enumerate(rows) if row[0] == "名次")
    header = rows[at]
    return [dict(zip(header, row, strict=True)) for row in rows[at + 1 :] if row[0] is not None]


def _check_report(env: dict[str, str], result: dict[str, Any], as_of: date, campaign: Campaign) -> None:
    xlsx, html = Path(result["xlsx"]), Path(result["html"])
    assert result["as_of"] == as_of.isoformat()
    assert result["townships"] == len(campaign.townships) == 24

    # The workbook: a sheet per section, the charts, the ranking of the score sheet.
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == [*SECTIONS, CHARTS_SHEET]
    assert len(book[CHARTS_SHEET]._images) == 3
    ws = _workspace(env)
    try:
        sheet = score_sheet(ws, as_of)
    finally:
        ws.close()
    assert result["final"] is sheet.final
    ranking = _sheet_rows(xlsx, "排名与评分")
    assert [(r["名次"], r["乡镇"], r["乡镇代码"]) for r in ranking] == [
        (s.rank, s.name, s.township) for s in sheet.scores
    ]
    assert [r["得分"] for r in ranking] == pytest.approx([s.score for s in sheet.scores])
    assert [r["入户调查完成率"] for r in ranking] == pytest.approx([s.rate for s in sheet.scores])
    breakdown = _sheet_rows(xlsx, "评分明细")
    assert len(breakdown) == sum(len(s.breakdown) for s in sheet.scores)
    _check_scores_independently(env, campaign, as_of, ranking, breakdown)
    progress = list(book["入户调查进度"].iter_rows(values_only=True))
    header = next(row for row in progress if row[0] == "日期")
    assert len(header) == 2 + 24
    days = [row for row in progress if isinstance(row[0], str) and re.fullmatch(r"\d{4}-\d\d-\d\d", row[0])]
    assert days[0][0] == START.isoformat() and days[-1][0] == min(as_of, date(2017, 6, 30)).isoformat()

    # The page: self-contained, every section, every township.
    page = html.read_text(encoding="utf-8")
    for attribute in re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', page):
        assert not attribute.startswith(("http://", "https://", "//")), attribute
    assert not re.search(r"https?://", page)
    images = re.findall(r'<img[^>]*src="([^"]*)"', page)
    assert len(images) == 3 and all(src.startswith("data:image/png;base64,") for src in images)
    assert "<link" not in page and "<script" not in page and "@import" not in page
    for title in TITLES:
        assert title in page
    for township in campaign.townships:
        assert township.name in page

    # No personal data, although the persons' records hold real-looking IDs and phones. The charts' base64 is
    # left out: an image holds no text, and its digits could match by chance.
    texts = _cell_texts(xlsx)
    assert find_unmasked("\n".join(texts)) == []
    assert find_unmasked(re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)) == []


def _check_scores_independently(
    env: dict[str, str], campaign: Campaign, as_of: date, ranking: list[dict[str, Any]], breakdown: list[dict[str, Any]]
) -> None:
    """The report's score table and breakdown against the scores worked out from the raw tables."""
    want = independent_scores(env, campaign, as_of)
    expected_order = [(w["rank"], w["township"], w["name"]) for w in want]
    assert [(r["名次"], r["乡镇代码"], r["乡镇"]) for r in ranking] == expected_order
    for got, expected in zip(ranking, want, strict=True):
        assert got["得分"] == pytest.approx(expected["score"], abs=0.011), expected["name"]
        assert (got["应访人数"], got["已访人数"]) == (expected["to_visit"], expected["visited"]), expected["name"]
        assert got["入户调查完成率"] == pytest.approx(expected["rate"], abs=1e-4), expected["name"]
        assert got["经费补助（元）"] == pytest.approx(expected["subsidy"], abs=0.011), expected["name"]
        assert got["通报批评"] == ("是" if expected["criticised"] else "否"), expected["name"]
    points: dict[str, dict[str, float]] = {}
    for row in breakdown:
        points.setdefault(row["乡镇"], {})[row["评分项"]] = row["得分"]
    for expected in want:
        labelled = {LABELS[rule]: value for rule, value in expected["points"].items()}
        assert points[expected["name"]] == pytest.approx(labelled, abs=0.011), expected["name"]


def _spot_checks(env: dict[str, str]) -> dict[str, float]:
    """Two townships spot-checked through `canbao inspect`, with different error rates; returns the rates."""
    visited = sorted({str(t) for (t,) in rows(env, "SELECT DISTINCT township_code FROM visit")})
    assert len(visited) >= 2, visited
    drawn, checked, received = date(2017, 5, 20), date(2017, 5, 21), date(2017, 5, 22)
    spot_check(env, visited[0], ["属实", "不属实", "属实", "未找到"], drawn_on=drawn, checked_on=checked,
               received_on=received)  # fmt: skip
    spot_check(env, visited[1], ["属实", "属实", "属实"], drawn_on=drawn, checked_on=checked, received_on=received)
    return {visited[0]: 0.5, visited[1]: 0.0}


def _artifacts(keys: list[str]) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys)))
    latest: dict[str, Any] = {}
    for artifact in sorted(found, key=lambda a: a.created or 0):
        assert artifact.key is not None
        latest[artifact.key] = artifact
    return latest


def test_the_supervisors_report(env: dict[str, str], county: Path, tmp_path: Path, campaign: Campaign) -> None:
    ids = _season(env, county, tmp_path)
    assert ids and all(find_unmasked(i) == [i] for i in ids[:5])  # the data does hold IDs to leak
    rates = _spot_checks(env)
    assert error_rates(env, date(2017, 5, 26)) == rates

    as_of = date(2017, 5, 26)
    code, out, err = invoke(env, "report", "--as-of", as_of.isoformat(), "--out", str(tmp_path / "r1"), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == {"as_of", "final", "xlsx", "html", "townships", "artifacts"}
    assert result["final"] is False
    assert Path(result["xlsx"]).parent == tmp_path / "r1"
    _check_report(env, result, as_of, campaign)
    # The spot checks' share of the score: 15 × (1 − 0.5), 15 × (1 − 0), and for every township never checked
    # the mean accuracy of the checked, 15 × (0.5 + 1) / 2.
    names = {t.code: t.name for t in campaign.townships}
    breakdown = _sheet_rows(Path(result["xlsx"]), "评分明细")
    accuracy = {r["乡镇"]: r["得分"] for r in breakdown if r["评分项"] == "督查抽查准确率"}
    worse, better = (names[code] for code in sorted(rates, key=lambda c: -rates[c]))
    unchecked = next(name for code, name in names.items() if code not in rates)
    assert (accuracy[worse], accuracy[better], accuracy[unchecked]) == (7.5, 15.0, 11.25)

    artifacts = _artifacts(result["artifacts"])
    assert set(artifacts) == set(result["artifacts"])
    assert artifacts["supervisors-report-progress"].type == "progress"
    assert artifacts["supervisors-report"].type == "markdown"
    ranking = artifacts["supervisors-report-ranking"]
    assert ranking.type == "table"
    rows = json.loads(ranking.data) if isinstance(ranking.data, str) else ranking.data
    assert [r["乡镇"] for r in rows] == [r["乡镇"] for r in _sheet_rows(Path(result["xlsx"]), "排名与评分")]
    for artifact in artifacts.values():
        assert find_unmasked(json.dumps(artifact.data, ensure_ascii=False)) == []

    # After the deadline: final scores, the curves end at the deadline.
    after = date(2017, 7, 7)
    code, out, err = invoke(env, "report", "--as-of", after.isoformat(), "--out", str(tmp_path / "r2"), "--json")
    assert code == 0, err
    final = json.loads(out)
    assert final["final"] is True
    _check_report(env, final, after, campaign)


def test_the_scheduled_report_waits_for_its_phases(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.report import supervisors_report

    assert invoke(env, "init")[0] == 0
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    skipped = supervisors_report(as_of=date(2017, 4, 14), phases=["survey", "analysis"])
    assert skipped == {"as_of": "2017-04-14", "skipped": True}
