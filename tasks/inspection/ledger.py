"""The inspectors' ledger (督查台账, 五（三）): what an inspection found in a township, what must be fixed by when,
and where each finding stands on a day. Pure: text and values in, entries and states out.

Decisions:

* A ledger row (or one `--problem` of `canbao inspect visit add`) is one finding: the inspection's day,
  township, inspectors and villages, the problem, what must be fixed (整改要求) and by when (整改期限). Rows
  with the same day, township and inspectors are one inspection; its villages are those the rows name.
* Required: 督查日期, 乡镇, 督查人员, 发现问题, 整改要求. A blank 整改期限 is the inspection's day plus
  `[inspection.rectification] within_days` (the county office's rule, not the plan's).
* Refused, with the reason in Chinese: a missing required value; a date that cannot be read; an inspection
  before the campaign's start or after the day it is recorded (it has not taken place); a township that does not
  exist; a village that is not one of that township's; a 整改期限 before the inspection; the same problem of the
  same inspection recorded with another 整改要求 or 整改期限 (the first stands: correcting it is the office's
  decision). The same finding again is a duplicate and changes nothing.
* State of a finding on a day: 已整改 (rectified) once the township's report of that day or earlier is
  recorded, else 逾期未整改 (overdue) after its deadline, else 整改中 (open). Findings of inspections after
  the day are not in that day's ledger.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from models.campaign.spec import Campaign, Township
from tasks.wording.render import cn_date

State = Literal["open", "overdue", "rectified"]
STATE_NAMES: dict[str, str] = {"open": "整改中", "overdue": "逾期未整改", "rectified": "已整改"}
REQUIRED = ("visited_on", "township", "inspectors", "problem", "requirement")
_SEPARATORS = re.compile(r"[、,，;；/\s]+")


class LedgerError(ValueError):
    """An inspection or a rectification cannot be recorded as asked; the message says why, in Chinese."""


@dataclass(frozen=True)
class Finding:
    """One finding of one inspection, checked and ready to record."""

    visited_on: date
    township_code: str
    villages: tuple[str, ...]  # village codes the inspection's row names
    inspectors: tuple[str, ...]
    problem: str
    requirement: str
    deadline: date
    file: str = ""
    sheet: str = ""
    row: int = 0

    @property
    def fingerprint(self) -> str:
        """What makes an inspection one: its day, township and inspectors (in any order)."""
        return "|".join([self.visited_on.isoformat(), self.township_code, "、".join(sorted(self.inspectors))])

    @property
    def village_code(self) -> str:
        """The village the problem was found in, when the row names exactly one."""
        return self.villages[0] if len(self.villages) == 1 else ""

    @property
    def where(self) -> str:
        sheet = f"工作表“{self.sheet}”" if self.sheet else ""
        return f"{self.file}{sheet}第 {self.row} 行" if self.file else "命令行"


def split_names(text: str) -> tuple[str, ...]:
    """Names written in one cell: 张三、李四 / 张三,李四 / 张三 李四."""
    return tuple(dict.fromkeys(part for part in _SEPARATORS.split(text.strip()) if part))


def resolve_township(campaign: Campaign, text: str) -> Township | None:
    """A township by its 9-digit code or its Chinese name (with or without its 镇/乡)."""
    text = text.strip()
    for township in campaign.townships:
        if text in (township.code, township.name) or (len(text) >= 2 and township.name.rstrip("镇乡") == text):
            return township
    return None


def resolve_villages(township: Township, text: str, reasons: list[str]) -> tuple[str, ...]:
    """Village codes from names or codes written in one cell; each must be one of the township's."""
    codes: list[str] = []
    for part in split_names(text):
        found = next((v.code for v in township.villages if part in (v.code, v.name)), None)
        if found is None:
            reasons.append(f"村（社区）“{part}”不是{township.name}的村（社区）")
        elif found not in codes:
            codes.append(found)
    return tuple(codes)


def check_finding(
    campaign: Campaign,
    values: Mapping[str, Any],
    *,
    recorded_on: date,
    file: str = "",
    sheet: str = "",
    row: int = 0,
) -> tuple[Finding | None, list[str]]:
    """A finding from its values (visited_on and deadline as dates, None when blank or unreadable, with the
    unreadable text under `<name>_text`; the others as text), or the reasons it is refused."""
    reasons = [
        f"缺少必填项：{LABELS[name]}" for name in REQUIRED if not values.get(name) and not values.get(f"{name}_text")
    ]
    for name in ("visited_on", "deadline"):
        if values.get(name) is None and values.get(f"{name}_text"):
            reasons.append(f"{LABELS[name]}无法识别：{values[f'{name}_text']}")
    township = None
    if values.get("township"):
        township = resolve_township(campaign, str(values["township"]))
        if township is None:
            reasons.append(f"乡镇不存在：{values['township']}")
    villages = resolve_villages(township, str(values.get("villages") or ""), reasons) if township else ()
    visited_on: date | None = values.get("visited_on")
    if visited_on is not None:
        if visited_on < campaign.start:
            reasons.append(f"督查日期{cn_date(visited_on)}早于全民参保登记工作开始日期{cn_date(campaign.start)}")
        elif visited_on > recorded_on:
            reasons.append(f"督查日期{cn_date(visited_on)}晚于登记日期{cn_date(recorded_on)}，督查尚未进行")
    deadline: date | None = values.get("deadline")
    if deadline is None and visited_on is not None and not values.get("deadline_text"):
        deadline = visited_on + timedelta(days=campaign.inspection.rectification.within_days)
    if deadline is not None and visited_on is not None and deadline < visited_on:
        reasons.append(f"整改期限{cn_date(deadline)}早于督查日期{cn_date(visited_on)}")
    if reasons or township is None or visited_on is None or deadline is None:
        return None, reasons
    finding = Finding(
        visited_on=visited_on,
        township_code=township.code,
        villages=villages,
        inspectors=split_names(str(values["inspectors"])),
        problem=str(values["problem"]).strip(),
        requirement=str(values["requirement"]).strip(),
        deadline=deadline,
        file=file,
        sheet=sheet,
        row=row,
    )
    return finding, []


LABELS = {
    "visited_on": "督查日期",
    "township": "乡镇",
    "villages": "村（社区）",
    "inspectors": "督查人员",
    "problem": "发现问题",
    "requirement": "整改要求",
    "deadline": "整改期限",
}


def conflict(earlier: Finding, later: Finding) -> str | None:
    """Why `later`, the same problem of the same inspection as `earlier`, is refused (None: a duplicate)."""
    if (earlier.requirement, earlier.deadline) == (later.requirement, later.deadline):
        return None
    return f"同一次督查的同一问题已在{earlier.where}登记，整改要求或整改期限不同"


# -- where the findings stand ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A recorded finding as the ledger shows it on a day."""

    finding_id: int
    visit_id: int
    visited_on: date
    township_code: str
    township: str
    villages: tuple[str, ...]  # names of the villages the inspection visited
    village: str  # name of the village the problem was found in, or ""
    inspectors: str
    problem: str
    requirement: str
    deadline: date
    state: State
    reported_on: date | None  # the rectification report, when recorded by the day
    note: str
    days_overdue: int  # days past the deadline, while not rectified (0 otherwise)
    rectified_late: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "finding": self.finding_id,
            "inspection": self.visit_id,
            "visited_on": self.visited_on.isoformat(),
            "township_code": self.township_code,
            "township": self.township,
            "villages": list(self.villages),
            "village": self.village,
            "inspectors": self.inspectors,
            "problem": self.problem,
            "requirement": self.requirement,
            "deadline": self.deadline.isoformat(),
            "state": self.state,
            "state_name": state_name(self),
            "reported_on": self.reported_on.isoformat() if self.reported_on else None,
            "note": self.note,
            "days_overdue": self.days_overdue,
        }


def state_of(deadline: date, reported_on: date | None, as_of: date) -> State:
    if reported_on is not None and reported_on <= as_of:
        return "rectified"
    return "overdue" if as_of > deadline else "open"


def state_name(entry: Entry) -> str:
    return "逾期整改" if entry.state == "rectified" and entry.rectified_late else STATE_NAMES[entry.state]


def ledger_entries(
    campaign: Campaign, rows: Iterable[Mapping[str, Any]], as_of: date, township: str | None = None
) -> list[Entry]:
    """The findings of inspections up to `as_of` (of one township when given), each with its state that day.
    `rows`: models.inspection_ledger.ledger_rows as records."""
    township_names = {t.code: t.name for t in campaign.townships}
    village_names = campaign.village_names()
    entries = []
    for r in rows:
        visited_on, deadline = as_day(r["visited_on"]), as_day(r["deadline"])
        code = str(r["township_code"])
        if visited_on > as_of or (township is not None and code != township):
            continue
        reported = None if _blank(r.get("reported_on")) else as_day(r["reported_on"])
        shown = reported if reported is not None and reported <= as_of else None
        state = state_of(deadline, shown, as_of)
        villages = tuple(village_names.get(c, c) for c in str(r.get("villages") or "").split(",") if c)
        entries.append(
            Entry(
                finding_id=int(r["finding_id"]),
                visit_id=int(r["visit_id"]),
                visited_on=visited_on,
                township_code=code,
                township=township_names.get(code, code),
                villages=villages,
                village=village_names.get(str(r.get("village_code") or ""), ""),
                inspectors=str(r["inspectors"]),
                problem=str(r["problem"]),
                requirement=str(r["requirement"]),
                deadline=deadline,
                state=state,
                reported_on=shown,
                note=str(r.get("note") or "") if shown else "",
                days_overdue=(as_of - deadline).days if state == "overdue" else 0,
                rectified_late=shown is not None and shown > deadline,
            )
        )
    return entries


@dataclass(frozen=True)
class TownshipLedger:
    """A township's findings on a day, counted by state."""

    code: str
    name: str
    findings: int
    rectified: int
    open: int
    overdue: int
    rectified_late: int

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("code", "name", "findings", "rectified", "open", "overdue")}


def township_ledgers(campaign: Campaign, entries: Sequence[Entry]) -> list[TownshipLedger]:
    """Every township of the campaign, in its order, with its counts (zero when never inspected)."""
    result = []
    for t in campaign.townships:
        own = [e for e in entries if e.township_code == t.code]
        result.append(
            TownshipLedger(
                code=t.code,
                name=t.name,
                findings=len(own),
                rectified=sum(e.state == "rectified" for e in own),
                open=sum(e.state == "open" for e in own),
                overdue=sum(e.state == "overdue" for e in own),
                rectified_late=sum(e.rectified_late for e in own),
            )
        )
    return result


def as_day(value: Any) -> date:
    """A date as the database or pandas hands it back (date, Timestamp or ISO text)."""
    if isinstance(value, date):
        return value.date() if hasattr(value, "date") and callable(value.date) else value
    return date.fromisoformat(str(value)[:10])


def _blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
