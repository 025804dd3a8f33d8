"""The cross-department comparison: who is insured, who should be, whose data is wrong. Pure.

Every list is reduced to sorted int64 keys (an 18-digit ID packs into one int64), so membership is a
binary search rather than a string join. Persons are independent of each other, so the work splits by key
into partitions that give the same result run one after another or spread over a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tasks.campaign import INSURANCES, Campaign, Comparison, SourceRole
from tasks.idnumber import ids_to_int64

Keys = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

CATEGORIES = ("insured_full", "partial", "uninsured", "deceased")
ANOMALIES = ("duplicate_enrolment", "deceased_enrolled", "inconsistent_identity", "outside_register")
EMPLOYMENT = ("employed_insured", "employed_uninsured", "working_age_unemployed")
ENROLMENT_ROLES: tuple[SourceRole, ...] = ("enrolment",)

PERSON_COLUMNS = (
    "id_number", "name", "sex", "birth_date", "age", "township_code", "village_code", "household",
    "household_type", "address", "phone", "deceased", "student", "employed", "employer", *INSURANCES,
    "category", "employment_status", "subsidised", "anomalies",
)  # fmt: skip
ANOMALY_COLUMNS = ("id_number", "kind", "sources", "evidence", "village_code")


@dataclass(frozen=True)
class Rules:
    """What the comparison needs from the campaign file, small enough to ship to a worker."""

    comparison: Comparison
    roles: dict[str, SourceRole]

    @classmethod
    def of(cls, campaign: Campaign) -> Rules:
        if campaign.comparison is None:
            raise ValueError("活动计划中没有比对规则（[comparison]）")
        return cls(campaign.comparison, {key: s.role for key, s in campaign.sources.items()})

    @property
    def enrolment_sources(self) -> list[str]:
        return [key for key, role in self.roles.items() if role in ENROLMENT_ROLES]


@dataclass(frozen=True)
class CompareResult:
    persons: pd.DataFrame  # one row per registered person, PERSON_COLUMNS
    anomalies: pd.DataFrame  # one row per anomaly and person, ANOMALY_COLUMNS

    @classmethod
    def concat(cls, parts: Sequence[CompareResult]) -> CompareResult:
        persons = pd.concat([p.persons for p in parts], ignore_index=True)
        anomalies = pd.concat([p.anomalies for p in parts], ignore_index=True)
        return cls(
            persons.sort_values("id_number", ignore_index=True),
            anomalies.sort_values(["kind", "id_number"], ignore_index=True),
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


def compare_partition(frames: Mapping[str, pd.DataFrame], rules: Rules, as_of: date) -> CompareResult:
    c = rules.comparison
    register = frames[c.population].sort_values("key", kind="stable")
    keys_all = register["key"].to_numpy()
    first = np.r_[True, keys_all[1:] != keys_all[:-1]] if len(keys_all) else np.zeros(0, dtype=bool)
    people = register[first].reset_index(drop=True)
    keys: Keys = people["key"].to_numpy()
    n = len(keys)

    on = {source: _members(keys, frame["key"].to_numpy()) for source, frame in frames.items() if source != c.population}
    empty = np.zeros(n, dtype=bool)

    def listed(sources: Iterable[str]) -> Mask:
        mask = empty.copy()
        for source in sources:
            mask |= on.get(source, empty)
        return mask

    deceased = _members(keys, _dead_keys(frames.get(c.deaths), as_of))
    birth = _birth_ints(people["id_number"])
    age = ((_date_int(as_of) - birth) // 10000).astype(np.int64)
    male = _male(people["id_number"])
    student = listed(s for s, role in rules.roles.items() if role == "students")
    employed = on.get(c.employment, empty)
    living = ~deceased

    statuses: dict[str, npt.NDArray[np.object_]] = {}
    applies_any = empty.copy()
    insured_all = np.ones(n, dtype=bool)
    insured_any = empty.copy()
    for insurance in INSURANCES:
        rule = c.insurances.get(insurance)
        if rule is None:
            statuses[insurance] = np.full(n, "not_applicable", dtype=object)
            continue
        applies = living & (age >= rule.min_age) & ~listed(rule.excluded_by)
        if rule.requires:
            applies &= listed(rule.requires)
        covered = listed(rule.covered_by)
        statuses[insurance] = np.where(applies, np.where(covered, "insured", "missing"), "not_applicable")
        applies_any |= applies
        insured_all &= ~applies | covered
        insured_any |= applies & covered

    category = np.where(
        deceased, "deceased", np.where(insured_all, "insured_full", np.where(insured_any, "partial", "uninsured"))
    )
    pension_rule = c.insurances.get("pension")
    pensioned = listed(pension_rule.covered_by) if pension_rule else empty
    max_age = np.where(male, c.working_age_max_male, c.working_age_max_female)
    working_age = living & ~student & (age >= c.working_age_min) & (age < max_age)
    employment_status = np.select(
        [living & employed & pensioned, living & employed, working_age & ~employed],
        ["employed_insured", "employed_uninsured", "working_age_unemployed"],
        default="",
    )
    subsidised = _joined([(s, on.get(s, empty)) for s in c.subsidised])

    anomalies = _anomalies(frames, rules, people, keys, on, deceased)
    flags = anomalies[anomalies["kind"] != "outside_register"].groupby("id_number")["kind"].agg(",".join)
    employer = _first_value(keys, frames.get(c.employment), "employer")

    persons = pd.DataFrame(
        {
            "id_number": people["id_number"].astype("str"),
            "name": _text(people, "name"),
            "sex": np.where(male, "男", "女"),
            "birth_date": pd.to_datetime(birth.astype(str), format="%Y%m%d").date,
            "age": age,
            "township_code": _text(people, "township_code"),
            "village_code": _text(people, "village_code"),
            "household": _text(people, "household"),
            "household_type": _text(people, "household_type"),
            "address": _text(people, "address"),
            "phone": _text(people, "phone"),
            "deceased": deceased,
            "student": student,
            "employed": employed,
            "employer": employer,
            **statuses,
            "category": category,
            "employment_status": employment_status,
            "subsidised": subsidised,
        }
    )
    mapped = persons["id_number"].map(flags)
    persons["anomalies"] = mapped.astype("object").where(mapped.notna(), "").astype("str")
    return CompareResult(persons[list(PERSON_COLUMNS)], anomalies[list(ANOMALY_COLUMNS)])


def _anomalies(
    frames: Mapping[str, pd.DataFrame],
    rules: Rules,
    people: pd.DataFrame,
    keys: Keys,
    on: Mapping[str, Mask],
    deceased: Mask,
) -> pd.DataFrame:
    c = rules.comparison
    ids = people["id_number"].astype("str").to_numpy()
    villages = _text(people, "village_code").to_numpy()
    found: list[pd.DataFrame] = []

    def add(mask: Mask, kind: str, sources: npt.ArrayLike, evidence: npt.ArrayLike) -> None:
        if mask.any():
            found.append(
                pd.DataFrame(
                    {
                        "id_number": ids[mask],
                        "kind": kind,
                        "sources": np.broadcast_to(np.asarray(sources, dtype=object), mask.shape)[mask],
                        "evidence": np.broadcast_to(np.asarray(evidence, dtype=object), mask.shape)[mask],
                        "village_code": villages[mask],
                    }
                )
            )

    empty = np.zeros(len(keys), dtype=bool)
    for a, b in c.duplicate_pairs:
        both = on.get(a, empty) & on.get(b, empty)
        add(both, "duplicate_enrolment", f"{a},{b}", f"同时在 {a} 和 {b} 名单中")

    enrolled = [(s, on.get(s, empty)) for s in rules.enrolment_sources]
    lists = _joined(enrolled)
    add(deceased & (lists != ""), "deceased_enrolled", np.char.add(f"{c.deaths},", lists.astype(str)),
        np.char.add("已火化仍在参保名单：", lists.astype(str)))  # fmt: skip

    inconsistent = _inconsistent_identity(frames, c.population, people, keys)
    if len(inconsistent):
        mask = np.isin(keys, inconsistent.index.to_numpy())
        evidence = inconsistent.reindex(keys[mask])
        found.append(
            pd.DataFrame(
                {
                    "id_number": ids[mask],
                    "kind": "inconsistent_identity",
                    "sources": evidence["sources"].to_numpy(),
                    "evidence": evidence["evidence"].to_numpy(),
                    "village_code": villages[mask],
                }
            )
        )

    outside = []
    for source in rules.roles:  # on any county list but not in the population register (户籍外)
        frame = frames.get(source)
        if source == c.population or frame is None or frame.empty:
            continue
        absent = ~_members(frame["key"].to_numpy(), keys)
        if absent.any():
            outside.append(pd.DataFrame({"key": frame["key"].to_numpy()[absent], "id": frame["id_number"][absent],
                                         "source": source}))  # fmt: skip
    if outside:
        rows = pd.concat(outside, ignore_index=True).drop_duplicates(["key", "source"])
        grouped = rows.groupby("key", sort=True).agg(id_number=("id", "first"), sources=("source", ",".join))
        found.append(
            pd.DataFrame(
                {
                    "id_number": grouped["id_number"].astype("str").to_numpy(),
                    "kind": "outside_register",
                    "sources": grouped["sources"].to_numpy(),
                    "evidence": ("不在户籍名单中，出现在：" + grouped["sources"]).to_numpy(),
                    "village_code": None,
                }
            )
        )
    if not found:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in ANOMALY_COLUMNS})
    return pd.concat(found, ignore_index=True)


def _inconsistent_identity(
    frames: Mapping[str, pd.DataFrame], register_source: str, people: pd.DataFrame, keys: Keys
) -> pd.DataFrame:
    """Per key: the sources and evidence of a name differing from the register's (a second register row
    for the same ID included), or of the register's own sex or birth date contradicting the ID."""
    names = _text(people, "name").to_numpy()
    rows: list[pd.DataFrame] = []
    for source, frame in frames.items():
        if "name" not in frame or frame.empty:
            continue
        fkeys = frame["key"].to_numpy()
        position = np.searchsorted(keys, fkeys)
        position[position >= len(keys)] = 0
        hit = (keys[position] == fkeys) if len(keys) else np.zeros(len(fkeys), dtype=bool)
        given = _text(frame, "name").to_numpy()[hit]
        expected = names[position[hit]]
        differ = pc.not_equal(pa.array(given, type=pa.string()), pa.array(expected, type=pa.string()))
        differ_np = np.asarray(differ.to_numpy(zero_copy_only=False), dtype=bool)
        if differ_np.any():
            rows.append(
                pd.DataFrame(
                    {
                        "key": fkeys[hit][differ_np],
                        "source": source,
                        "evidence": [f"{source} 姓名为“{g}”，户籍为“{e}”" for g, e in
                                     zip(given[differ_np], expected[differ_np], strict=True)],
                    }
                )
            )  # fmt: skip
    for column, id_column, label in (("sex", "id_sex", "性别"), ("birth_date", "id_birth_date", "出生日期")):
        if column not in people or id_column not in people:
            continue
        given = _comparable(people[column])
        expected = _comparable(people[id_column])
        differ = (given != "") & (given != expected)
        if differ.any():
            rows.append(
                pd.DataFrame(
                    {
                        "key": keys[differ.to_numpy()],
                        "source": register_source,
                        "evidence": [f"户籍{label}“{g}”与身份证号不符" for g in given[differ]],
                    }
                )
            )
    if not rows:
        return pd.DataFrame(columns=["sources", "evidence"])
    found = pd.concat(rows, ignore_index=True)
    return found.groupby("key", sort=True).agg(
        sources=("source", lambda s: ",".join(dict.fromkeys(s))), evidence=("evidence", "；".join)
    )


# -- small vector helpers ---------------------------------------------------------------------------------


def _members(keys: Keys, listed: npt.NDArray[np.int64]) -> Mask:
    """For each of `keys`, whether it appears in `listed`."""
    if len(listed) == 0 or len(keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    unique = np.unique(listed)
    position = np.searchsorted(unique, keys)
    position[position >= len(unique)] = 0
    return np.asarray(unique[position] == keys, dtype=bool)


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
    return frame[column].fillna("").astype("str")


def _comparable(values: pd.Series) -> pd.Series:
    """Sex or date values as plain text for comparison: dates in ISO form, missing as empty."""
    if pd.api.types.is_datetime64_any_dtype(values) or values.map(lambda v: isinstance(v, date)).any():
        return pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d").fillna("").astype("str")
    return values.fillna("").astype("str").str.strip()


def _joined(named: Sequence[tuple[str, Mask]]) -> npt.NDArray[np.object_]:
    """Per person, the names whose mask is set, comma-joined ("" when none)."""
    if not named:
        return np.zeros(0, dtype=object)
    n = len(named[0][1])
    out = np.full(n, "", dtype=object)
    for name, mask in named:
        out[mask] = np.where(out[mask] == "", name, out[mask] + "," + name)
    return out


def _first_value(keys: Keys, frame: pd.DataFrame | None, column: str) -> pd.Series:
    if frame is None or column not in frame or frame.empty:
        return pd.Series([""] * len(keys), dtype="str")
    firsts = frame.drop_duplicates("key").set_index("key")[column]
    return pd.Series(firsts.reindex(keys).fillna("").astype("str").to_numpy(), dtype="str")


# -- the figures ------------------------------------------------------------------------------------------


def summarise(result: CompareResult, campaign: Campaign, as_of: date) -> dict[str, object]:
    """The counts `canbao compare --json` prints: distinct persons (ID numbers) throughout."""
    persons = result.persons
    living = persons[persons["category"] != "deceased"]
    anomaly_counts = result.anomalies.groupby("kind")["id_number"].nunique()
    by_township = []
    grouped = persons.groupby("township_code")
    for township in campaign.townships:
        rows = grouped.get_group(township.code) if township.code in grouped.groups else persons.iloc[0:0]
        categories = rows["category"].value_counts()
        by_township.append(
            {
                "code": township.code,
                "name": township.name,
                "persons": len(rows),
                "insured_full": int(categories.get("insured_full", 0)),
                "partial": int(categories.get("partial", 0)),
                "uninsured": int(categories.get("uninsured", 0)),
                "deceased": int(categories.get("deceased", 0)),
                "missing_by_insurance": {i: int((rows[i] == "missing").sum()) for i in INSURANCES},
            }
        )
    categories = persons["category"].value_counts()
    employment = persons["employment_status"].value_counts()
    return {
        "as_of": as_of.isoformat(),
        "persons": len(persons),
        "categories": {k: int(categories.get(k, 0)) for k in CATEGORIES},
        "missing_by_insurance": {i: int((living[i] == "missing").sum()) for i in INSURANCES},
        "anomalies": {k: int(anomaly_counts.get(k, 0)) for k in ANOMALIES},
        "employment": {k: int(employment.get(k, 0)) for k in EMPLOYMENT},
        "subsidised": int((persons["subsidised"] != "").sum()),
        "by_township": by_township,
    }
