"""The reminder and ranking flows end to end through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from docx import Document

from tasks.identity.masking import find_unmasked
from tests.cli_runner import invoke
from tests.receivers import bound_http_receiver

pytestmark = pytest.mark.usefixtures("prefect_harness")


def remind(env: dict[str, str], *args: str) -> list[dict]:
    code, out, err = invoke(env, "remind", "--json", *args)
    assert code == 0, err
    return json.loads(out)  # stdout holds only the JSON


def test_a_scenario_reminds_exactly_the_owners_not_done_and_a_rerun_sends_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert invoke(env, "init")[0] == 0
    done = ["350524100", "350524101", "350524112", "350524210"]
    for code in done:
        assert invoke(env, "milestone", "done", code, "township_leading_group", "--on", "2017-03-25")[0] == 0
    assert invoke(env, "milestone", "done", "county", "county_work_plan", "--on", "2017-03-01")[0] == 0

    dry = remind(env, "--as-of", "2017-03-28", "--dry-run")
    assert {m["status"] for m in dry} == {"skipped"}
    assert not (tmp_path / "var" / "mailbox").exists() or not any((tmp_path / "var" / "mailbox").rglob("*.txt"))

    first = remind(env, "--as-of", "2017-03-28")
    assert {m["status"] for m in first} == {"sent"}
    assert sorted(m["key"] for m in first) == sorted(m["key"] for m in dry)
    assert set(first[0]) == {"key", "owner", "milestone", "kind", "tags", "status"}
    leading = {m["owner"] for m in first if m["milestone"] == "township_leading_group"}
    codes = {f"350524{n}" for n in [*range(100, 113), *range(200, 211)]}
    assert leading == codes - set(done)
    assert all(m["tags"] == [m["owner"]] for m in first)
    assert not any(m["milestone"] == "county_work_plan" for m in first)
    mailbox = tmp_path / "var" / "mailbox"
    assert len(list((mailbox / "350524102").glob("*.txt"))) == 3  # leading group, work plan, staff and funds
    assert list((mailbox / "350524100").glob("*.txt")) != []  # its other two milestones
    message = next((mailbox / "350524102").glob("*.txt")).read_text(encoding="utf-8")
    assert message.startswith("【催办提醒】") and "湖头镇" in message

    second = remind(env, "--as-of", "2017-03-28")
    assert {m["status"] for m in second} == {"skipped"}
    assert len(list(mailbox.rglob("*.txt"))) == len(first)


def test_an_unreachable_endpoint_fails_then_a_later_run_sends(env: dict[str, str], tmp_path: Path) -> None:
    receiver = bound_http_receiver()  # its port, refusing connections until it starts
    port = receiver.port
    config = tmp_path / "apprise.yml"
    tags = ["county", "police", "health", "education", "hrss", "civil_affairs", "disability_federation"]
    tags += [f"350524{n}" for n in [*range(100, 113), *range(200, 211)]]
    config.write_text(
        "urls:\n" + "".join(f"  - json://127.0.0.1:{port}/{tag}:\n    - tag: {tag}\n" for tag in tags), "utf-8"
    )
    env = {**env, "CANBAO_APPRISE_CONFIG": str(config)}
    try:
        assert invoke(env, "init")[0] == 0
        failed = remind(env, "--as-of", "2017-04-21")
        assert failed and {m["status"] for m in failed} == {"failed"}

        receiver.start()
        later = remind(env, "--as-of", "2017-04-22")
    finally:
        receiver.stop()
    assert {m["key"] for m in failed} <= {m["key"] for m in later if m["status"] == "sent"}
    assert len(receiver.requests) == len({m["key"] for m in later if m["status"] == "sent"})


def test_the_ranking_notice_reaches_every_township_and_the_county(env: dict[str, str], tmp_path: Path) -> None:
    assert invoke(env, "init")[0] == 0
    code, out, err = invoke(env, "notice", "ranking", "--as-of", "2017-05-05", "--json")
    assert code == 0, err
    sent = json.loads(out)
    assert len(sent) == 25 and {m["status"] for m in sent} == {"sent"}
    assert all(m["milestone"] is None and m["kind"] == "weekly_ranking" for m in sent)
    notice = next((tmp_path / "var" / "mailbox" / "county").glob("*.txt")).read_text(encoding="utf-8")
    assert "关于全民参保登记工作进展情况的通报" in notice and "第1期" not in notice and "安参保办〔2017〕1号" in notice

    # The official document: written once under notices/, attached to every message and named in its text.
    stem = "安参保办〔2017〕1号-全民参保登记工作进展情况通报"
    assert f"附件：{stem}.docx、{stem}.html" in notice
    issued = tmp_path / "var" / "notices" / "2017-05-05-安参保办〔2017〕1号"
    assert sorted(p.name for p in issued.iterdir()) == [f"{stem}.docx", f"{stem}.html"]
    for tag in ("county", "350524100"):
        mailbox = tmp_path / "var" / "mailbox" / tag
        (message,) = mailbox.glob("*.txt")
        (docx,) = mailbox.glob(f"{message.stem}-{stem}.docx")
        (html,) = mailbox.glob(f"{message.stem}-{stem}.html")
        assert docx.read_bytes() == (issued / f"{stem}.docx").read_bytes()
        document = Document(io.BytesIO(docx.read_bytes()))
        texts = [p.text for p in document.paragraphs]
        assert "安参保办〔2017〕1号" in texts and "关于全民参保登记工作进展情况的通报" in texts
        assert len(document.tables[0].rows) == 25  # header and 24 townships
        assert "关于全民参保登记工作进展情况的通报" in html.read_text(encoding="utf-8")
        assert find_unmasked(html.read_text(encoding="utf-8")) == []
