"""The console is canbao's: Prefect's and the libraries' log lines go to the log file (`--verbose` shows them), a
known failure is one Chinese line and exit code 2, and bad input is refused before any flow starts.

The commands run as real child processes on the session's Prefect server (tests.process_helpers), on one
initialised workspace; only `remind` writes to it (its outbox), which none of the other tests reads."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from tests.cli_runner import invoke, invoke_ok
from tests.process_helpers import run

pytestmark = pytest.mark.usefixtures("prefect_harness")

# A Prefect log line as its console handler prints it: "07:00:19.028 | INFO    | Flow run 'x' - …".
PREFECT_LINE = re.compile(r"\d\d:\d\d:\d\d\.\d{3} \|.*\| (INFO|WARNING|ERROR|DEBUG|CRITICAL)|Flow run '|Task run '")
INFO = {"PREFECT_LOGGING_LEVEL": "INFO"}  # the test session quiets Prefect to warnings; a user's does not


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An initialised workspace on SQLite, shared by the module's tests (they only read it)."""
    env = {"CANBAO_DATA_DIR": str(tmp_path_factory.mktemp("quiet") / "var")}
    invoke_ok(env, "init")
    return env


def log_text(env: dict[str, str]) -> str:
    path = Path(env["CANBAO_DATA_DIR"]) / "logs" / "canbao.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def assert_quiet(stderr: str) -> None:
    assert not PREFECT_LINE.search(stderr), stderr[-2000:]
    assert "Traceback" not in stderr and "╭" not in stderr, stderr[-2000:]


def test_a_flow_command_prints_only_its_json_and_logs_to_the_file(county: dict[str, str]) -> None:
    before = log_text(county)
    done = run(county, "remind", "--as-of", "2017-04-25", "--json", expect=0, **INFO)
    assert isinstance(json.loads(done.stdout), list)  # stdout is the JSON and nothing else
    assert_quiet(done.stderr)
    added = log_text(county)[len(before) :]
    assert "Flow run '" in added and "daily-reminders" in added, added[-2000:]


def test_verbose_shows_the_log_lines_on_standard_error_only(county: dict[str, str]) -> None:
    done = run(county, "remind", "--as-of", "2017-04-25", "--json", "--verbose", expect=0, **INFO)
    assert isinstance(json.loads(done.stdout), list)
    assert "Flow run '" in done.stderr, done.stderr[-2000:]


def test_a_failure_inside_a_flow_is_one_line_its_traceback_in_the_log(county: dict[str, str]) -> None:
    before = log_text(county)
    done = run(county, "compare", "--as-of", "2017-04-30", "--json", expect=2, **INFO)
    assert_quiet(done.stderr)
    assert done.stdout == "" and done.stderr.startswith("错误：尚未导入") and done.stderr.count("\n") == 1
    added = log_text(county)[len(before) :]
    assert "NothingToCompare" in added and "Traceback" in added, added[-2000:]


def test_a_misspelt_source_key_fails_at_once_in_one_chinese_line(county: dict[str, str], tmp_path: Path) -> None:
    book = tmp_path / "户籍.csv"
    book.write_text("身份证号\n", encoding="utf-8")
    before = log_text(county)
    done = run(county, "ingest", "housholdd", str(book), expect=2, **INFO)
    assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
    assert done.stderr.startswith("错误：未知的数据源“housholdd”") and "household" in done.stderr
    assert done.stdout == ""
    assert "Flow run '" not in log_text(county)[len(before) :]  # refused before any flow started


def test_an_unreachable_database_is_one_chinese_line(county: dict[str, str]) -> None:
    unreachable = {**county, "CANBAO_DATABASE_URL": "postgresql://canbao:secret@127.0.0.1:1/canbao"}
    done = run(unreachable, "remind", "--as-of", "2017-04-25", expect=2)
    assert_quiet(done.stderr)
    line = done.stderr.strip()
    assert line.startswith("错误：无法访问数据库 postgresql://canbao:***@127.0.0.1:1/canbao") and "\n" not in line
    assert "secret" not in done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["ingest", "household", "{missing}"], "错误：找不到文件："),
        (["collect", "{missing}"], "错误：找不到数据文件夹："),
        (["survey", "import", "{missing}"], "错误：找不到文件："),
        (["remind", "--as-of", "2017-13-01"], "错误：--as-of 的日期 '2017-13-01' 无效"),
        (["ingest", "household", "{missing}", "--on", "2017-02-30"], "错误：--on 的日期 '2017-02-30' 无效"),
    ],
)
def test_bad_input_is_refused_before_a_flow_starts(
    county: dict[str, str], tmp_path: Path, args: list[str], said: str
) -> None:
    before = log_text(county)
    code, out, err = invoke(county, *(a.format(missing=tmp_path / "无此文件.xlsx") for a in args))
    assert (code, out) == (2, "")
    assert err.startswith(said) and err.count("\n") == 1, err
    assert "Flow run '" not in log_text(county)[len(before) :]


def test_remind_dry_run_answers_without_a_flow(county: dict[str, str]) -> None:
    before = log_text(county)
    handled = json.loads(invoke_ok(county, "remind", "--as-of", "2017-04-25", "--dry-run", "--json"))
    assert handled and {h["status"] for h in handled} == {"skipped"}
    assert {"reminder", "overdue"} & {h["kind"] for h in handled}
    assert "Flow run '" not in log_text(county)[len(before) :]


def test_remind_dry_run_lists_what_the_flows_dry_run_lists(
    county: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.monitors import daily_reminders

    monkeypatch.setenv("CANBAO_DATA_DIR", county["CANBAO_DATA_DIR"])
    flow_run = daily_reminders(as_of=date(2017, 5, 22), dry_run=True)
    previewed = json.loads(invoke_ok(county, "remind", "--as-of", "2017-05-22", "--dry-run", "--json"))
    assert previewed == [{k: h[k] for k in ("key", "owner", "milestone", "kind", "tags", "status")} for h in flow_run]


def test_notice_ranking_dry_run_lists_what_the_flows_dry_run_lists(
    county: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.monitors import weekly_ranking

    monkeypatch.setenv("CANBAO_DATA_DIR", county["CANBAO_DATA_DIR"])
    flow_run = weekly_ranking(as_of=date(2017, 5, 26), dry_run=True, force=True)
    previewed = json.loads(invoke_ok(county, "notice", "ranking", "--as-of", "2017-05-26", "--dry-run", "--json"))
    assert previewed and {h["kind"] for h in previewed} == {"weekly_ranking"}
    assert previewed == [{k: h[k] for k in ("key", "owner", "milestone", "kind", "tags", "status")} for h in flow_run]
    assert not (Path(county["CANBAO_DATA_DIR"]) / "notices").exists()  # a dry run writes no notice


def test_an_unexpected_failure_is_one_line_naming_the_log_file_with_its_traceback(
    county: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("状态计算出错")

    monkeypatch.setattr("tasks.plan.status.milestone_statuses", broken)  # imported by the command as it runs
    code, out, err = invoke(county, "status", "--as-of", "2017-04-25")
    log = Path(county["CANBAO_DATA_DIR"]) / "logs" / "canbao.log"
    assert (code, out) == (1, "")
    assert err.startswith("错误：意外错误（RuntimeError：状态计算出错）") and str(log) in err and err.count("\n") == 1
    assert "Traceback" in log_text(county) and "状态计算出错" in log_text(county)
    with pytest.raises(RuntimeError, match="状态计算出错"):
        invoke(county, "--verbose", "status", "--as-of", "2017-04-25")  # --verbose: the traceback itself


def test_a_setting_that_cannot_be_read_is_one_chinese_line(county: dict[str, str]) -> None:
    code, _out, err = invoke({**county, "CANBAO_TASK_RUNNER": "bogus"}, "status")
    assert code == 2 and err.startswith("错误：环境变量的设置无效：CANBAO_TASK_RUNNER=bogus") and err.count("\n") == 1
