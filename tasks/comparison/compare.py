"""The cross-department comparison: who is insured, who should be, whose data is wrong. Pure.

Every list is reduced to sorted int64 keys (an 18-digit ID packs into one int64), so membership is a
binary search rather than a string join. Persons are independent of each other, so the work splits by key
into partitions that give the same result run one after another or spread over a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from models.campaign.spec import INSURANCES, Campaign, Comparison, SourceRole
from tasks.identity.idnumber import ids_to_int64
from tasks.wording.render import cn_date

Keys = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

# moved_out and away come only from visits (已迁出; 服兵役, 服刑, 出国（境） with nothing applicable while away).
CATEGORIES = ("insured_full", "partial", "uninsured", "deceased", "moved_out", "away")
STATUSES = ("not_applicable", "insured", "missing")
ANOMALIES = ("duplicate_enrolment", "deceased_enrolled", "inconsistent_identity")
# On a county list but not in the household register (户籍外参保): mostly people from elsewhere who work or live in
# the county, which is normal. It is stored beside the anomalies (same rows: ID, lists, evidence) as information,
# and every reader that speaks of anomalies leaves it out.
OUTSIDE_REGISTER = "outside_register"
EMPLOYMENT = ("employed_insured", "employed_uninsured", "working_age_unemployed")
ENROLMENT_ROLES: tuple[SourceRole, ...] = ("enrolment",)

PERSON_COLUMNS = (
    "id_number", "name", "sex", "birth_date", "age", "township_code", "village_code", "household",
    "household_type", "registered_address", "address", "phone", "deceased", "student", "employed", "employer",
    *INSURANCES, "category", "employment_status", "subsidised", "anomalies", "graduate", "employee_enrolled",
)  # fmt: skip
ANOMALY_COLUMNS = ("id_number", "kind", "sources", "evidence", "village_code")


@dataclass(frozen=True)
class Rules:
    """What the comparison needs from the campaign file, small enough to ship to a worker."""

    comparison: Comparison
    roles: dict[str, SourceRole]
    names: dict[str, str] = field(default_factory=dict)  # source key → its name (职工基本养老保险参保人员)

    @classmethod
    def of(cls, campaign: Campaign) -> Rules:
        if campaign.comparison is None:
            raise ValueError("活动计划中没有比对规则（[comparison]）")
        return cls(
            campaign.comparison,
            {key: s.role for key, s in campaign.sources.items()},
            {key: s.name for key, s in campaign.sources.items()},
        )

    def list_title(self, source: str) -> str:
        """A department's list as a village worker reads it: 职工基本养老保险参保人员名单, never its key."""
        name = self.names.get(source, source)
        return name if name.endswith("名单") else f"{name}名单"

    def list_titles(self, sources: Iterable[str]) -> str:
        return "、".join(self.list_title(source) for source in sources)

    @property
    def enrolment_sources(self) -> list[str]:
        return [key for key, role in self.roles.items() if role in ENROLMENT_ROLES]


@dataclass(frozen=True)
class CompareResult:
    persons: pd.DataFrame  # one row per registered person, PERSON_COLUMNS
    # One row per anomaly and person, ANOMALY_COLUMNS; kind OUTSIDE_REGISTER rows are information, not anomalies.
    anomalies: pd.DataFrame

    @classmethod
    def concat(cls, parts: Sequence[CompareResult]) -> CompareResult:
        if len(parts) == 1:
            return parts[0]
        return cls(
            pd.concat([p.persons for p in parts], ignore_index=True),
            pd.concat([p.anomalies for p in parts], ignore_index=True),
        )


# -- partitioning --------------------------------------------------------------------------------------


def with_keys(frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each list with its int64 `key` column (IDs are already validated by the importer)."""
    keyed = {}
    for source, frame in frames.items():
        frame = frame.reset_index(drop=True)
        frame["key"] = ids_to_int64(frame["id_number"]).to_numpy()
        keyed[source] = frame
    return keyed


def partition(frames: Mapping[str, pd.DataFrame], parts: int) -> list[dict[str, pd.DataFrame]]:
    """Split every keyed list the same way, so each person's rows from all departments meet in one part."""
    if parts <= 1:
        return [dict(frames)]
    buckets: list[dict[str, pd.DataFrame]] = [{} for _ in range(parts)]
    for source, frame in frames.items():
        bucket = (frame["key"].to_numpy() // 11) % parts  # the check digit carries no spread of its own
        for i in range(parts):
            buckets[i][source] = frame[bucket == i]
    return buckets


def compare(frames: Mapping[str, pd.DataFrame], rules: Rules, as_of: date, parts: int = 1) -> CompareResult:
    keyed = with_keys(frames)
    return CompareResult.concat([compare_partition(part, rules, as_of) for part in partition(keyed, parts)])


# -- one partition ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Persons:
    """The partition's persons by key: their keys sorted, and where each sorted key sits among the persons."""

    sorted_keys: Keys
    person_of: npt.NDArray[np.int64]

    @classmethod
    def of(cls, keys: Keys) -> _Persons:
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], order)

    def find(self, query: Keys) -> tuple[npt.NDArray[np.int64], Mask]:
        """For each queried key: the person's position (meaningless where not found) and whether found."""
        if len(self.sorted_keys) == 0:
            return np.zeros(len(query), dtype=np.int64), np.zeros(len(query), dtype=bool)
        # Binary searches in key order touch memory in order: about three times faster than in list order.
        order = np.argsort(query)
        position = np.empty(len(query), dtype=np.int64)
        position[order] = np.searchsorted(self.sorted_keys, query[order])
        position[position >= len(self.sorted_keys)] = 0
        hit = self.sorted_keys[position] == query
        return self.person_of[position], np.asarray(hit, dtype=bool)

    def mark(self, query: Keys) -> Mask:
        """Which persons appear among the queried keys."""
        return self.mark_found(*self.find(query))

    def mark_found(self, where: npt.NDArray[np.int64], hit: Mask) -> Mask:
        mask = np.zeros(len(self.sorted_keys), dtype=bool)
        mask[where[hit]] = True
        return mask


def compare_partition(frames: Mapping[str, pd.DataFrame], rules: Rules, as_of: date) -> CompareResult:
    c = rules.comparison
    register = frames[c.population]
    register_keys: Keys = register["key"].to_numpy()
    first = _first_occurrences(register_keys)
    people = (register if first is None else register.iloc[first]).reset_index(drop=True)
    keys: Keys = register_keys if first is None else register_keys[first]
    index = _Persons.of(keys)
    n = len(keys)

    # Each list is looked up among the persons once; membership, names and outsiders all reuse it.
    lookups = {source: index.find(frame["key"].to_numpy()) for source, frame in frames.items()}
    on = {source: index.mark_found(*lookup) for source, lookup in lookups.items() if source != c.population}
    empty = np.zeros(n, dtype=bool)

    def listed(sources: Iterable[str]) -> Mask:
        mask = empty.copy()
        for source in sources:
            mask |= on.get(source, empty)
        return mask

    deceased = index.mark(_dead_keys(frames.get(c.deaths), as_of))
    birth = _birth_ints(people["id_number"])
    age = ((_date_int(as_of) - birth) // 10000).astype(np.int64)
    male = _male(people["id_number"])
    student = listed(s for s, role in rules.roles.items() if role == "students")
    graduate = listed(s for s, role in rules.roles.items() if role == "graduates")  # 大学生档案
    employee_enrolled = listed(c.employee_lists)
    employed = on.get(c.employment, empty)
    living = ~deceased

    statuses: dict[str, pd.Categorical] = {}
    insured_all = np.ones(n, dtype=bool)
    insured_any = empty.copy()
    for insurance in INSURANCES:
        rule = c.insurances.get(insurance)
        if rule is None:
            statuses[insurance] = _categories(np.zeros(n, dtype=np.int8), STATUSES)
            continue
        applies = living & (age >= rule.min_age) & ~listed(rule.excluded_by)
        if rule.requires:
            applies &= listed(rule.requires)
        covered = listed(rule.covered_by)
        statuses[insurance] = _categories(applies * (1 + ~covered), STATUSES)  # 0 n/a, 1 insured, 2 missing
        insured_all &= ~applies | covered
        insured_any |= applies & covered

    category = np.select([deceased, insured_all, insured_any], [3, 0, 1], default=2)
    pension_rule = c.insurances.get("pension")
    pensioned = listed(pension_rule.covered_by) if pension_rule else empty
    max_age = np.where(male, c.working_age_max_male, c.working_age_max_female)
    working_age = living & ~student & (age >= c.working_age_min) & (age < max_age)
    employment_status = np.select(
        [living & employed & pensioned, living & employed, working_age & ~employed], [1, 2, 3], default=0
    )

    found, person_flags = _anomalies(frames, rules, people, keys, lookups, on, deceased)
    persons = pd.DataFrame(
        {
            "id_number": people["id_number"],
            "name": _text(people, "name"),
            "sex": _categories(male.astype(np.int8), ("女", "男")),
            "birth_date": _dates(birth),
            "age": age,
            "township_code": _text(people, "township_code"),
            "village_code": _text(people, "village_code"),
            "household": _text(people, "household"),
            "household_type": _text(people, "household_type"),
            "registered_address": _text(people, "registered_address"),
            "address": _text(people, "address"),
            "phone": _text(people, "phone"),
            "deceased": deceased,
            "student": student,
            "employed": employed,
            "employer": _first_value(n, frames.get(c.employment), lookups.get(c.employment), "employer"),
            **statuses,
            "category": _categories(category, CATEGORIES),
            "employment_status": _categories(employment_status, ("", *EMPLOYMENT)),
            "subsidised": _flag_sets([(s, on.get(s, empty)) for s in c.subsidised], n),
            "anomalies": _flag_sets(person_flags, n),
            "graduate": graduate,
            "employee_enrolled": employee_enrolled,
        }
    )
    return CompareResult(persons[list(PERSON_COLUMNS)], found[list(ANOMALY_COLUMNS)])


def _first_occurrences(keys: Keys) -> npt.NDArray[np.int64] | None:
    """Positions of each key's first row, in the original order; None when every key is unique."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]] if len(keys) else np.zeros(0, dtype=bool)
    if first.all():
        return None
    return np.sort(order[first])


def _anomalies(
    frames: Mapping[str, pd.DataFrame],
    rules: Rules,
    people: pd.DataFrame,
    keys: Keys,
    lookups: Mapping[str, tuple[npt.NDArray[np.int64], Mask]],
    on: Mapping[str, Mask],
    deceased: Mask,
) -> tuple[pd.DataFrame, list[tuple[str, Mask]]]:
    """Every anomaly with its evidence, and per person which kinds of anomaly they carry."""
    c = rules.comparison
    ids = pd.Series(people["id_number"]).to_numpy()
    villages = _text(people, "village_code").to_numpy()
    empty = np.zeros(len(keys), dtype=bool)
    found: list[pd.DataFrame] = []
    flags: list[tuple[str, Mask]] = []

    def add(kind: str, where: npt.NDArray[np.int64], sources: Sequence[str], evidence: Sequence[str]) -> None:
        found.append(
            pd.DataFrame(
                {"id_number": ids[where], "kind": kind, "sources": list(sources), "evidence": list(evidence),
                 "village_code": villages[where]}
            )
        )  # fmt: skip

    duplicate = empty.copy()
    for a, b in c.duplicate_pairs:
        both = on.get(a, empty) & on.get(b, empty)
        where = np.flatnonzero(both)
        both_lists = f"同时在{rules.list_title(a)}和{rules.list_title(b)}中"
        add("duplicate_enrolment", where, [f"{a},{b}"] * len(where), [both_lists] * len(where))
        duplicate |= both
    flags.append(("duplicate_enrolment", duplicate))

    enrolled = [(s, on.get(s, empty)) for s in rules.enrolment_sources]
    still_enrolled = deceased & np.logical_or.reduce([m for _s, m in enrolled] or [empty])
    where = np.flatnonzero(still_enrolled)
    lists = [[s for s, m in enrolled if m[i]] for i in where]
    add("deceased_enrolled", where, [",".join([c.deaths, *x]) for x in lists],
        [f"已火化，仍在{rules.list_titles(x)}中" for x in lists])  # fmt: skip
    flags.append(("deceased_enrolled", still_enrolled))

    inconsistent = _inconsistent_identity(frames, c.population, people, lookups, rules.list_title)
    positions = sorted(inconsistent)
    where = np.asarray(positions, dtype=np.int64)
    add(
        "inconsistent_identity",
        where,
        [",".join(dict.fromkeys(s for s, _e in inconsistent[i])) for i in positions],
        ["；".join(e for _s, e in inconsistent[i]) for i in positions],
    )
    mask = empty.copy()
    mask[where] = True
    flags.append(("inconsistent_identity", mask))

    outside_keys, outside_bits, outside_ids = [], [], []
    sources = [source for source in rules.roles if source != c.population and source in lookups]
    for bit, source in enumerate(sources):  # on a county list but not in the population register (户籍外)
        _where, hit = lookups[source]
        if not hit.all():
            absent = np.flatnonzero(~hit)
            outside_keys.append(frames[source]["key"].to_numpy()[absent])
            outside_ids.append(frames[source]["id_number"].to_numpy()[absent])
            outside_bits.append(np.full(len(absent), 1 << bit, dtype=np.int64))
    if outside_keys:
        all_keys = np.concatenate(outside_keys)
        order = np.argsort(all_keys, kind="stable")
        ordered = all_keys[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        bits = np.bitwise_or.reduceat(np.concatenate(outside_bits)[order], starts)
        on_lists = {int(b): [s for i, s in enumerate(sources) if b >> i & 1] for b in np.unique(bits)}
        listed_in = [",".join(on_lists[int(b)]) for b in bits]
        titles = {b: rules.list_titles(k) for b, k in on_lists.items()}
        found.append(
            pd.DataFrame(
                {
                    "id_number": np.concatenate(outside_ids)[order[starts]],
                    "kind": OUTSIDE_REGISTER,
                    "sources": listed_in,
                    "evidence": [f"不在{rules.list_title(c.population)}中，出现在{titles[int(b)]}中" for b in bits],
                    "village_code": None,
                }
            )
        )
    frame = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=list(ANOMALY_COLUMNS))
    return frame, flags


def _inconsistent_identity(
    frames: Mapping[str, pd.DataFrame],
    population: str,
    people: pd.DataFrame,
    lookups: Mapping[str, tuple[npt.NDArray[np.int64], Mask]],
    list_title: Callable[[str], str] = str,
) -> dict[int, list[tuple[str, str]]]:
    """Per person position: (source, evidence) of a name differing from the register's (a second register row
    for the same ID included), or of the register's own sex or birth date contradicting the ID."""
    found: dict[int, list[tuple[str, str]]] = {}
    names = _arrow(people, "name")
    for source, frame in frames.items():
        if "name" not in frame or frame.empty:
            continue
        where, hit = lookups[source]  # for the register itself: a second row for an ID against the first
        rows = np.flatnonzero(hit)
        given = pc.take(_arrow(frame, "name"), pa.array(rows))
        expected = pc.take(names, pa.array(where[rows]))
        differ = np.asarray(pc.fill_null(pc.not_equal(given, expected), False).to_numpy(zero_copy_only=False))
        for row in np.flatnonzero(differ):
            person = int(where[rows[row]])
            evidence = f"{list_title(source)}中姓名为“{given[row].as_py()}”，户籍为“{expected[row].as_py()}”"
            found.setdefault(person, []).append((source, evidence))
    if "sex" in people and "id_sex" in people:
        given_sex, id_sex = _arrow(people, "sex"), _arrow(people, "id_sex")
        differ = pc.and_(pc.not_equal(given_sex, ""), pc.not_equal(given_sex, id_sex))
        for position in np.flatnonzero(np.asarray(pc.fill_null(differ, False).to_numpy(zero_copy_only=False))):
            person = int(position)
            found.setdefault(person, []).append((population, f"户籍性别“{given_sex[person].as_py()}”与身份证号不符"))
    if "birth_date" in people and "id_birth_date" in people:
        given_birth = pd.to_datetime(people["birth_date"], errors="coerce").to_numpy()
        id_birth = pd.to_datetime(people["id_birth_date"], errors="coerce").to_numpy()
        differ = ~np.isnat(given_birth) & ~np.isnat(id_birth) & (given_birth != id_birth)
        for position in np.flatnonzero(differ):
            born = cn_date(str(given_birth[position])[:10])
            found.setdefault(int(position), []).append((population, f"户籍出生日期“{born}”与身份证号不符"))
    return found


# -- small vector helpers ---------------------------------------------------------------------------------


def _dead_keys(frame: pd.DataFrame | None, as_of: date) -> npt.NDArray[np.int64]:
    """Deaths known as of the date: a cremation recorded later had not happened yet."""
    if frame is None or frame.empty:
        return np.zeros(0, dtype=np.int64)
    if "death_date" not in frame:
        return np.asarray(frame["key"].to_numpy(), dtype=np.int64)
    died = pd.to_datetime(frame["death_date"], errors="coerce")
    known = (died.isna() | (died <= pd.Timestamp(as_of))).to_numpy()
    return np.asarray(frame["key"].to_numpy()[known], dtype=np.int64)


def _birth_ints(ids: pd.Series) -> npt.NDArray[np.int64]:
    text = pa.array(ids.astype("str"), type=pa.string())
    return np.asarray(pc.cast(pc.utf8_slice_codeunits(text, 6, 14), pa.int64()).to_numpy(), dtype=np.int64)


def _male(ids: pd.Series) -> Mask:
    text = pa.array(ids.astype("str"), type=pa.string())
    sequence_digit = pc.cast(pc.utf8_slice_codeunits(text, 16, 17), pa.int64()).to_numpy()
    return np.asarray(sequence_digit % 2 == 1, dtype=bool)


def _date_int(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype="str")
    values = frame[column]
    return values if not values.hasnans else values.fillna("")


def _arrow(frame: pd.DataFrame, column: str) -> pa.Array:
    """A text column as one Arrow array (no copy for pandas' Arrow-backed strings)."""
    array = pa.array(frame[column].astype("str"), type=pa.large_string())
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _categories(codes: npt.ArrayLike, labels: Sequence[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int16), categories=list(labels))


def _dates(yyyymmdd: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
    years = (yyyymmdd // 10000 - 1970).astype("timedelta64[Y]")
    months = (yyyymmdd // 100 % 100 - 1).astype("timedelta64[M]")
    days = (yyyymmdd % 100 - 1).astype("timedelta64[D]")
    return (
        np.asarray((np.datetime64("1970", "Y") + years).astype("datetime64[M]") + months).astype("datetime64[D]") + days
    )


def _flag_sets(named: Sequence[tuple[str, Mask]], n: int) -> pd.Categorical:
    """Per person, the comma-joined names whose mask is set, as a categorical of every combination."""
    codes = np.zeros(n, dtype=np.int16)
    for bit, (_name, mask) in enumerate(named):
        codes |= mask.astype(np.int16) << bit
    labels = [
        ",".join(name for bit, (name, _m) in enumerate(named) if code >> bit & 1) for code in range(1 << len(named))
    ]
    return _categories(codes, labels)


def _first_value(
    n: int, frame: pd.DataFrame | None, lookup: tuple[npt.NDArray[np.int64], Mask] | None, column: str
) -> pd.Series:
    """Per person, the value of `column` on their first row of `frame` ("" when absent)."""
    if frame is None or lookup is None or column not in frame or frame.empty:
        return pd.Series([""] * n, dtype="str")
    where, hit = lookup
    rows = np.full(n, -1, dtype=np.int64)
    found = np.flatnonzero(hit)[::-1]  # assigned last to first, so the first row wins
    rows[where[found]] = found
    values = pc.take(_arrow(frame, column), pa.array(rows, mask=rows < 0))
    return pd.Series(pc.fill_null(values, "").to_pandas(), dtype="str")


# -- the figures ------------------------------------------------------------------------------------------


def registered_pending(persons: pd.DataFrame) -> pd.DataFrame:
    """Per person, per insurance: registered in a visit (`registered_on`), still on the register (neither dead
    nor moved out) and still `missing` that insurance: registration is not enrolment, only a list closes it."""
    if "registered_on" not in persons:
        return pd.DataFrame(False, index=persons.index, columns=list(INSURANCES))
    registered = persons["registered_on"].notna() & ~persons["category"].isin(["deceased", "moved_out"])
    return pd.DataFrame({i: registered & persons[i].astype(object).eq("missing") for i in INSURANCES})


def summarise(result: CompareResult, campaign: Campaign, as_of: date) -> dict[str, object]:
    """The counts `canbao compare --json` prints: distinct persons (ID numbers) throughout."""
    persons = result.persons
    living = persons[persons["category"] != "deceased"]
    pending = registered_pending(persons)
    pending_person = pending.any(axis=1)
    anomaly_counts = result.anomalies.groupby("kind")["id_number"].nunique()
    outside = result.anomalies[result.anomalies["kind"] == OUTSIDE_REGISTER]
    outside_lists = outside["sources"].astype(str).str.split(",")
    outside_by_source = outside_lists.explode().value_counts()
    rules = campaign.comparison.insurances if campaign.comparison is not None else {}
    by_township = _by_township(persons, pending_person, campaign)
    categories = persons["category"].value_counts()
    employment = persons["employment_status"].value_counts()
    return {
        "as_of": as_of.isoformat(),
        "persons": len(persons),
        "categories": {k: int(categories.get(k, 0)) for k in CATEGORIES},
        "missing_by_insurance": {i: int((living[i] == "missing").sum()) for i in INSURANCES},
        "anomalies": {k: int(anomaly_counts.get(k, 0)) for k in ANOMALIES},
        # Registered in a visit and still missing an insurance that applies: apart from coverage, which only the
        # departments' lists change.
        "registered_pending": int(pending_person.sum()),
        "registered_pending_by_insurance": {i: int(pending[i].sum()) for i in INSURANCES},
        # Information, not an anomaly: enrolled on a county list, absent from the household register.
        "outside_register": int(outside["id_number"].nunique()),
        "outside_register_by_source": {
            key: int(outside_by_source.get(key, 0))
            for key in campaign.sources
            if campaign.comparison is None or key != campaign.comparison.population
        },
        "outside_register_by_insurance": {
            i: int(outside_lists.map(set(rules[i].covered_by).intersection).astype(bool).sum()) if i in rules else 0
            for i in INSURANCES
        },
        "employment": {k: int(employment.get(k, 0)) for k in EMPLOYMENT},
        "subsidised": int((persons["subsidised"] != "").sum()),
        "by_township": by_township,
    }


_TOWNSHIP_CATEGORIES = ("insured_full", "partial", "uninsured", "deceased")


def _by_township(persons: pd.DataFrame, pending_person: pd.Series, campaign: Campaign) -> list[dict[str, object]]:
    """Per township of the campaign (in its order, zeros where it has nobody): persons, categories, `missing`
    per insurance and registered_pending, added up in one grouping of per-person flags."""
    category = persons["category"]
    flags = pd.DataFrame(
        {
            "persons": np.ones(len(persons), dtype=np.int64),
            **{c: (category == c).to_numpy(dtype=np.int64) for c in _TOWNSHIP_CATEGORIES},
            **{i: (persons[i] == "missing").to_numpy(dtype=np.int64) for i in INSURANCES},
            "registered_pending": pending_person.to_numpy(dtype=np.int64),
        }
    )
    sums = flags.groupby(persons["township_code"].to_numpy(), sort=False).sum()
    totals = {str(code): row for code, row in zip(sums.index, sums.to_dict("records"), strict=True)}
    empty = dict.fromkeys(flags.columns, 0)
    by_township: list[dict[str, object]] = []
    for township in campaign.townships:
        row = totals.get(township.code, empty)
        by_township.append(
            {
                "code": township.code,
                "name": township.name,
                "persons": int(row["persons"]),
                **{c: int(row[c]) for c in _TOWNSHIP_CATEGORIES},
                "missing_by_insurance": {i: int(row[i]) for i in INSURANCES},
                "registered_pending": int(row["registered_pending"]),
            }
        )
    return by_township


def combine_summaries(parts: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """The figures of a whole comparison from its partitions' `summarise`: partitions hold disjoint ID
    numbers, so every count adds up; the rest (date, township codes and names) is the same in each."""

    def add(a: object, b: object) -> object:
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            return {key: add(value, b[key]) for key, value in a.items()}
        if isinstance(a, list) and isinstance(b, list):
            return [add(x, y) for x, y in zip(a, b, strict=True)]
        if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
            return a + b
        if a != b:
            raise ValueError(f"partitions disagree: {a!r} != {b!r}")
        return a

    if not parts:
        raise ValueError("no partitions to combine")
    combined: object = dict(parts[0])
    for part in parts[1:]:
        combined = add(combined, part)
    assert isinstance(combined, dict)
    return combined
