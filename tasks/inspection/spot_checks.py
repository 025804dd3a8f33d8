"""Spot checks (督查抽查): drawing a sample of completed visits, reading the inspectors' results back, and each
township's error rate. Pure: DataFrames and values in and out.

The county inspection group re-visits some of the persons a village reported as visited and writes down
whether the reported outcome holds. Decisions:

* The population of a sample: the township's persons whose latest visit (by visit date, then by arrival) the
  county had received by `as_of` (visit date and received date both on or before it). So drawing again for the
  same day gives the same sample even after later returned lists came in; a person's earlier visit never
  stands in for a later one.
* Reproducible: the visits are put in the order of their keys first, so the input's row order does not
  matter, and every random choice comes from one `numpy.random.Generator` seeded with `seed`, in a fixed
  sequence. The default seed is the first 8 hex digits of SHA-256("<campaign key>|<township code>|<as_of>"),
  read as an integer: the same command twice draws the same sample, another day or township another one. The
  drawn visits are stored with the sample, so it stays known even if a later numpy draws differently.
* Stratified: first one visit in each village with completed visits (when there are more such villages than
  the sample size, `size` villages are chosen at random, every village alike), then the rest of the sample at
  random from the visits not yet drawn. Within both steps a visit's chance follows the weight of its outcome
  (`[inspection.weights]`, default 1): outcomes that take a person off the list without enrolling them can be
  checked more often. A township with no more visits than `size` is sampled whole.
* Reading results: 核查结果 is a result's code, name or alias (any width, any spacing). A blank 核查结果 is not
  checked yet (`pending`): neither recorded nor rejected. A row belongs to the sample its 抽查编号 names; without
  one, to the newest sample holding the person and not yet checked for them, else to the newest holding them.
* Rejected, with the reason in Chinese: a result that is no result; an unknown 抽查编号 or a person not in the
  sample it names; a person in no sample at all; a 核查日期 that cannot be read, lies after the day the results
  came back or before the sample's day; a result for a drawn visit that already has a different one (recorded
  before, or earlier in the same import): the first result stands, a correction is a coordinator's decision.
  A blank 核查日期 means the day the results came back.
* One result per sample and drawn visit: the same result imported again is a duplicate and changes nothing
  (also when its note, inspector or date differ).
* Error rate of a township as of a day: errors / checked over the checks received by that day (checked on or
  before it), every sample of the township together. A result counts as an error as the campaign file said
  when it was recorded. A township never checked has no rate (None), not 0: no check is no evidence of good work.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from models.campaign.spec import Campaign, Inspection, Source
from tasks.intake.cells import rows_as
from tasks.wording.render import cn_date

# Columns of a returned spot-check workbook; the first synonym is the heading canbao writes.
CHECK_COLUMNS: dict[str, list[str]] = {
    "id_number": ["身份证号", "身份证号码", "公民身份号码", "身份证"],
    "name": ["姓名"],
    "result": ["核查结果", "督查结果", "抽查结果"],
    "note": ["核查说明", "核查情况", "情况说明"],
    "inspector": ["核查人", "督查人", "抽查人"],
    "checked_on": ["核查日期", "督查日期", "抽查日期"],
    "sample": ["抽查编号", "抽查批次"],
}
CHECK_FIELDS = ("sample_id", "visit_key", "id_number", "township_code", "village_code", "result", "error", "note",
                "inspector", "checked_on", "received_on", "file", "sheet", "row")  # fmt: skip
REJECT_FIELDS = ["file", "sheet", "row", "reason", "id_number", "name", "result", "note", "inspector", "checked_on",
                 "sample"]  # fmt: skip
_SAMPLE_NUMBER = re.compile(r"^第?(\d+)批?$")


def spot_check_source(campaign: Campaign) -> Source:
    """The importer's view of a returned spot-check workbook: an ID per row, and a 核查结果 column in the header."""
    return Source(
        key="inspection",
        name="督查抽查结果",
        department="",
        due=campaign.end,
        role="survey",
        required=["id_number"],
        header=["result"],
        columns=CHECK_COLUMNS,
    )


def default_seed(campaign_key: str, township: str, as_of: date) -> int:
    text = f"{campaign_key}|{township}|{as_of.isoformat()}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


# -- drawing ------------------------------------------------------------------------------------------------


def latest_visits(visits: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Each person's latest visit among those received by `as_of` (by visit date, then arrival: `seq` if given,
    else the received date and the key)."""
    frame = visits.assign(
        _visited=pd.to_datetime(visits["visited_on"]).dt.normalize(),
        _received=pd.to_datetime(visits["received_on"]).dt.normalize(),
    )
    day = pd.Timestamp(as_of)
    frame = frame[(frame["_visited"] <= day) & (frame["_received"] <= day)]
    arrival = ["seq"] if "seq" in frame.columns else ["_received"]
    frame = frame.sort_values(["id_number", "_visited", *arrival, "key"], kind="mergesort")
    latest = frame.drop_duplicates("id_number", keep="last")
    return latest.drop(columns=["_visited", "_received"]).reset_index(drop=True)


def draw_sample(
    visits: pd.DataFrame,
    township: str,
    size: int,
    as_of: date,
    seed: int,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The visits drawn for a spot check of `township` (see the module docstring), ordered by village and ID."""
    if size < 1:
        raise ValueError("size must be at least 1")
    latest = latest_visits(visits, as_of)
    pool = latest[latest["township_code"].astype(str) == township]
    pool = pool.sort_values("key", kind="mergesort").reset_index(drop=True)
    if len(pool) <= size:
        chosen = list(range(len(pool)))
    else:
        chosen = _stratified(pool, size, np.random.default_rng(seed), weights or {})
    picked = pool.iloc[chosen]
    return picked.sort_values(["village_code", "id_number", "key"], kind="mergesort").reset_index(drop=True)


def _stratified(pool: pd.DataFrame, size: int, rng: np.random.Generator, weights: Mapping[str, float]) -> list[int]:
    weight = np.array([float(weights.get(str(o), 1.0)) for o in pool["outcome"]])
    village = np.array([str(v) for v in pool["village_code"]], dtype=object)
    villages = sorted(set(village.tolist()))
    if len(villages) > size:
        villages = sorted(str(v) for v in rng.choice(np.array(villages, dtype=object), size=size, replace=False))
    chosen: list[int] = []
    for code in villages:
        members = np.flatnonzero(village == code)
        chosen.append(int(rng.choice(members, p=weight[members] / weight[members].sum())))
    rest = np.setdiff1d(np.arange(len(pool)), np.array(chosen, dtype=np.int64))
    need = size - len(chosen)
    if need > 0:
        extra = rng.choice(rest, size=need, replace=False, p=weight[rest] / weight[rest].sum())
        chosen += [int(i) for i in extra]
    return chosen


# -- reading results back --------------------------------------------------------------------------------------


def _key(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace()).lower()


def result_lookup(inspection: Inspection) -> dict[str, str]:
    """Every way of writing a result (code, name, alias; any width, any spacing) → its code."""
    lookup: dict[str, str] = {}
    for code, result in inspection.results.items():
        for text in (code, result.name, *result.aliases):
            lookup.setdefault(_key(text), code)
    return lookup


@dataclass
class CheckedRows:
    checks: pd.DataFrame  # CHECK_FIELDS: results to record
    rejected: pd.DataFrame  # REJECT_FIELDS: file, sheet, row, reason and the row's cells as received
    pending: int  # rows without a result yet
    duplicates: int  # results recorded before, or twice in these files


@dataclass(frozen=True)
class _Member:
    sample_id: int
    as_of: date
    visit_key: str
    township_code: str
    village_code: str


@dataclass(frozen=True)
class _Samples:
    """The drawn visits by person (newest sample first), and the numbers of all samples."""

    by_person: dict[str, list[_Member]]
    numbers: set[int]

    @classmethod
    def of(cls, members: pd.DataFrame) -> _Samples:
        by_person: dict[str, list[_Member]] = {}
        for row in members.itertuples(index=False):
            item = _Member(int(row.sample_id), _as_date(row.as_of), str(row.visit_key), str(row.township_code),
                           str(row.village_code))  # fmt: skip
            by_person.setdefault(str(row.id_number), []).append(item)
        for found in by_person.values():
            found.sort(key=lambda m: m.sample_id, reverse=True)
        numbers = {int(s) for s in members["sample_id"]} if len(members) else set()
        return cls(by_person, numbers)


# (sample_id, visit_key) → (result code, where it came from); grows with the results of the import being read
_Results = dict[tuple[int, str], tuple[str, str]]


def _recorded_results(recorded: pd.DataFrame) -> _Results:
    return {
        (int(r.sample_id), str(r.visit_key)): (
            str(r.result),
            f"此前导入自 {r.source_file} 第 {int(r.source_row)} 行",
        )
        for r in recorded.itertuples(index=False)
    }


@dataclass(frozen=True)
class _ReturnedRow:
    """One accepted row of a returned workbook: its cells as text, `checked_on` as the importer parsed it."""

    id_number: Any
    result: str
    note: str
    inspector: str
    checked_on: Any
    issues: str
    sample: str
    name: str
    file: Any
    sheet: Any
    row: Any


def _returned_rows(accepted: pd.DataFrame) -> list[_ReturnedRow]:
    """The rows as `_ReturnedRow`s; a column the workbooks did not have gives "" cells."""
    return rows_as(accepted, _ReturnedRow, ("result", "note", "inspector", "issues", "sample", "name"))


@dataclass
class _Judgement:
    """What a row with a result says, and what is wrong with it (`reasons`, in the order they are reported)."""

    code: str | None
    member: _Member | None
    checked_on: date | None
    checked_text: str  # the 核查日期 as read, "" when blank or unreadable
    reasons: list[str]


def _check_date(row: _ReturnedRow, received_on: date) -> tuple[str, date | None, list[str]]:
    """The 核查日期 as text and as a day (blank: the day the results came back; None: unreadable)."""
    checked = row.checked_on
    # A workbook without the 核查日期 column gives "" here, which pd.Timestamp would turn into NaT.
    stamp = pd.NaT if checked is None or checked == "" or pd.isna(checked) else pd.Timestamp(checked)
    checked_text = "" if pd.isna(stamp) else stamp.date().isoformat()
    checked_on: date | None = date.fromisoformat(checked_text) if checked_text else received_on
    if not checked_text and "日期无法识别" in row.issues:
        return checked_text, None, [_date_issue(row.issues)]
    return checked_text, checked_on, []


def _date_out_of_order(checked_on: date | None, member: _Member | None, received_on: date) -> list[str]:
    """A check cannot be later than the day its result came back, nor earlier than its sample."""
    if checked_on is None:
        return []
    if checked_on > received_on:
        return [f"核查日期{cn_date(checked_on)}晚于收到日期{cn_date(received_on)}"]
    if member is not None and checked_on < member.as_of:
        return [f"核查日期{cn_date(checked_on)}早于抽样日期{cn_date(member.as_of)}"]
    return []


def _judge(
    row: _ReturnedRow,
    inspection: Inspection,
    lookup: Mapping[str, str],
    samples: _Samples,
    results: _Results,
    received_on: date,
) -> _Judgement:
    reasons: list[str] = []
    code = lookup.get(_key(row.result))
    if code is None:
        names = "、".join(r.name for r in inspection.results.values())
        reasons.append(f"核查结果无法识别：{row.result}（可填：{names}）")
    checked_text, checked_on, date_problems = _check_date(row, received_on)
    reasons += date_problems
    found = samples.by_person.get(str(row.id_number), [])
    member, problem = _member_of(found, row.sample, samples.numbers, results)
    if problem:
        reasons.append(problem)
    reasons += _date_out_of_order(checked_on, member, received_on)
    return _Judgement(code, member, checked_on, checked_text, reasons)


def _repeats_earlier(judgement: _Judgement, inspection: Inspection, results: _Results) -> bool:
    """Whether a sound row repeats the result already known for its drawn visit; a different known result is
    added to the row's reasons instead (the first result stands)."""
    member, code = judgement.member, judgement.code
    if member is None or code is None or judgement.reasons:
        return False
    earlier = results.get((member.sample_id, member.visit_key))
    if earlier is None:
        return False
    if earlier[0] == code:
        return True
    was = inspection.results[earlier[0]].name if earlier[0] in inspection.results else earlier[0]
    judgement.reasons.append(
        f"第 {member.sample_id} 批抽查已有该人员的核查结果“{was}”（{earlier[1]}），与本行不同，未覆盖"
    )
    return False


def _rejected_record(row: _ReturnedRow, judgement: _Judgement) -> dict[str, Any]:
    return {
        "file": row.file,
        "sheet": row.sheet,
        "row": int(row.row),
        "reason": "；".join(judgement.reasons),
        "id_number": row.id_number,
        "name": row.name,
        "result": row.result,
        "note": row.note,
        "inspector": row.inspector,
        "checked_on": judgement.checked_text,
        "sample": row.sample,
    }


def _check_record(
    row: _ReturnedRow, member: _Member, code: str, checked_on: date, inspection: Inspection, received_on: date
) -> dict[str, Any]:
    return {
        "sample_id": member.sample_id,
        "visit_key": member.visit_key,
        "id_number": str(row.id_number),
        "township_code": member.township_code,
        "village_code": member.village_code,
        "result": code,
        "error": inspection.results[code].error,
        "note": row.note,
        "inspector": row.inspector,
        "checked_on": checked_on,
        "received_on": received_on,
        "file": str(row.file),
        "sheet": str(row.sheet),
        "row": int(row.row),
    }


def check_results(
    accepted: pd.DataFrame,
    inspection: Inspection,
    members: pd.DataFrame,
    recorded: pd.DataFrame,
    received_on: date,
) -> CheckedRows:
    """The results in the importer's accepted rows of returned spot-check workbooks, and the rows rejected here.

    `members`: every drawn visit (sample_id, as_of, visit_key, id_number, township_code, village_code);
    `recorded`: the results recorded before (sample_id, visit_key, result, source_file, source_row).
    `accepted` holds raw text for result, note, inspector and sample, `checked_on` as parsed by the importer
    (NaT when blank or unreadable) and the importer's `issues`.
    """
    lookup = result_lookup(inspection)
    samples = _Samples.of(members)
    results = _recorded_results(recorded)
    checks: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    pending = duplicates = 0
    for row in _returned_rows(accepted):
        if not row.result:
            pending += 1
            continue
        judgement = _judge(row, inspection, lookup, samples, results, received_on)
        origin = f"本次导入的 {row.file} 第 {int(row.row)} 行"
        if _repeats_earlier(judgement, inspection, results):
            duplicates += 1
            continue
        member, code, checked_on = judgement.member, judgement.code, judgement.checked_on
        if judgement.reasons or code is None or checked_on is None or member is None:
            rejected.append(_rejected_record(row, judgement))
            continue
        results[(member.sample_id, member.visit_key)] = (code, origin)
        checks.append(_check_record(row, member, code, checked_on, inspection, received_on))
    return CheckedRows(
        checks=pd.DataFrame(checks, columns=list(CHECK_FIELDS)),
        rejected=pd.DataFrame(rejected, columns=REJECT_FIELDS),
        pending=pending,
        duplicates=duplicates,
    )


def _member_of(
    found: list[_Member], number_text: str, samples: set[int], results: Mapping[tuple[int, str], object]
) -> tuple[_Member | None, str | None]:
    """The drawn visit a row reports on, or the reason there is none."""
    if number_text:
        match = _SAMPLE_NUMBER.match(_key(number_text))
        if match is None or int(match.group(1)) not in samples:
            return None, f"抽查编号 {number_text} 不存在"
        wanted = int(match.group(1))
        member = next((m for m in found if m.sample_id == wanted), None)
        return (member, None) if member else (None, f"不在第 {wanted} 批抽查样本中")
    if not found:
        return None, "不在任何督查抽查样本中"
    open_ = [m for m in found if (m.sample_id, m.visit_key) not in results]
    return (open_ or found)[0], None


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _date_issue(issues: str) -> str:
    return next((part for part in issues.split("；") if "日期无法识别" in part), "核查日期无法识别")


# -- error rates ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TownshipRate:
    code: str
    checked: int
    errors: int
    error_rate: float | None  # None: never checked


def error_rates(checks: pd.DataFrame, townships: Iterable[str], as_of: date) -> list[TownshipRate]:
    """Per township (in the order given): checked, errors and the error rate, None when never checked.

    `checks`: township_code, error, checked_on, received_on of every recorded result."""
    day = pd.Timestamp(as_of)
    counted = checks[
        (pd.to_datetime(checks["checked_on"]).dt.normalize() <= day)
        & (pd.to_datetime(checks["received_on"]).dt.normalize() <= day)
    ]
    township = counted["township_code"].astype(str)
    checked = township.value_counts()
    errors = township[counted["error"].astype(bool).to_numpy()].value_counts()
    rates = []
    for code in townships:
        n, wrong = int(checked.get(code, 0)), int(errors.get(code, 0))
        rates.append(TownshipRate(code, n, wrong, wrong / n if n else None))
    return rates
