"""The office's words: no template, no module and no generated message or document writes a spelling the
glossary forbids (贵单位, 应达进度, 工作节点, a wrong name of the plan, an ISO date in a Chinese sentence), and
the plan is cited by its own title and number from the campaign file."""

from __future__ import annotations

import ast
import io
import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from models.campaign.spec import Campaign
from tasks.documents.final_notice import final_document
from tasks.documents.official import OfficialDocument, to_docx, to_html
from tasks.documents.ranking_notice import ranking_document
from tasks.messages.notices import plan_final_notice, plan_ranking_notice
from tasks.messages.outbox import render_planned
from tasks.messages.reminders import plan_reminders
from tasks.messages.survey_reminders import SurveyStanding
from tasks.plan.status import milestone_statuses
from tasks.scoring.ranking import rank_townships
from tasks.scoring.scores import TownshipFacts, score_townships
from tasks.wording.glossary import offences, terms, wan_yuan, yuan

ROOT = Path(__file__).resolve().parents[3]
CODE = ("canbao", "flows", "tasks", "models", "bench", "scripts")
CJK = re.compile(r"[\u4e00-\u9fff]")
PLAN = "《安溪县“全民参保登记计划”工作方案》（安政办〔2017〕37号）"


def _templates() -> list[Path]:
    return sorted(p for p in (ROOT / "templates").rglob("*") if p.is_file() and p.suffix in {".j2", ".html"})


def _modules() -> list[Path]:
    return sorted(p for root in CODE for p in (ROOT / root).rglob("*.py") if "migrations" not in p.parts)


# ---- the scanner itself finds what the office would not write -----------------------------------------------


@pytest.mark.parametrize(
    "old",
    [
        "请贵单位于本周五前报送",
        "请贵乡镇加快进度",
        "完成率低于应达进度",
        "全县应完成工作节点30项",
        "根据《安溪县全民参保登记计划》安排",
        "根据《安溪县全民参保登记计划工作方案》安排",
        "截至2017-06-12，你镇（乡）已访100人",
        "根据方案要求，你镇（乡）须至少有10名工作人员参加培训",
        "按活动计划规定的评分规则",
    ],
)
def test_the_glossary_catches_each_old_wording(old: str) -> None:
    assert offences(old), old


def test_the_offices_own_wording_passes() -> None:
    assert offences(f"根据{PLAN}安排，截至2017年6月12日，你镇（乡）完成率低于序时进度。") == []


def test_amounts_are_written_without_cents() -> None:
    assert (yuan(50000), yuan(48750.4), yuan(43217.5)) == ("50,000", "48,750", "43,218")
    assert (wan_yuan(1170000), wan_yuan(1056250), wan_yuan(0)) == ("117万元", "105.63万元", "0万元")


# ---- the sources ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_writes_a_forbidden_spelling(path: Path) -> None:
    assert offences(path.read_text(encoding="utf-8")) == []


def _string_literals(tree: ast.AST) -> list[str]:
    """Every string in the code but docstrings (English, for developers) and a date format's own example
    (应为 YYYY-MM-DD（例如 2017-06-30）, which shows a user what to type)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and "YYYY-MM-DD" not in node.value
    ]


def _iso_dates_in_chinese_fstrings(tree: ast.AST) -> list[str]:
    """f-strings with Chinese text that put a date in as 2017-06-12: `.isoformat()`, or a date-named value
    (as_of, due, deadline, start, end, *_on, day) without a format. File names (a path, an extension, a stem
    ending in "-") are machine text and left alone."""
    found = []
    files = re.compile(r"\.(xlsx|docx|html|csv|json|pdf|zip|txt|png)\b|[/\\]")
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr):
            continue
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        if not CJK.search(text) or files.search(text):
            continue
        before = ""
        for value in node.values:
            if isinstance(value, ast.Constant):
                before = str(value.value)
                continue
            assert isinstance(value, ast.FormattedValue)
            if before.endswith("-"):
                continue
            e = value.value
            iso = isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and e.func.attr == "isoformat"
            name = e.attr if isinstance(e, ast.Attribute) else e.id if isinstance(e, ast.Name) else ""
            dated = re.fullmatch(r"as_of|date|due|deadline|start|end|\w+_on", name) or (
                isinstance(e, ast.Name) and name == "day"
            )
            if iso or (dated and value.format_spec is None):
                found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_no_module_writes_a_forbidden_spelling_or_an_iso_date_into_chinese_text() -> None:
    problems = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT)
        problems += [f"{where}: {o}" for text in _string_literals(tree) for o in offences(text) if CJK.search(text)]
        problems += [f"{where}: ISO date in {f}" for f in _iso_dates_in_chinese_fstrings(tree)]
    assert problems == []


def test_the_scan_of_the_code_finds_an_iso_date_in_a_sentence() -> None:
    tree = ast.parse('f"截至 {day.isoformat()} 已访"\nf"截至{as_of}已访"\nf"{cn_date(as_of)}"\nf"报告-{as_of}"')
    assert len(_iso_dates_in_chinese_fstrings(tree)) == 2


# ---- what is generated ---------------------------------------------------------------------------------------


def _document_text(doc: OfficialDocument) -> str:
    word = Document(io.BytesIO(to_docx(doc)))
    cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
    return "\n".join([*(p.text for p in word.paragraphs), *cells])


def _survey(campaign: Campaign) -> list[SurveyStanding]:
    n = len(campaign.townships)
    return [
        SurveyStanding(t.code, t.name, 100, 100 - 3 * i, i, (100 - 3 * i) / 100, 0.6,
                       "2018-01-07" if i == n - 1 else "2017-06-20", i >= n - 3, i + 1)
        for i, t in enumerate(campaign.townships)
    ]  # fmt: skip


def _scored(campaign: Campaign) -> tuple[list[TownshipFacts], list]:
    towns = campaign.townships
    facts = [TownshipFacts(t.code, t.name, 100, 100, 1.0, 0.1, 10, 20.0) for t in towns[:-1]]
    facts.append(TownshipFacts(towns[-1].code, towns[-1].name, 100, 80, 0.5, 0.0))
    return facts, score_townships(facts, campaign.scoring, final=True, survey_days=60)


def test_every_message_cites_the_plan_by_its_title_and_number_in_the_offices_words(campaign: Campaign) -> None:
    texts: list[str] = []
    for as_of in (date(2017, 3, 28), date(2017, 4, 5), date(2017, 4, 25)):
        for message in plan_reminders(campaign, milestone_statuses(campaign, [], as_of), as_of):
            rendered = render_planned(campaign, message)
            texts.append(rendered.title + "\n" + rendered.body)
            if message.kind in ("reminder", "overdue"):
                assert PLAN in rendered.body
                assert terms().you(message.context["is_township"]) in rendered.body
    day = date(2017, 6, 2)
    standings = rank_townships(campaign, milestone_statuses(campaign, [], day), day)
    for rendered in map(lambda m: render_planned(campaign, m), plan_ranking_notice(campaign, standings, day,
                                                                                   _survey(campaign))):  # fmt: skip
        texts.append(rendered.title + "\n" + rendered.body)
    facts, scores = _scored(campaign)
    final = render_planned(campaign, plan_final_notice(campaign, facts, scores, date(2017, 7, 1))[0])
    assert PLAN in final.body
    texts.append(final.body)
    assert [o for text in texts for o in offences(text)] == []


def test_the_weekly_notice_dates_a_projection_with_its_year_and_names_one_bottom_list(campaign: Campaign) -> None:
    day = date(2017, 6, 2)
    standings = rank_townships(campaign, milestone_statuses(campaign, [], day), day)
    body = render_planned(campaign, plan_ranking_notice(campaign, standings, day, _survey(campaign))[0]).body
    assert "2018年1月7日" in body and "1月7日" not in body.replace("2018年1月7日", "")
    last = [t.name for t in campaign.townships[-3:]]
    assert body.count("排名靠后") == 1 and "、".join(last) + "等3个乡镇" in body
    assert "于2017年6月9日前将整改情况书面报送" in body


def test_generated_documents_follow_the_glossary(campaign: Campaign) -> None:
    day = date(2017, 6, 2)
    standings = rank_townships(campaign, milestone_statuses(campaign, [], day), day)
    facts, scores = _scored(campaign)
    docs = [
        ranking_document(campaign, standings, date(2017, 5, 5)),
        ranking_document(campaign, standings, day, _survey(campaign)),
        final_document(campaign, facts, scores, date(2017, 7, 1)),
    ]
    for doc in docs:
        text = _document_text(doc)
        assert offences(text) == [] and "活动计划" not in text, doc.title
        assert offences(re.sub(r"<[^>]+>", "", to_html(doc).split("<body>", 1)[1])) == [], doc.title
    final = _document_text(docs[2])
    assert PLAN in final
    assert "48,750" in final and not re.search(r"\d,\d{3}\.\d", final)  # amounts in whole yuan, no cents
    assert "兑现工作经费补助合计112.13万元" in final
    assert "于2017年7月8日前将整改情况书面报送" in final  # criticised townships: a deadline for rectification


def test_the_training_reminder_attributes_the_minimum_to_the_county_office(campaign: Campaign) -> None:
    from tasks.messages.training_reminders import plan_training_reminders
    from tasks.training.standings import training_standings

    as_of = date(2017, 4, 20)
    standings = training_standings(campaign, [], [], as_of)
    planned = plan_training_reminders(campaign, standings, as_of)
    assert planned
    body = render_planned(campaign, planned[0]).body
    sentence = next(s for s in re.split(r"[。\n]", body) if "至少" in s)
    assert "方案" not in sentence and campaign.notices.issuer + "工作要求" in sentence
    assert offences(body) == []
