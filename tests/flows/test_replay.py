"""The replay of the whole 2017 campaign: every township ranked, behaviour visible in the summary."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from canbao.cli import app


@pytest.mark.usefixtures("prefect_harness")
def test_replay_of_2017_ranks_all_24_townships(tmp_path: Path) -> None:
    env = {"CANBAO_DATA_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(app, ["replay", "--json", "--seed", "7", "--persons", "3000"], env=env)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary == json.loads((tmp_path / "var" / "replay" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["start"], summary["end"]) == ("2017-02-01", "2017-08-31")

    townships = summary["townships"]
    assert len(townships) == 24 and len({t["code"] for t in townships}) == 24
    assert sorted(t["final_rank"] for t in townships)[0] == 1
    assert all(1 <= t["final_rank"] <= 24 for t in townships)
    assert all(t["on_time"] + t["late"] + t["missed"] == 6 for t in townships)
    by_profile: dict[str, list[dict]] = {}
    for t in townships:
        by_profile.setdefault(t["profile"], []).append(t)
    assert set(by_profile) == {"early", "on_time", "late", "never"}
    assert all(t["late"] == 0 and t["missed"] == 0 for t in by_profile["early"])
    assert all(t["missed"] > 0 for t in by_profile["never"])
    worst_diligent = max(t["final_rank"] for t in by_profile["early"] + by_profile["on_time"])
    assert worst_diligent < min(t["final_rank"] for t in by_profile["late"] + by_profile["never"])
    assert min(t["reminders_received"] for t in by_profile["late"]) > max(
        t["reminders_received"] for t in by_profile["early"]
    )
    assert summary["ranking_notices"] == 9  # the Fridays of May and June
    assert [p["phase"] for p in summary["phases"]] == ["launch", "training", "survey", "analysis"]
    data = summary["data"]  # the departments' deliveries were imported, compared and turned into work lists
    assert data["compared_on"] is not None and "2017-04-01" <= data["compared_on"] <= "2017-06-30"
    assert 2900 <= data["persons"] <= 3000 and data["to_visit"] > 0
    assert len(list(Path(data["worklists"]).rglob("*-入户调查名单.xlsx"))) == 460
    survey = summary["survey"]  # simulated visits drove progress, reminders and the survey milestones
    assert survey["to_visit"] == data["to_visit"]
    outcome = {t["code"]: t for t in survey["townships"]}
    assert len(outcome) == 24
    for t in townships:
        s = outcome[t["code"]]
        if t["profile"] in ("early", "on_time"):
            assert not s["missed_deadline"], t["name"]
        if t["profile"] == "never":
            assert s["missed_deadline"] and s["survey_reminders"] > 5, t["name"]
        if t["profile"] == "late":
            assert s["survey_reminders"] > 0, t["name"]
    assert any(s["recovered"] for s in outcome.values())
    assert survey["escalations"] > 0
    assert {s["channel"] for s in outcome.values()} == {"web", "paper"}
    mailbox = Path(summary["mailbox"])
    behind = list(mailbox.rglob("*.txt"))
    assert any("入户调查进度滞后" in path.read_text(encoding="utf-8") for path in behind)
    assert len(list(mailbox.rglob("*.txt"))) == summary["messages_sent"]

    # The season ends with the cut-off, the final scores and the final notice.
    cutoff, scores = summary["cutoff"], summary["scores"]
    assert cutoff["on"] == "2017-07-01" and scores["final"]
    missed = {s["code"] for s in outcome.values() if s["missed_deadline"]}
    assert {t["name"] for t in townships if t["code"] in missed} == set(cutoff["unfinished"])
    ranked = {t["code"]: t for t in scores["townships"]}
    assert all(ranked[c]["criticised"] and ranked[c]["subsidy"] == 0 for c in missed)  # none for missing June 30
    # The ranking tells townships apart: no score shared by more than three townships, and ties share a rank.
    shared = Counter(t["score"] for t in scores["townships"])
    assert max(shared.values()) <= 3, shared
    assert all(len({t["rank"] for t in scores["townships"] if t["score"] == s}) == 1 for s in shared)
    assert max(ranked[c]["rank"] for c in ranked if c not in missed) < min(ranked[c]["rank"] for c in missed)
    finals = [p for p in mailbox.rglob("*.txt") if "入户调查工作完成情况的通报" in p.read_text(encoding="utf-8")]
    assert len(finals) == 25  # every township and the county

    # The analysis phase: the plan, an exchange that found the August delivery's changes, the closing report,
    # and the supervisors' report of the last day.
    analysis = summary["analysis"]
    assert Path(analysis["plan"]["file"]).is_file()
    assert analysis["exchange"]["changes"]["deaths"] >= 1 and analysis["exchange"]["changes"]["enrolments"] >= 1
    # The August delivery lists part of the persons the villages registered: 登记后已参保.
    assert 1 <= analysis["exchange"]["changes"]["registered_enrolled"] <= analysis["exchange"]["changes"]["enrolments"]
    assert all(Path(p).is_file() for p in analysis["closing"]["files"])
    assert Path(summary["report"]["xlsx"]).is_file() and Path(summary["report"]["html"]).is_file()

    # Every output a person reads (messages, notices, reports, plans, the summary) holds no unmasked ID or
    # mobile number. Only the departments' inputs, the work lists for the villages, the returned lists and the
    # rejects (which must name the rows to fix) carry them.
    from tests.pii_scan import scan_tree

    root = tmp_path / "var" / "replay"
    inputs = ("deliveries", "exchange-inbox", "worklists", "returned", "rejects", "snapshots", "comparisons",
              "prefect")  # fmt: skip
    assert scan_tree(root, exclude=[root / name for name in inputs]) == {}
    from tasks.identity.masking import find_unmasked

    assert find_unmasked(result.stdout + result.stderr) == []  # the console and the flows' logs
    assert list((root / "notices").rglob("*.docx")) and list((root / "reports").rglob("*.xlsx"))
