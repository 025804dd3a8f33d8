"""Household visits (入户调查): reading returned work lists, and what a visit does to a person's record. Pure.

A village returns its work list with 走访结果 (an outcome: its Chinese name, an alias or its code), perhaps
更正信息 ("联系电话：13800001111；现居住地：凤城镇…"), 未参保原因 and 参保意愿 (what the person said), 走访人 and
走访日期. Decisions:

* A row whose 走访结果 is blank and whose 更正信息 is blank is not visited yet (`pending`): neither recorded
  nor rejected. A blank outcome with corrections is a `corrected` visit.
* Rejected, with the reason in Chinese: an outcome that is no outcome; a correction naming no known field or
  with a value that cannot be right (a phone with the wrong number of digits, an unknown sex, a date that
  cannot be read); an outcome that needs a correction without one; a visit date that cannot be read, lies
  after the day the list came back or before the survey started; a person on no village's list; an outcome that
  needs a reason (拒绝登记) without 未参保原因; a 参保意愿 that is none of the campaign's intents. The ID rules
  and the rest are the importer's (tasks.intake.ingest).
* A blank 走访日期 means the day the list came back (`received_on`).
* A visit is identified by person, outcome, date and corrections: the same row imported again, from the same
  workbook or a copy, is a duplicate and changes nothing. A different outcome later is a new visit.
* Applying a visit: a visit never enrols. `registers` records the day the person was first registered
  (`registered_on`): their statuses stay as the departments' lists have them, so coverage is unchanged and the
  person counts as registered and pending until a list has them (`registered_pending`). `covers` marks those
  missing insurances `elsewhere` or `other_scheme` (held by a scheme the county's lists do not hold); `away`
  makes every missing insurance not applicable while away; `deceased` and `moved_out` mark the person and take
  every missing insurance off the gap figures; `flag_township` and `needs_confirmation` change no status.
  Corrections overwrite their fields. The category follows: deceased, moved_out, away (nothing applies while
  away), else from the statuses. The latest visit (by date, then by arrival) is the person's `survey_outcome`.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from models.campaign.spec import INSURANCES, Campaign, Source, Survey
from models.campaign.values import PERSON_FIELDS, CompletionFact, VisitRecord
from tasks.intake.cells import rows_as
from tasks.survey.cards import card_number
from tasks.wording.render import cn_date

ELSEWHERE = "elsewhere"
CORRECTED = "corrected"
# Columns of a returned work list; the first synonym is the heading canbao writes (tasks.survey.worklists).
RETURNED_COLUMNS: dict[str, list[str]] = {
    "id_number": ["身份证号", "身份证号码", "公民身份号码", "身份证"],
    "name": ["姓名"],
    "outcome": ["走访结果", "调查结果", "核查结果"],
    "corrections": ["更正信息", "更正内容", "信息更正"],
    # Not "reason": a rejected row's own column of that name says why it was refused.
    "not_insured_reason": ["未参保原因", "未参保原因（拒绝理由）", "拒绝原因", "未登记原因", "不参保原因"],
    "intent": ["参保意愿", "意愿"],
    "visitor": ["走访人", "调查人", "调查员"],
    "visited_on": ["走访日期", "调查日期", "入户日期"],
    # Optional: the 入户调查证 the worker showed (compared with the register by `canbao survey cards check`).
    "card_number": ["入户调查证号", "调查证号", "入户调查证编号", "调查证编号", "入户调查证", "证号"],
}
_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[；;\n\r]+")
_PAIR = re.compile(r"^\s*([^:：=]+?)\s*[:：=]\s*(.*?)\s*$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")
_HAN = re.compile(r"[\u3400-\u9fff]")
_SEX = {"男": "男", "男性": "男", "1": "男", "女": "女", "女性": "女", "2": "女"}


# Lookups built once per campaign's survey section (checked by identity, so a reloaded campaign rebuilds them):
# a returned list is checked row by row.
_LOOKUPS: dict[tuple[str, int], tuple[Survey, dict[str, str]]] = {}


def returned_list_source(campaign: Campaign) -> Source:
    """The importer's view of a returned work list: an ID per row, and a 走访结果 column in the header."""
    return Source(
        key="survey",
        name="入户调查名单（回收）",
        department="",
        due=campaign.survey_window()[1],
        role="survey",
        required=["id_number"],
        header=["outcome"],
        columns=RETURNED_COLUMNS,
    )


def _key(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text)).lower()


def outcome_lookup(survey: Survey) -> dict[str, str]:
    """Every way of writing an outcome (code, name, alias; any width, any spacing) → its code."""
    cached = _LOOKUPS.get(("outcomes", id(survey)))
    if cached is not None and cached[0] is survey:
        return cached[1]
    lookup: dict[str, str] = {}
    for code, outcome in survey.outcomes.items():
        for text in (code, outcome.name, *outcome.aliases):
            lookup.setdefault(_key(text), code)
    _LOOKUPS[("outcomes", id(survey))] = (survey, lookup)
    return lookup


def intent_lookup(survey: Survey) -> dict[str, str]:
    """Every way of writing an intent (code, name, alias) → its code."""
    cached = _LOOKUPS.get(("intents", id(survey)))
    if cached is not None and cached[0] is survey:
        return cached[1]
    lookup: dict[str, str] = {}
    for code, intent in survey.intents.items():
        for text in (code, intent.name, *intent.aliases):
            lookup.setdefault(_key(text), code)
    _LOOKUPS[("intents", id(survey))] = (survey, lookup)
    return lookup


def check_notes(survey: Survey, outcome: str | None, reason_text: str, intent_text: str) -> tuple[str, str, list[str]]:
    """What the person said: (未参保原因 as written, intent code, reasons to refuse the row)."""
    reasons: list[str] = []
    reason = _SPACES.sub(" ", unicodedata.normalize("NFKC", reason_text)).strip()
    chosen = survey.outcomes.get(outcome) if outcome is not None else None
    if chosen is not None and chosen.needs_reason and not reason:
        reasons.append(f"走访结果为“{chosen.name}”，但未填写未参保原因")
    intent = ""
    if intent_text.strip():
        found = intent_lookup(survey).get(_key(intent_text))
        if found is None:
            names = "、".join(i.name for i in survey.intents.values())
            reasons.append(f"参保意愿无法识别：{intent_text.strip()}（可填：{names}）")
        else:
            intent = found
    return reason, intent, reasons


def correction_lookup(survey: Survey) -> dict[str, str]:
    cached = _LOOKUPS.get(("corrections", id(survey)))
    if cached is not None and cached[0] is survey:
        return cached[1]
    lookup: dict[str, str] = {}
    for name, item in survey.corrections.items():
        for text in (name, item.label, *item.aliases):
            lookup.setdefault(_key(text), name)
    _LOOKUPS[("corrections", id(survey))] = (survey, lookup)
    return lookup


def parse_date(text: str) -> date | None:
    match = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None
    parts = [g for g in match.groups() if g is not None]
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def normalise_value(field_name: str, value: str) -> tuple[str | None, str | None]:
    """(normalised value, None) or (None, Chinese reason) for one corrected field."""
    value = unicodedata.normalize("NFKC", value).strip()
    if value == "":
        return None, "更正后的值为空"
    if field_name == "phone":
        digits = re.sub(r"[\s\-()（）]", "", value)
        mobile = len(digits) == 11 and digits.startswith("1")
        landline = digits.startswith("0") and len(digits) in (10, 11, 12)
        if not digits.isdigit() or not (mobile or landline or len(digits) in (7, 8)):
            return None, "联系电话位数不对"
        return digits, None
    if field_name == "sex":
        sex = _SEX.get(value.replace(" ", ""))
        return (sex, None) if sex else (None, f"性别无法识别：{value}")
    if field_name == "birth_date":
        parsed = parse_date(value)
        return (parsed.isoformat(), None) if parsed else (None, f"出生日期无法识别：{value}")
    if field_name == "name" and _HAN.search(value):
        return re.sub(r"\s+", "", value), None  # names in Chinese characters have no spaces, as the importer has it
    return re.sub(r"\s+", " ", value), None


def parse_corrections(text: str, survey: Survey) -> tuple[dict[str, str], list[str]]:
    """ "联系电话：138…；现居住地：…" → ({field: value}, reasons). Later pairs for the same field win."""
    lookup = correction_lookup(survey)
    found: dict[str, str] = {}
    reasons: list[str] = []
    labels = "、".join(item.label for item in survey.corrections.values())
    for part in _SEPARATORS.split(unicodedata.normalize("NFKC", text)):
        if not part.strip():
            continue
        match = _PAIR.match(part)
        if match is None:
            reasons.append(f"更正信息“{part.strip()}”应写成“项目：更正后的值”（可更正：{labels}）")
            continue
        name = lookup.get(_key(match.group(1)))
        if name is None:
            reasons.append(f"更正信息中的“{match.group(1)}”不是可更正的项目（可更正：{labels}）")
            continue
        value, reason = normalise_value(name, match.group(2))
        if reason is not None:
            reasons.append(f"{survey.corrections[name].label}：{reason}")
        elif value is not None:
            found[name] = value
    return found, reasons


@dataclass
class ReturnedRows:
    visits: list[VisitRecord]
    rejected: pd.DataFrame  # file, sheet, row, reason and the row's cells as received
    pending: int  # rows without any result yet


def check_visit(
    survey: Survey,
    window: tuple[date, date],
    outcome_text: str,
    corrections_text: str,
    visited_text: str,
    received_on: date,
) -> tuple[str | None, dict[str, str], date | None, list[str]]:
    """The checks shared by files and the web page: (outcome code, corrections, visit date, reasons)."""
    reasons: list[str] = []
    corrections, problems = parse_corrections(corrections_text, survey)
    reasons += problems
    outcome: str | None
    if outcome_text.strip() == "":
        outcome = CORRECTED if corrections_text.strip() else None
    else:
        outcome = outcome_lookup(survey).get(_key(outcome_text))
        if outcome is None:
            names = "、".join(o.name for o in survey.outcomes.values())
            reasons.append(f"走访结果无法识别：{outcome_text.strip()}（可填：{names}）")
    chosen = survey.outcomes.get(outcome) if outcome is not None else None
    if chosen is not None and chosen.needs_correction and not corrections and not problems:
        reasons.append(f"走访结果为“{chosen.name}”，但未填写更正信息")
    visited_on: date | None = received_on
    if visited_text.strip():
        visited_on = parse_date(visited_text)
        if visited_on is None:
            reasons.append(f"走访日期无法识别：{visited_text.strip()}")
    if visited_on is not None:
        if visited_on > received_on:
            reasons.append(f"走访日期{cn_date(visited_on)}晚于收到日期{cn_date(received_on)}")
        elif visited_on < window[0]:
            reasons.append(f"走访日期{cn_date(visited_on)}早于入户调查开始日期{cn_date(window[0])}")
    return outcome, corrections, visited_on, reasons


_REJECTED_COLUMNS = ["file", "sheet", "row", "reason", "id_number", "name", "outcome", "corrections",
                     "not_insured_reason", "intent", "visitor", "visited_on", "card_number"]  # fmt: skip


@dataclass(frozen=True)
class _ReturnedRow:
    """One accepted row of a returned work list: its cells as text, `visited_on` as the importer parsed it."""

    id_number: Any
    name: str
    outcome: str
    corrections: str
    not_insured_reason: str
    intent: str
    visitor: str
    visited_on: Any
    issues: str
    card_number: str
    file: Any
    sheet: Any
    row: Any


def _returned_rows(accepted: pd.DataFrame) -> list[_ReturnedRow]:
    """The rows as `_ReturnedRow`s; a column the workbooks did not have gives "" cells."""
    return rows_as(
        accepted,
        _ReturnedRow,
        ("name", "outcome", "corrections", "not_insured_reason", "intent", "visitor", "issues", "card_number"),
    )


def _rejected_record(row: _ReturnedRow, reasons: list[str], visited_text: str) -> dict[str, Any]:
    return {
        "file": row.file,
        "sheet": row.sheet,
        "row": int(row.row),
        "reason": "；".join(reasons),
        "id_number": row.id_number,
        "name": row.name,
        "outcome": row.outcome,
        "corrections": row.corrections,
        "not_insured_reason": row.not_insured_reason,
        "intent": row.intent,
        "visitor": row.visitor,
        "visited_on": visited_text,
        "card_number": row.card_number,
    }


class _Checks:
    """The checks of `check_visit` and `check_notes`, and the text of a parsed visit date, made once per distinct
    cells: a county's returned rows repeat a few dozen outcomes, dates and corrections."""

    def __init__(self, survey: Survey, window: tuple[date, date], received_on: date) -> None:
        self.survey, self.window, self.received_on = survey, window, received_on
        self._visits: dict[tuple[str, str, str], tuple[str | None, dict[str, str], date | None, list[str]]] = {}
        self._notes: dict[tuple[str | None, str, str], tuple[str, str, list[str]]] = {}
        self._dates: dict[Any, str] = {}

    def visit(
        self, outcome_text: str, corrections_text: str, visited_text: str
    ) -> tuple[str | None, dict[str, str], date | None, list[str]]:
        cells = (outcome_text, corrections_text, visited_text)
        found = self._visits.get(cells)
        if found is None:
            found = check_visit(self.survey, self.window, *cells, self.received_on)
            self._visits[cells] = found
        code, fixes, visited_on, reasons = found
        return code, dict(fixes), visited_on, list(reasons)  # copies: the caller may change them

    def notes(self, outcome: str | None, reason_text: str, intent_text: str) -> tuple[str, str, list[str]]:
        cells = (outcome, reason_text, intent_text)
        found = self._notes.get(cells)
        if found is None:
            found = check_notes(self.survey, *cells)
            self._notes[cells] = found
        return found[0], found[1], list(found[2])

    def visited_text(self, visited: Any) -> str:
        """The importer's parsed 走访日期 as ISO text, "" when blank."""
        try:
            return self._dates[visited]
        except (KeyError, TypeError):  # not seen yet, or a cell that cannot be a key
            pass
        # A list without the 走访日期 column gives "" here, which pd.Timestamp would turn into NaT.
        blank = visited is None or visited == "" or pd.isna(visited)
        text = "" if blank else pd.Timestamp(visited).date().isoformat()
        with contextlib.suppress(TypeError):
            self._dates[visited] = text
        return text


def _visit_of(
    row: _ReturnedRow, checks: _Checks, listed: Mapping[str, tuple[str, str]], received_on: date
) -> VisitRecord | dict[str, Any]:
    """The visit a row with a result reports, or its rejected record (with the reasons)."""
    visited_text = checks.visited_text(row.visited_on)
    code, fixes, visited_on, reasons = checks.visit(row.outcome, row.corrections, visited_text)
    said, intent, problems = checks.notes(code, row.not_insured_reason, row.intent)
    reasons += problems
    if not visited_text and "日期无法识别" in row.issues:
        reasons.append(_date_issue(row.issues))
        visited_on = None
    place = listed.get(str(row.id_number))
    if place is None:
        reasons.append("不在本县任何村（社区）的入户调查名单中")
    if reasons or code is None or visited_on is None or place is None:
        return _rejected_record(row, reasons, visited_text)
    return VisitRecord(
        id_number=str(row.id_number),
        township_code=place[0],
        village_code=place[1],
        outcome=code,
        visited_on=visited_on,
        received_on=received_on,
        channel="file",
        visitor=row.visitor,
        origin=f"{row.file}:{row.sheet}:{int(row.row)}",
        corrections=fixes,
        reason=said,
        intent=intent,
        card_number=card_number(row.card_number),
    )


def returned_visits(
    accepted: pd.DataFrame,
    campaign: Campaign,
    listed: Mapping[str, tuple[str, str]],
    received_on: date,
) -> ReturnedRows:
    """The visits in the importer's accepted rows of returned work lists, and the rows rejected here.

    `listed`: ID number → (township code, village code) of the list the person is on.
    `accepted` holds raw text for outcome, corrections, visitor; `visited_on` as parsed by the importer
    (NaT when blank or unreadable) and the importer's `issues` (which name an unreadable date).
    """
    checks = _Checks(campaign.survey, campaign.survey_window(), received_on)
    visits: list[VisitRecord] = []
    rejected_rows: list[dict[str, Any]] = []
    pending = 0
    for row in _returned_rows(accepted):
        if not row.outcome and not row.corrections:
            pending += 1
            continue
        visit = _visit_of(row, checks, listed, received_on)
        if isinstance(visit, VisitRecord):
            visits.append(visit)
        else:
            rejected_rows.append(visit)
    return ReturnedRows(visits, pd.DataFrame(rejected_rows, columns=_REJECTED_COLUMNS), pending)


def _date_issue(issues: str) -> str:
    return next((part for part in issues.split("；") if "日期无法识别" in part), "走访日期无法识别")


# -- what a visit does to the person's record ----------------------------------------------------------------


def category_of(person: Mapping[str, Any]) -> str:
    """The person category from the five statuses, as the comparison defines it (a scheme outside the county's
    lists counts as covered); those who died or moved out, and those away with nothing applicable, apart."""
    if person.get("deceased"):
        return "deceased"
    if person.get("moved_out"):
        return "moved_out"
    statuses = [person[i] for i in INSURANCES if person.get(i) not in (None, "not_applicable")]
    if not statuses:
        return "away"  # a living person always has medical applicable, unless a visit found them away
    missing = sum(s == "missing" for s in statuses)
    if missing == 0:
        return "insured_full"
    return "uninsured" if missing == len(statuses) else "partial"


def _close_gaps(person: dict[str, Any], insurances: Iterable[str], status: str) -> None:
    for insurance in insurances:
        if person.get(insurance) == "missing":
            person[insurance] = status


def apply_visit(person: dict[str, Any], visit: VisitRecord, survey: Survey) -> list[tuple[str, str, str]]:
    """Change `person` in place as the visit says; returns (field, before, after) of every change. No outcome
    makes an insurance `insured`: only a department's list does."""
    before = {name: person.get(name) for name in PERSON_FIELDS}
    outcome = survey.outcomes.get(visit.outcome)
    if outcome is not None:
        if outcome.registers:
            registered = person.get("registered_on")
            if registered is None or pd.isna(registered) or visit.visited_on < registered:
                person["registered_on"] = visit.visited_on
        _close_gaps(person, outcome.covered, outcome.covered_as)
        if outcome.away:
            _close_gaps(person, INSURANCES, "not_applicable")
        if outcome.deceased:
            person["deceased"] = True
        if outcome.moved_out:
            person["moved_out"] = True
        if outcome.deceased or outcome.moved_out:
            _close_gaps(person, INSURANCES, "not_applicable")  # off the gap figures (应保未保)
    for name, value in visit.corrections.items():
        person[name] = date.fromisoformat(value) if name == "birth_date" else value
    person["category"] = category_of(person)
    latest = person.get("surveyed_on")
    if latest is None or pd.isna(latest) or visit.visited_on >= latest:
        person["survey_outcome"] = visit.outcome
        person["surveyed_on"] = visit.visited_on
    return [
        (name, _audit_text(before[name]), _audit_text(person.get(name)))
        for name in PERSON_FIELDS
        if before[name] != person.get(name)
    ]


def _audit_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def overlay_visits(persons: pd.DataFrame, visits: Iterable[VisitRecord], survey: Survey) -> pd.DataFrame:
    """A fresh comparison's persons with every recorded visit applied again, oldest first: a comparison
    must not undo what the villages found. Persons not in the comparison are left out (they left the register)."""
    frame = persons.copy()
    frame["survey_outcome"] = ""
    frame["surveyed_on"] = None
    frame["registered_on"] = None
    if "moved_out" not in frame:
        frame["moved_out"] = False
    ordered = sorted(visits, key=lambda v: v.visited_on)
    if not ordered:
        return frame
    position = pd.Series(range(len(frame)), index=frame["id_number"].astype(str))
    position = position[~position.index.duplicated()]
    touched: dict[int, dict[str, Any]] = {}
    for visit in ordered:
        at = position.get(visit.id_number)
        if at is None:
            continue
        row = touched.get(int(at))
        if row is None:
            row = {name: frame.iat[int(at), frame.columns.get_loc(name)] for name in PERSON_FIELDS if name in frame}
            row["surveyed_on"] = None
            row["survey_outcome"] = ""
            row["registered_on"] = None
            touched[int(at)] = row
        apply_visit(row, visit, survey)
    if touched:
        rows = list(touched)
        for name in PERSON_FIELDS:
            if name in frame.columns:
                values: Any = [touched[r].get(name) for r in rows]
                if pd.api.types.is_datetime64_any_dtype(frame[name].dtype):
                    values = pd.to_datetime(pd.Series(values)).astype(frame[name].dtype).to_numpy()
                elif name in ("surveyed_on", "registered_on") or isinstance(frame[name].dtype, pd.CategoricalDtype):
                    frame[name] = frame[name].astype(object)  # new values need not be among the categories
                frame.iloc[rows, frame.columns.get_loc(name)] = values
    return frame


def correction_lists(
    visits: Iterable[VisitRecord], survey: Survey, registry: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[dict[str, str]]]:
    """Per department key, the findings to send back: outcomes it must act on and fields it holds wrong. An
    outcome that needs the township's confirmation (查无此人) is sent only once confirmed.

    `registry`: ID → the person's name and village as the comparison saw them (before corrections)."""
    lists: dict[str, list[dict[str, str]]] = {}
    for visit in sorted(visits, key=lambda v: (v.visited_on, v.id_number)):
        person = registry.get(visit.id_number, {})
        base = {
            "id_number": visit.id_number,
            "name": str(person.get("name", "")),
            "village_code": visit.village_code,
            "visited_on": visit.visited_on.isoformat(),
            "visitor": visit.visitor,
        }
        outcome = survey.outcomes.get(visit.outcome)
        if outcome is not None and (visit.confirmed_on is not None or not outcome.needs_confirmation):
            for department in outcome.notify:
                lists.setdefault(department, []).append(
                    {**base, "finding": outcome.name, "field": "", "before": "", "after": ""}
                )
        for name, value in visit.corrections.items():
            item = survey.corrections.get(name)
            if item is None:
                continue
            lists.setdefault(item.notify, []).append(
                {
                    **base,
                    "finding": "信息更正",
                    "field": item.label,
                    "before": _audit_text(person.get(name)),
                    "after": value,
                }
            )
    return lists


def township_follow_ups(
    visits: Iterable[VisitRecord], survey: Survey, registry: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[dict[str, str]]]:
    """Per township code, the persons it must follow up: those flagged for it (外出务工（人户分离）: still on the
    list and the gap figures) and the findings it must confirm before a department hears of them (查无此人)."""
    lists: dict[str, list[dict[str, str]]] = {}
    for visit in sorted(visits, key=lambda v: (v.visited_on, v.id_number)):
        outcome = survey.outcomes.get(visit.outcome)
        if outcome is None:
            continue
        if outcome.flag_township:
            action = "人户分离，请你镇（乡）跟踪联系、动员参保"
        elif outcome.needs_confirmation and visit.confirmed_on is None:
            action = "请你镇（乡）核实确认后报公安等部门"
        else:
            continue
        person = registry.get(visit.id_number, {})
        lists.setdefault(visit.township_code, []).append(
            {
                "id_number": visit.id_number,
                "name": str(person.get("name", "")),
                "village_code": visit.village_code,
                "finding": outcome.name,
                "action": action,
                "reason": visit.reason,
                "visited_on": visit.visited_on.isoformat(),
                "visitor": visit.visitor,
            }
        )
    return lists


# -- progress as a campaign sees it -----------------------------------------------------------------------------


def completion_facts(
    campaign: Campaign, to_visit: pd.DataFrame, visits: pd.DataFrame, as_of: date
) -> list[CompletionFact]:
    """The survey milestones of each township whose every listed person has been visited by `as_of`, done on
    the day the last of them was first visited."""
    keys = [m.key for m in campaign.milestones if m.completed_by == "survey"]
    if to_visit.empty or not keys:
        return []
    when = pd.to_datetime(visits["visited_on"]).dt.normalize()
    valid = visits[(when <= pd.Timestamp(as_of)) & visits["outcome"].fillna("").astype(str).ne("")]
    first = pd.to_datetime(valid["visited_on"]).groupby(valid["id_number"].astype(str)).min()
    listed = to_visit.assign(first=to_visit["id_number"].astype(str).map(first))
    days: dict[str, date | None] = {}
    for township, group in listed.groupby("township_code", sort=True):
        days[str(township)] = None if group["first"].isna().any() else pd.Timestamp(group["first"].max()).date()
    return facts_from_days(campaign, days)


def facts_from_days(campaign: Campaign, days: Mapping[str, date | None]) -> list[CompletionFact]:
    """The survey milestones of the townships whose lists were finished (on the day given; None: not yet)."""
    keys = [m.key for m in campaign.milestones if m.completed_by == "survey"]
    return [CompletionFact(key, township, day) for township, day in sorted(days.items()) if day for key in keys]
