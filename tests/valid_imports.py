"""Files that every importer must accept, built row by row so the test knows what each must read.

Each importer's `Kind` draws records that are valid by construction (an ID that passes the check character, a
known place, a date inside the window, an outcome or result that exists, distinct keys) and the values the
importer must return for each of them. `valid_tables` lays them out as a department or a village would: any
synonym of each heading (spaced, full width, marked required or with a bracketed note), in any order,
optional columns left out, a 序号 column, title rows above, notes below, blank rows between, exact copies of
rows (which must be counted as duplicates) and, for returned lists and spot checks, rows without a result yet
(which must be counted as pending).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from models.campaign.spec import DEFAULT_ATTENDANCE_COLUMNS, DEFAULT_SESSION_COLUMNS, Campaign, training_window
from tasks.inspection.spot_checks import spot_check_source
from tasks.survey.visits import returned_list_source
from tasks.training.standings import training_of
from tests.ingest_files import GIVEN, SURNAMES, make_id

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Row:
    """One written row: its cells by field, and what the importer must accept from it (None: pending)."""

    cells: dict[str, Any]
    key: Key | None
    unique: Any  # rows of one file differ in this (an ID, or the importer's own key)


@dataclass(frozen=True)
class Table:
    titles: list[list[Any]]
    header: list[Any]
    rows: list[list[Any]]
    notes: list[list[Any]]


@dataclass(frozen=True)
class Expected:
    """What reading a valid table must give: every row written is accepted, a duplicate or pending."""

    accepted: list[Key]
    duplicates: int
    pending: int

    @property
    def rows_written(self) -> int:
        return len(self.accepted) + self.duplicates + self.pending


@dataclass(frozen=True)
class ValidTable:
    table: Table
    expected: Expected


@dataclass(frozen=True)
class Kind:
    columns: dict[str, list[str]]
    required: tuple[str, ...]  # always written: the importer needs them to accept a row
    record: Callable[[st.DrawFn, frozenset[str]], Row]  # one valid row, for the fields the file has
    pend: Callable[[Row], Row] | None = None  # the row with its result left blank


def _gbk(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


names = st.tuples(st.sampled_from(SURNAMES), st.text(alphabet=GIVEN, min_size=1, max_size=2)).map("".join)
phones = st.integers(0, 10**8 - 1).map(lambda n: f"139{n:08d}")


def day_between(first: date, last: date) -> st.SearchStrategy[date]:
    return st.integers(0, (last - first).days).map(lambda n: first + timedelta(days=n))


def date_cell(day: date) -> st.SearchStrategy[Any]:
    """A date as departments write it: in several text forms, or (kept only in .xlsx) a date cell."""
    return st.sampled_from(
        [
            day.isoformat(),
            f"{day.year}/{day.month}/{day.day}",
            f"{day:%Y%m%d}",
            f"{day.year}年{day.month}月{day.day}日",
            datetime(day.year, day.month, day.day),
        ]
    )


def person_ids(count: int, first_seq: int) -> list[str]:
    return [make_id(date(1940, 1, 1) + timedelta(days=97 * k), first_seq + k) for k in range(count)]


class Kinds:
    """The five importers' valid rows for one campaign, the persons listed and the spot-check sample."""

    def __init__(self, campaign: Campaign, as_of: date, listed: list[str], sampled: list[str], sample_day: date):
        self.campaign = campaign
        self.as_of = as_of
        self.listed = listed
        self.sampled = sampled
        self.sample_day = sample_day
        counts = Counter(v.name for t in campaign.townships for v in t.villages)
        self.villages = [
            (t.name, v.name, v.code, counts[v.name] == 1)
            for t in campaign.townships
            for v in t.villages
            if _gbk(t.name + v.name)
        ]
        self.townships = [(t.code, t.name) for t in campaign.townships if _gbk(t.name)]

    def household(self) -> Kind:
        def record(draw: st.DrawFn, fields: frozenset[str]) -> Row:
            born = draw(day_between(date(1930, 1, 1), date(2016, 12, 31)))
            seq = draw(st.integers(0, 999))
            id_number = make_id(born, seq)
            township, village, code, unique = draw(st.sampled_from(self.villages))
            forms = [code, village] if unique or "township" in fields else [code]
            name = draw(names)
            cells = {
                "id_number": id_number,
                "name": name,
                "sex": "男" if seq % 2 else "女",
                "birth_date": draw(date_cell(born)),
                "household_type": draw(st.sampled_from(["农业", "非农业", "农业户口"])),
                "township": township,
                "village": draw(st.sampled_from(forms)),
                "household": f"H{draw(st.integers(1, 99999)):05d}",
                "registered_address": f"{township}{village}{draw(st.integers(1, 300))}号",
                "address": f"{township}{village}{draw(st.integers(1, 300))}号",
                "phone": draw(phones),
            }
            return Row(cells, (id_number, name, code), id_number)

        columns = self.campaign.sources["household"].columns
        return Kind(columns, ("id_number", "name", "village"), record)

    def survey(self) -> Kind:
        outcomes = {
            text: code
            for code, outcome in self.campaign.survey.outcomes.items()
            if not outcome.needs_correction
            for text in (outcome.name, *outcome.aliases)
        }
        # An outcome that needs a reason (拒绝登记) is valid only in a table with a 未参保原因 column.
        needs_reason = {text for text, code in outcomes.items() if self.campaign.survey.outcomes[code].needs_reason}
        intents = ["", *(t for i in self.campaign.survey.intents.values() for t in (i.name, *i.aliases))]
        first_day = self.campaign.survey_window()[0]

        def record(draw: st.DrawFn, fields: frozenset[str]) -> Row:
            id_number = draw(st.sampled_from(self.listed))
            allowed = sorted(outcomes) if "not_insured_reason" in fields else sorted(set(outcomes) - needs_reason)
            outcome = draw(st.sampled_from(allowed))
            visited = draw(st.one_of(st.none(), day_between(first_day, self.as_of)))
            cells = {
                "id_number": id_number,
                "name": draw(names),
                "outcome": outcome,
                "corrections": draw(st.sampled_from(["", f"联系电话：{draw(phones)}"])),
                "not_insured_reason": draw(st.sampled_from(["经济困难", "不愿缴费"]))
                if outcome in needs_reason
                else "",
                "intent": draw(st.sampled_from(intents)),
                "visitor": draw(names),
                "card_number": draw(st.sampled_from(["", "AX100-001", "ａｘ 100-002"])),
                "visited_on": "" if visited is None else draw(date_cell(visited)),
            }
            on = visited if visited is not None and "visited_on" in fields else self.as_of
            return Row(cells, (id_number, outcomes[outcome], on), id_number)

        def pend(row: Row) -> Row:
            return replace(row, cells={**row.cells, "outcome": "", "corrections": ""}, key=None)

        return Kind(returned_list_source(self.campaign).columns, ("id_number", "outcome"), record, pend)

    def sessions(self) -> Kind:
        window = training_window(self.campaign, training_of(self.campaign))
        assert window is not None
        first, last = window

        def record(draw: st.DrawFn, fields: frozenset[str]) -> Row:
            code, name = draw(st.sampled_from(self.townships))
            day = draw(day_between(first, last))
            place = draw(st.sampled_from(["会议室", "镇政府三楼会议室", "文化站", "便民服务中心"]))
            capacity = draw(st.integers(1, 300))
            cells = {
                "township": draw(st.sampled_from([code, name, name[:-1]])),
                "date": draw(date_cell(day)),
                "place": place,
                "trainer": draw(names),
                "capacity": draw(st.sampled_from([capacity, str(capacity), f"{capacity}人"])),
            }
            return Row(cells, (code, day, place, capacity), (code, day))

        return Kind(DEFAULT_SESSION_COLUMNS, ("township", "date", "place", "capacity"), record)

    def attendance(self) -> Kind:
        window = training_window(self.campaign, training_of(self.campaign))
        assert window is not None
        first = window[0]
        answers = {"是": True, "√": True, "已签到": True, "1": True, "否": False, "缺席": False, "请假": False}

        def record(draw: st.DrawFn, fields: frozenset[str]) -> Row:
            code, township = draw(st.sampled_from(self.townships))
            day = draw(day_between(first, self.as_of))
            name = draw(names)
            unit = draw(st.sampled_from(["县人社局", f"{township}人民政府", "新安社区居委会", "山盘村委会"]))
            answer = draw(st.sampled_from(sorted(answers)))
            cells = {
                "township": draw(st.sampled_from([code, township])),
                "date": draw(date_cell(day)),
                "name": name,
                "unit": unit,
                "role": draw(st.sampled_from(["协管员", "村主任", "专干"])),
                "phone": draw(phones),
                "attended": answer,
            }
            unit_read = unit if "unit" in fields else ""
            attended = answers[answer] if "attended" in fields else True
            return Row(cells, (code, day, name, unit_read, attended), (code, day, name, unit_read))

        return Kind(DEFAULT_ATTENDANCE_COLUMNS, ("township", "date", "name"), record)

    def inspection(self) -> Kind:
        results = {
            text: code
            for code, result in self.campaign.inspection.results.items()
            for text in (result.name, *result.aliases)
        }

        def record(draw: st.DrawFn, fields: frozenset[str]) -> Row:
            id_number = draw(st.sampled_from(self.sampled))
            result = draw(st.sampled_from(sorted(results)))
            checked = draw(st.one_of(st.none(), day_between(self.sample_day, self.as_of)))
            cells = {
                "id_number": id_number,
                "name": draw(names),
                "result": result,
                "note": draw(st.sampled_from(["", "本人在家", "电话核实"])),
                "inspector": draw(names),
                "checked_on": "" if checked is None else draw(date_cell(checked)),
                "sample": draw(st.sampled_from(["1", 1])),
            }
            on = checked if checked is not None and "checked_on" in fields else self.as_of
            return Row(cells, (id_number, results[result], on), id_number)

        def pend(row: Row) -> Row:
            return replace(row, cells={**row.cells, "result": ""}, key=None)

        return Kind(spot_check_source(self.campaign).columns, ("id_number", "result"), record, pend)


_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def heading_as_written(synonym: str) -> st.SearchStrategy[str]:
    """A listed synonym as exports head a column: as listed, spaced out, in full width, marked required, with a
    colon or a bracketed note (the importer must read each as the synonym)."""
    return st.sampled_from(
        [
            synonym,
            "\u3000".join(synonym),
            f" {synonym} ",
            synonym.translate(_FULL_WIDTH),
            f"*{synonym}",
            f"{synonym}：",
            f"{synonym}（必填）",
            f"【选填】{synonym}",
            f"※{synonym}(必填项)：",
        ]
    )


TITLES: list[list[Any]] = [["安溪县全民参保登记"], ["单位：人", None, "填报日期：2017年5月"], []]
NOTES: list[list[Any]] = [["备注：以上数据截至4月30日"], ["制表人：李四", None, "审核人：王五"], ["合计"], []]


@st.composite
def valid_tables(draw: st.DrawFn, kind: Kind) -> ValidTable:
    """A table every row of which the importer must account for as accepted, duplicate or pending."""
    optional = [f for f in kind.columns if f not in kind.required]
    chosen = draw(st.lists(st.sampled_from(optional), unique=True)) if optional else []
    fields = draw(st.permutations([*kind.required, *chosen]))
    present = frozenset(fields)
    header: list[Any] = [draw(st.sampled_from(kind.columns[f]).flatmap(heading_as_written)) for f in fields]
    serial = draw(st.none() | st.integers(0, len(header)))
    records: list[Row] = []
    for _ in range(draw(st.integers(1, 12))):
        row = kind.record(draw, present)
        if all(row.unique != r.unique for r in records):  # a clash is left out: the file stays valid
            records.append(row)
    if kind.pend is not None:
        some = st.integers(0, 3).map(lambda n: n == 0)  # about one row in four not visited or checked yet
        blank = draw(st.lists(some, min_size=len(records), max_size=len(records)))
        records = [kind.pend(r) if b else r for r, b in zip(records, blank, strict=True)]
    copies = draw(st.lists(st.sampled_from(records), max_size=3))
    written = list(records)
    for copy in copies:  # an exact copy is counted as a duplicate wherever it is placed after the first
        at = written.index(copy) + 1
        written.insert(draw(st.integers(at, len(written))), copy)
    grid: list[list[Any]] = [[row.cells[f] for f in fields] for row in written]
    if serial is not None:
        header.insert(serial, "序号")
        for n, cells in enumerate(grid, start=1):
            cells.insert(serial, n)
    for _ in range(draw(st.integers(0, 2))):
        grid.insert(draw(st.integers(0, len(grid))), [None] * len(header))  # a blank row is no data
    expected = Expected(
        accepted=[r.key for r in records if r.key is not None],
        duplicates=len(copies),
        pending=sum(r.key is None for r in records),
    )
    titles = draw(st.lists(st.sampled_from(TITLES), max_size=2))
    notes = draw(st.lists(st.sampled_from(NOTES), max_size=3))
    return ValidTable(Table(titles, header, grid, notes), expected)


def person_pool(count: int) -> list[str]:
    """IDs of persons listed for the survey and drawn for spot checks (distinct from the fuzzing's IDS)."""
    return person_ids(count, first_seq=100)


__all__ = ["Expected", "Kind", "Kinds", "Row", "Table", "ValidTable", "person_pool", "valid_tables"]
