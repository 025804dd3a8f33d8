"""A seeded synthetic county: every department's files as real exports look, plus an independent ground truth.

`generate_county` draws a registered population over the campaign's villages (numpy, vectorised), decides from
latent attributes which department lists each person is on, plants anomalies, then writes each source's files
under `out/<source key>/` in the campaign's header synonyms, with the mess of real exports (title rows, notes,
blank and duplicated rows, dirty and corrupt ID numbers, GB18030 CSV, old .xls). Only the small messy subset of
rows is handled one by one in Python; CSV is written by pyarrow, while .xlsx/.xls go cell by cell through
xlsxwriter/xlwt (so `formats="csv"` is the fast mode for county-sized benchmarks).

The truth (`ground_truth.parquet`, `ground_truth.json`) is what a *correct importer* can know, computed from the
rows that such an importer accepts, with the comparison rules of the campaign's `[comparison]` section
re-implemented here on purpose (no code is shared with the comparison itself):

* A rejected row (invalid or Excel-mangled ID, empty required cell) does not exist for the truth. If it was a
  person's register row, that person is not in the truth at all (and if they appear validly on another list,
  they count as "outside the register"); if it was their row on another list, they are not on that list.
* Valid-but-dirty IDs (full-width, spaces, lower-case x, old 15-digit numbers) are accepted and keyed by the
  canonical 18-character number. Exact duplicate rows are copies of clean accepted rows.
* A row is a data row if at least one of its source's required cells is filled; rows with all required cells
  empty are blank rows, titles or notes and are never counted. `rows_written` counts the data rows of a source
  (duplicates and rejected rows included), `expected_rejects` the rejected ones, `expected_duplicates` the extra
  copies of exact duplicate rows.
* Age, sex and birth date of a person come from the ID number, never from the register's columns (which may
  contradict it: that is the "inconsistent identity" anomaly). A birthday on `as_of` counts (16 on the 16th
  birthday); someone born on 29 February has their birthday on 1 March in common years.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from models.campaign.spec import INSURANCES, Campaign, Comparison, Source
from tasks.identity.idnumber import check_char
from tasks.simulation.local_names import LocalNames

__all__ = ["ANOMALY_RATES", "MESS_RATES", "POPULATION_RATES", "SynthSummary", "generate_county"]

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
Progress = Callable[[str, int], None]

# ---- rates (all documented in the reply and tested only loosely: they are realistic, not contractual) --------

POPULATION_RATES: dict[str, float] = {
    "male": 0.515,
    "deceased": 0.006,  # of registered persons, weighted towards the old (Gompertz-like)
    "deceased_still_enrolled": 0.20,  # of the deceased: they stay on every enrolment list they were on
    "student_6_15": 0.985,
    "student_16_18": 0.82,
    "student_19_22": 0.42,
    "employed_18_59_male": 0.46,  # of non-students
    "employed_18_59_female": 0.38,
    "employed_16_17": 0.04,
    "employed_60_64": 0.10,
    # nested thresholds on one draw per employed person: an employer that pays one scheme usually pays the others
    "employed_pension_employee": 0.80,
    "employed_medical_employee": 0.75,
    "employed_injury": 0.70,
    "employed_unemployment": 0.55,
    "employed_maternity": 0.50,
    "retired_58plus_pension_employee": 0.12,  # not employed, drawing an employee pension
    "retired_medical_employee": 0.90,  # of those retirees
    "resident_pension_employed_without_employee": 0.35,
    "resident_pension_16_59_not_employed": 0.75,
    "resident_pension_60plus": 0.92,
    "resident_medical_without_employee": 0.90,
    "graduates_21_30": 0.18,  # of non-students
    "dibao": 0.03,  # of the living, all ages
    "disabled": 0.02,  # of the living, more often the old
    "special_care": 0.005,  # of the living, drawn from ages 45+
    "elderly_five": 0.003,  # of the living, drawn from ages 60+
    "outside_register": 0.008,  # persons registered elsewhere, relative to `persons` (at least 5)
    "phone_16plus": 0.88,
    "phone_12_15": 0.20,
}
ANOMALY_RATES: dict[str, float] = {  # planted whatever `mess` says: they are facts of the data, not formatting
    "duplicate_pension": 0.02,  # of employee-pension holders, also on the resident pension list
    "duplicate_medical": 0.03,  # of employee-medical holders, also on the resident medical list
    "name_variant": 0.001,  # of enrolment rows: same ID, another name
    "register_sex_contradicts_id": 0.0003,  # of register rows
    "register_birth_contradicts_id": 0.0005,  # of register rows
}
MESS_RATES: dict[str, float] = {  # each at least once overall when mess=True (where a row qualifies)
    "blank_row": 0.001,  # per data row of a file, inserted at random
    "exact_duplicate": 0.002,  # of clean rows: a second identical row (same 序号 too)
    "fullwidth_id": 0.001,  # valid after NFKC
    "spaces_in_id": 0.002,  # leading/trailing/inner ASCII or ideographic spaces: valid
    "lowercase_x": 0.05,  # of rows whose ID ends in X: valid
    "old_15_digit_id": 0.005,  # of rows of persons born 1900-1999 and aged 40+: valid after conversion
    "wrong_check_char": 0.0005,  # rejected
    "wrong_length": 0.0003,  # 16, 17 or 19 characters: rejected
    "letters_in_id": 0.0002,  # O, I, l, B, S or Z among the digits: rejected
    "impossible_birth_date": 0.0002,  # month 13, day 32 or 30 February, check char recomputed: rejected
    "excel_number_id": 0.001,  # of rows in .xlsx files: ID written as a float cell, rejected
    "scientific_text_id": 0.0002,  # of rows in .csv/.xls: "3.50524E+17", rejected
    "empty_id": 0.0002,  # rejected
    "empty_name": 0.0003,  # rejected
    "empty_other_required": 0.0003,  # of rows of sources with more required cells (village, employer): rejected
}

# ---- names, places, employers -----------------------------------------------------------------------------

_SURNAMES = "陈林黄李王张刘吴苏谢詹廖叶周郑杨许洪蔡胡余高柯易魏潘庄何彭赖"
_SURNAME_WEIGHTS = np.array([14, 12, 8, 7, 6, 5, 4, 4, 4, 3.5, 3, 3, 2.5, 2.5, 2, 2, 2, 2, 1.5, 1.5] + [1] * 10)
_GIVEN_MALE = "伟强明华建志国文俊杰斌辉勇军峰鑫龙海荣福金水清德坤松宏成振炳育茂水木"
_GIVEN_FEMALE = "丽芳娟秀英美玲燕红霞萍婷雪慧琴梅艳静珍凤月桂花莲玉娇惠淑"
_GIVEN_COMMON = "安春晓小佳永思雅少秋文晨铭辰晴"
_HOUSEHOLD_SIZES = np.array([0.14, 0.22, 0.24, 0.20, 0.13, 0.07])
# people per year of age, in five-year bands 0-4 ... 95-99 (China around 2017: two bulges, fewer children)
_PYRAMID_BANDS = (6.0, 5.8, 5.5, 5.6, 7.0, 8.2, 7.3, 7.0, 8.0, 8.6, 8.0, 6.0, 5.6, 4.2, 2.8, 2.0, 1.3, 0.6, 0.2, 0.05)
# address codes of other counties, for persons registered elsewhere who appear on a county list
_OTHER_CODES = ("350583", "350525", "350526", "350582", "350521", "350502", "350203", "350102")
# Trade names and trades of the county's firms (each firm is named after the county or its province, see
# _employer_names): common words, no place, so any county's campaign reads right.
_EMPLOYER_PREFIXES = (
    "宏达",
    "鑫源",
    "恒信",
    "永盛",
    "华兴",
    "瑞丰",
    "金鼎",
    "嘉禾",
    "中天",
    "盛世",
    "万家",
    "新纪元",
    "长青",
    "同创",
    "正泰和",
    "德润",
)
_EMPLOYER_SUFFIXES = (
    "农业科技有限公司",
    "建筑工程有限公司",
    "五金制品有限公司",
    "家居用品有限公司",
    "食品有限公司",
    "物流有限公司",
    "商贸有限公司",
    "电子有限公司",
    "光伏科技有限公司",
    "纸业有限公司",
)
_COLLEGES = (
    "泉州师范学院",
    "华侨大学",
    "福建师范大学",
    "厦门大学",
    "福州大学",
    "集美大学",
    "福建农林大学",
    "黎明职业大学",
    "泉州医学高等专科学校",
    "福建林业职业技术学院",
)
_DISABILITIES = ("视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾")
_CLERKS = ("王秀英", "陈志明", "林美玲", "黄建华", "李晓燕", "苏永福", "谢丽芳", "詹国强")

# per-source file layout in "mixed" mode: (format, csv encoding, sheets); unknown sources get one .xlsx
_MIXED_PLAN: dict[str, tuple[tuple[str, str, int], ...]] = {
    "medical_resident": (("csv", "gb18030", 1),),
    "students": (("xlsx", "", 4),),
    "pension_employee": (("xlsx", "", 1),),
    "pension_resident": (("xlsx", "", 2), ("csv", "utf-8-sig", 1)),
    "medical_employee": (("csv", "utf-8", 1),),
    "injury": (("xls", "", 1),),
    "maternity": (("xlsx", "", 1),),
    "unemployment": (("csv", "utf-8-sig", 1),),
    "employment": (("xlsx", "", 3),),
    "graduates": (("xls", "", 1),),
    "elderly_five": (("xls", "", 1),),
    "dibao": (("csv", "gb18030", 1),),
    "special_care": (("xlsx", "", 1),),
    "cremation": (("xlsx", "", 1),),
    "disabled": (("csv", "utf-8", 1),),
}
_CSV_SPLIT = {"pension_resident": 2}  # "csv" mode: everything one CSV per source (per township for the register)
_XLS_MAX_ROWS = 65_535
_XLSX_MAX_ROWS = 1_048_576
_STATUSES = ("not_applicable", "insured", "missing")
_CATEGORIES = ("insured_full", "partial", "uninsured", "deceased")
_EMPLOYMENT = ("", "employed_insured", "employed_uninsured", "working_age_unemployed")
_DATE_FIELDS = frozenset({"birth_date", "death_date", "contract_start"})
_EXCEL_EPOCH_OFFSET = 25_569  # days from 1899-12-30 (Excel's day 0) to 1970-01-01

# row kinds: at most one per row
_CLEAN = 0
_FULLWIDTH, _SPACES, _LOWER_X, _OLD15 = 1, 2, 3, 4
_BAD_CHECK, _BAD_LENGTH, _LETTERS, _BAD_DATE, _EXCEL_NUMBER, _SCI_TEXT = 10, 11, 12, 13, 14, 15
_EMPTY_ID, _EMPTY_NAME, _EMPTY_OTHER = 16, 17, 18
_NAME_VARIANT, _SEX_CONTRA, _BIRTH_CONTRA = 20, 21, 22
_ID_REJECTED_KINDS = (_BAD_CHECK, _BAD_LENGTH, _LETTERS, _BAD_DATE, _EXCEL_NUMBER, _SCI_TEXT)
_REJECTED_KINDS = (*_ID_REJECTED_KINDS, _EMPTY_ID, _EMPTY_NAME, _EMPTY_OTHER)
_ID_TEXT_KINDS = (_FULLWIDTH, _SPACES, _LOWER_X, _OLD15, _BAD_CHECK, _BAD_LENGTH, _LETTERS, _BAD_DATE, _SCI_TEXT)


@dataclass(frozen=True)
class SynthSummary:
    """What was written. `files` maps each source key to its files, relative to `out` (POSIX paths)."""

    persons: int  # distinct IDs in the valid register = rows of the truth
    files: dict[str, list[str]]
    rows_written: dict[str, int]
    expected_rejects: dict[str, int]
    expected_duplicates: dict[str, int]
    truth_path: Path
    counts_path: Path


# ---- the population ----------------------------------------------------------------------------------------


@dataclass
class _Places:
    local: LocalNames
    township_codes: list[str]
    township_names: list[str]
    village_codes: list[str]
    village_names: list[str]
    village_township: Ints


@dataclass
class _Population:
    n_register: int
    total: int  # register persons first (0..n_register-1, ordered by village and household), then outsiders
    village: Ints  # -1 for outsiders
    township: Ints  # -1 for outsiders
    outsider_kind: Ints  # -1 for register persons; 0 worker, 1 resident, 2 student, 3 deceased
    male: Bools
    birth: npt.NDArray[np.datetime64]
    age: Ints
    id18: Any  # pa.StringArray
    ends_x: Bools
    name: Any
    household: Any
    household_type: Any
    address: Any
    phone: Any
    protected: Bools  # never messed with: the planted boundary persons and one example of each anomaly


def _places(campaign: Campaign) -> _Places:
    village_codes: list[str] = []
    village_names: list[str] = []
    village_township: list[int] = []
    for t_index, township in enumerate(campaign.townships):
        for village in township.villages:
            village_codes.append(village.code)
            village_names.append(village.name)
            village_township.append(t_index)
    return _Places(
        local=LocalNames.of(campaign),
        township_codes=[t.code for t in campaign.townships],
        township_names=[t.name for t in campaign.townships],
        village_codes=village_codes,
        village_names=village_names,
        village_township=np.array(village_township, dtype=np.int64),
    )


def _ymd(days: npt.NDArray[np.datetime64]) -> tuple[Ints, Ints, Ints]:
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    months_since = days.astype("datetime64[M]")
    months = months_since.astype(np.int64) % 12 + 1
    day = (days - months_since.astype("datetime64[D]")).astype(np.int64) + 1
    return years, months, day


def _ages(birth: npt.NDArray[np.datetime64], as_of: date) -> Ints:
    years, months, days = _ymd(birth)
    not_yet = (months > as_of.month) | ((months == as_of.month) & (days > as_of.day))
    return np.asarray(as_of.year - years - not_yet.astype(np.int64), dtype=np.int64)


def _sixteenth_birthday(as_of: date) -> date:
    try:
        return as_of.replace(year=as_of.year - 16)
    except ValueError:  # 29 February in a year whose minus-16 is not a leap year (e.g. 2116)
        return date(as_of.year - 16, 2, 28)


def _string_array(values: Sequence[str]) -> Any:
    return pa.array(list(values), type=pa.string())


def _take(table: Any, index: npt.NDArray[np.integer[Any]], valid: Bools | None = None) -> Any:
    if valid is None:
        return table.take(pa.array(index))
    return table.take(pa.array(np.where(valid, index, 0), mask=~valid))


def _build_ids(
    code_index: Ints, codes: Sequence[str], birth: npt.NDArray[np.datetime64], male: Bools, rng: np.random.Generator
) -> tuple[Any, Bools]:
    """All IDs at once: distinct within (address code, birth date, sex) by ranking, check char vectorised."""
    n = len(code_index)
    day_number = birth.astype(np.int64)
    key = (code_index * 400_000 + (day_number + 200_000)) * 2 + male.astype(np.int64)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]] if n else np.zeros(0, dtype=bool)
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    rank = np.arange(n) - starts[group]
    if n and rank.max() >= 497:
        raise ValueError("too many persons share a birth date and sex for distinct sequence numbers")
    offsets = rng.integers(0, 497, size=len(starts))
    core_sorted = (offsets[group] + rank) % 497 + 1
    core = np.empty(n, dtype=np.int64)
    core[order] = core_sorted
    # odd sequence for men, even for women; never 996-999 (reserved in old numbers for people born in the 1800s)
    sequence = 2 * core - male.astype(np.int64)
    years, months, days = _ymd(birth)
    code_digits = np.array([[int(c) for c in code] for code in codes], dtype=np.int64)[code_index]
    digits = np.empty((n, 17), dtype=np.int64)
    digits[:, :6] = code_digits
    for position, (value, width) in enumerate(((years, 4), (months, 2), (days, 2), (sequence, 3))):
        base = 6 + sum((4, 2, 2, 3)[:position])
        for i in range(width):
            digits[:, base + i] = value // 10 ** (width - 1 - i) % 10
    weights = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
    check_index = (digits @ weights) % 11
    check_bytes = np.frombuffer(b"10X98765432", dtype=np.uint8)[check_index]
    matrix = np.empty((n, 18), dtype=np.uint8)
    matrix[:, :17] = digits + ord("0")
    matrix[:, 17] = check_bytes
    offsets_buffer = np.arange(0, 18 * n + 1, 18, dtype=np.int32)
    ids = pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets_buffer), pa.py_buffer(matrix.tobytes())])
    # tasks.identity.idnumber.check_char is the reference: the vectorised version must agree with it
    for text in ids.slice(0, 64).to_pylist():
        if check_char(text[:17]) != text[17]:
            raise RuntimeError("vectorised check characters disagree with tasks.identity.idnumber.check_char")
    return ids, check_bytes == ord("X")


@dataclass
class _Households:
    """Where the registered persons live, in register order (by village, then household)."""

    village: Ints  # per person
    index: Ints  # per person: the household, numbered from 0 across the county
    in_village: Ints  # per person: the household's number within its village, from 1
    village_of: Ints  # per household: its village
    community: Bools  # per village: a 社区 (more people, more urban households) rather than a 村


def _villages(places: _Places, persons: int, rng: np.random.Generator) -> tuple[Ints, Bools]:
    """Each registered person's village (in village order), and which villages are communities."""
    n_villages = len(places.village_codes)
    if persons < max(2, n_villages):
        raise ValueError(f"persons must be at least the number of villages ({n_villages})")
    community = np.array([name.endswith("社区") for name in places.village_names])
    weights = rng.lognormal(0.0, 0.55, n_villages) * np.where(community, 2.5, 1.0)
    base = min(3, persons // n_villages)
    counts = base + rng.multinomial(persons - base * n_villages, weights / weights.sum())
    return np.repeat(np.arange(n_villages), counts), community


def _households(places: _Places, persons: int, rng: np.random.Generator) -> _Households:
    """Households of 1-6 persons, never across a village boundary."""
    village, community = _villages(places, persons, rng)
    sizes = rng.choice(np.arange(1, 7), size=persons, p=_HOUSEHOLD_SIZES)
    raw = np.searchsorted(np.cumsum(sizes), np.arange(persons), side="right")
    new = np.r_[True, (village[1:] != village[:-1]) | (raw[1:] != raw[:-1])]
    index = np.cumsum(new) - 1
    first_of_village = np.searchsorted(village, village, side="left")
    in_village = index - index[first_of_village] + 1
    return _Households(village, index, in_village, village[new], community)


def _outsider_kinds(persons: int, rng: np.random.Generator) -> Ints:
    """Per person: -1 for the registered, else what brings someone registered elsewhere onto a county list
    (0 worker, 1 resident, 2 student, 3 deceased); at least five outsiders, the first a worker."""
    n_out = max(5, round(POPULATION_RATES["outside_register"] * persons))
    kind = np.full(persons + n_out, -1, dtype=np.int64)
    kind[persons:] = rng.choice(4, size=n_out, p=[0.55, 0.25, 0.12, 0.08])
    kind[persons] = 0
    return kind


def _birth_dates(kind: Ints, persons: int, as_of: date, rng: np.random.Generator) -> npt.NDArray[np.datetime64]:
    """Ages from the pyramid for the registered and by kind for outsiders, none over 100; persons 0 and 1 are the
    planted boundary persons: 16 today, and 16 tomorrow."""
    total = len(kind)
    low = np.array([20, 16, 15, 60])
    high = np.array([55, 80, 20, 95])
    pyramid = np.r_[np.repeat(np.array(_PYRAMID_BANDS), 5), 0.01]
    age_draw = np.empty(total, dtype=np.int64)
    age_draw[:persons] = rng.choice(101, size=persons, p=pyramid / pyramid.sum())
    out_kind = kind[persons:]
    age_draw[persons:] = rng.integers(low[out_kind], high[out_kind] + 1)
    days_back = np.maximum(1, np.floor((age_draw + rng.random(total)) * 365.2425).astype(np.int64))
    birth = np.datetime64(as_of, "D") - days_back.astype("timedelta64[D]")
    birth = np.where(_ages(birth, as_of) > 100, birth + np.timedelta64(366, "D"), birth)
    sixteen = np.datetime64(_sixteenth_birthday(as_of), "D")
    birth[0] = sixteen
    birth[1] = sixteen + np.timedelta64(1, "D")
    return birth


def _id_numbers(
    places: _Places, persons: int, birth: npt.NDArray[np.datetime64], male: Bools, rng: np.random.Generator
) -> tuple[Any, Bools]:
    """The county's address code for the registered and 40% of outsiders, another county's for the rest."""
    n_out = len(birth) - persons
    codes = (places.local.code, *(code for code in _OTHER_CODES if code != places.local.code))
    code_index = np.zeros(len(birth), dtype=np.int64)
    elsewhere = rng.random(n_out) >= 0.4
    code_index[persons:] = np.where(elsewhere, rng.integers(1, len(codes), size=n_out), 0)
    return _build_ids(code_index, codes, birth, male, rng)


def _names(homes: _Households, male: Bools, rng: np.random.Generator) -> Any:
    """One surname per household, a third of its members with another (spouses, in-laws); one or two given
    characters by sex."""
    total, persons = len(male), len(homes.index)
    surname_p = _SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum()
    surname_household = rng.choice(len(_SURNAMES), size=len(homes.village_of), p=surname_p)
    surname = rng.choice(len(_SURNAMES), size=total, p=surname_p)
    keep = rng.random(persons) < 0.65
    surname[:persons] = np.where(keep, surname_household[homes.index], surname[:persons])
    male_pool = _string_array(list(_GIVEN_MALE + _GIVEN_COMMON))
    female_pool = _string_array(list(_GIVEN_FEMALE + _GIVEN_COMMON))
    male_arrow = pa.array(male)

    def given() -> Any:
        return pc.if_else(
            male_arrow,
            _take(male_pool, rng.integers(0, len(male_pool), total)),
            _take(female_pool, rng.integers(0, len(female_pool), total)),
        )

    second = given()
    second = pc.if_else(pa.array(rng.random(total) < 0.75), second, pa.scalar("", pa.string()))
    return pc.binary_join_element_wise(_take(_string_array(list(_SURNAMES)), surname), given(), second, "")


def _household_numbers(places: _Places, homes: _Households, village_all: Ints, n_out: int) -> Any:
    """The village code's last digits and the household's number in the village; outsiders have none."""
    registered = village_all >= 0
    village_suffix = _string_array([code[6:] for code in places.village_codes])
    return pc.binary_join_element_wise(
        _take(village_suffix, village_all, registered),
        pc.utf8_lpad(pa.array(np.r_[homes.in_village, np.zeros(n_out, dtype=np.int64)]).cast(pa.string()), 4, "0"),
        "",
    )


def _household_types(homes: _Households, n_out: int, rng: np.random.Generator) -> Any:
    """非农业 for most households of a community and some of a village, 农业 for the others; none for outsiders."""
    household_urban = rng.random(len(homes.village_of)) < np.where(homes.community[homes.village_of], 0.75, 0.12)
    urban = np.r_[household_urban[homes.index], np.zeros(n_out, dtype=bool)]
    registered = np.r_[np.ones(len(homes.index), dtype=bool), np.zeros(n_out, dtype=bool)]
    household_type = pc.if_else(pa.array(urban), "非农业", "农业")
    return pc.if_else(pa.array(registered), household_type, pa.scalar(None, pa.string()))


def _addresses(
    places: _Places, homes: _Households, village_all: Ints, township_all: Ints, rng: np.random.Generator
) -> Any:
    """County, township, village and house number, shared by a household; none for outsiders."""
    n_out = len(village_all) - len(homes.index)
    registered = village_all >= 0
    house_number = rng.integers(1, 400, size=len(homes.village_of))[homes.index]
    return pc.binary_join_element_wise(
        places.local.address_prefix,
        _take(_string_array(places.township_names), township_all, registered),
        _take(_string_array(places.village_names), village_all, registered),
        pa.array(np.r_[house_number, np.zeros(n_out, dtype=np.int64)]).cast(pa.string()),
        "号",
        "",
    )


def _phones(age: Ints, rng: np.random.Generator) -> Any:
    """Mobile numbers for most adults and some teenagers, null for the others."""
    total = len(age)
    phone_p = np.select([age >= 16, age >= 12], [POPULATION_RATES["phone_16plus"], POPULATION_RATES["phone_12_15"]], 0)
    has_phone = rng.random(total) < phone_p
    second_digit = rng.choice(np.arange(3, 10), size=total, p=[0.3, 0.05, 0.25, 0.05, 0.05, 0.25, 0.05])
    number = 10**10 + second_digit * 10**9 + rng.integers(0, 10**9, size=total)
    return pa.array(number, mask=~has_phone).cast(pa.string())


def _population(places: _Places, persons: int, as_of: date, rng: np.random.Generator) -> _Population:
    """The registered persons (ordered by village and household) and the outsiders, drawn in a fixed sequence:
    the seed's county depends on the order of the draws below."""
    homes = _households(places, persons, rng)
    kind = _outsider_kinds(persons, rng)
    total, n_out = len(kind), len(kind) - persons
    birth = _birth_dates(kind, persons, as_of, rng)
    age = _ages(birth, as_of)
    male = rng.random(total) < POPULATION_RATES["male"]
    ids, ends_x = _id_numbers(places, persons, birth, male, rng)
    name = _names(homes, male, rng)
    village_all = np.r_[homes.village, np.full(n_out, -1)]
    township_all = np.where(village_all >= 0, places.village_township[np.maximum(village_all, 0)], -1)
    household_number = _household_numbers(places, homes, village_all, n_out)
    household_type = _household_types(homes, n_out, rng)
    address = _addresses(places, homes, village_all, township_all, rng)
    phone = _phones(age, rng)
    protected = np.zeros(total, dtype=bool)
    protected[:2] = True
    return _Population(
        n_register=persons,
        total=total,
        village=village_all,
        township=township_all,
        outsider_kind=kind,
        male=male,
        birth=birth,
        age=age,
        id18=ids,
        ends_x=ends_x,
        name=name,
        household=household_number,
        household_type=household_type,
        address=address,
        phone=phone,
        protected=protected,
    )


# ---- latent lists ------------------------------------------------------------------------------------------


@dataclass
class _Latent:
    lists: dict[str, Bools]  # by the usual source keys (household, students, ...); `_members` falls back on roles
    employer: Ints  # index into the employer names, -1 none
    contract_start: npt.NDArray[np.datetime64]
    death_date: npt.NDArray[np.datetime64]
    disability: Ints
    college: Ints
    high_school: Ints


def _pick(rng: np.random.Generator, mask: Bools, rate: float, minimum: int = 1) -> Ints:
    candidates = np.flatnonzero(mask)
    if candidates.size == 0:
        return candidates
    k = min(candidates.size, max(minimum, int(rng.binomial(candidates.size, rate))))
    return np.sort(rng.choice(candidates, size=k, replace=False))


def _share(
    rng: np.random.Generator, eligible: Bools, target: float, weight: npt.NDArray[np.float64] | None = None
) -> Bools:
    """About `target` persons drawn from `eligible`, optionally weighted."""
    w = np.where(eligible, 1.0 if weight is None else weight, 0.0)
    total = w.sum()
    if total <= 0:
        return np.zeros(len(eligible), dtype=bool)
    return np.asarray(rng.random(len(eligible)) < np.minimum(1.0, target * w / total), dtype=bool)


_ENROLMENT_LISTS = (
    "pension_employee",
    "pension_resident",
    "medical_employee",
    "medical_resident",
    "injury",
    "maternity",
    "unemployment",
)
_LIVING_ONLY_LISTS = ("students", "employment", "graduates", "dibao", "disabled", "special_care", "elderly_five")
_LIST_ORDER = ("cremation", "students", "employment", "pension_employee", "pension_resident", "medical_employee",
               "medical_resident", "injury", "maternity", "unemployment", "graduates", "dibao", "disabled",
               "special_care", "elderly_five")  # fmt: skip


def _deaths(pop: _Population, free: Bools, rng: np.random.Generator) -> Bools:
    """About the deceased share of the register, weighted towards the old (Gompertz-like); at least one."""
    mortality = np.exp(0.09 * (pop.age - 80.0)) + 0.002
    dead = _share(rng, free, POPULATION_RATES["deceased"] * pop.n_register, mortality)
    if not dead.any():
        dead[int(np.argmax(np.where(free, pop.age, -1)))] = True
    return dead


def _students(age: Ints, free: Bools, rng: np.random.Generator) -> Bools:
    r = POPULATION_RATES
    p_student = np.select(
        [(age >= 6) & (age <= 15), (age >= 16) & (age <= 18), (age >= 19) & (age <= 22)],
        [r["student_6_15"], r["student_16_18"], r["student_19_22"]],
        0.0,
    )
    return free & (rng.random(len(age)) < p_student)


def _employed(pop: _Population, registered: Bools, student: Bools, rng: np.random.Generator) -> Bools:
    r, age = POPULATION_RATES, pop.age
    p_employed = np.select(
        [(age >= 18) & (age <= 59), (age >= 16) & (age <= 17), (age >= 60) & (age <= 64)],
        [
            np.where(pop.male, r["employed_18_59_male"], r["employed_18_59_female"]),
            r["employed_16_17"],
            r["employed_60_64"],
        ],
        0.0,
    )
    return registered & ~student & (rng.random(pop.total) < p_employed)


def _employee_schemes(
    pop: _Population, registered: Bools, employed: Bools, rng: np.random.Generator
) -> dict[str, Bools]:
    """The employee schemes: nested thresholds on one draw per employed person (an employer that pays one scheme
    usually pays the others), plus retirees drawing an employee pension."""
    r = POPULATION_RATES
    draw = rng.random(pop.total)
    schemes = {
        "pension_employee": employed & (draw < r["employed_pension_employee"]),
        "medical_employee": employed & (draw < r["employed_medical_employee"]),
        "injury": employed & (draw < r["employed_injury"]),
        "unemployment": employed & (draw < r["employed_unemployment"]),
        "maternity": employed & (draw < r["employed_maternity"]),
    }
    retired = registered & ~employed & (pop.age >= 58) & (rng.random(pop.total) < r["retired_58plus_pension_employee"])
    schemes["pension_employee"] |= retired
    schemes["medical_employee"] |= retired & (rng.random(pop.total) < r["retired_medical_employee"])
    return schemes


def _resident_schemes(
    pop: _Population, registered: Bools, lists: dict[str, Bools], rng: np.random.Generator
) -> dict[str, Bools]:
    """The resident schemes, for those without the employee scheme."""
    r, age = POPULATION_RATES, pop.age
    employed = lists["employment"]
    p_resident = np.where(
        employed,
        r["resident_pension_employed_without_employee"],
        np.where(age >= 60, r["resident_pension_60plus"], r["resident_pension_16_59_not_employed"]),
    )
    pension_resident = (
        registered
        & (age >= 16)
        & ~lists["students"]
        & ~lists["pension_employee"]
        & (rng.random(pop.total) < p_resident)
    )
    medical_resident = (
        registered & ~lists["medical_employee"] & (rng.random(pop.total) < r["resident_medical_without_employee"])
    )
    return {"pension_resident": pension_resident, "medical_resident": medical_resident}


def _plant_duplicate_enrolment(
    lists: dict[str, Bools], living_free: Bools, protected: Bools, rng: np.random.Generator
) -> None:
    """Some employee-scheme holders also on the resident scheme's list; the first of each kind is protected."""
    for holders, other, rate in (
        ("pension_employee", "pension_resident", ANOMALY_RATES["duplicate_pension"]),
        ("medical_employee", "medical_resident", ANOMALY_RATES["duplicate_medical"]),
    ):
        chosen = _pick(rng, lists[holders] & living_free, rate)
        lists[other][chosen] = True
        protected[chosen[:1]] = True


def _other_lists(
    pop: _Population, registered: Bools, lists: dict[str, Bools], rng: np.random.Generator
) -> dict[str, Bools]:
    """Graduates and the welfare lists (dibao, disabled, special care, the elderly five guarantees)."""
    r, age = POPULATION_RATES, pop.age
    dead = lists["cremation"]
    graduates = (
        registered & ~lists["students"] & (age >= 21) & (age <= 30) & (rng.random(pop.total) < r["graduates_21_30"])
    )
    living = registered & ~dead
    n_living = float(living.sum())
    return {
        "graduates": graduates,
        "dibao": _share(rng, living, r["dibao"] * n_living),
        "disabled": _share(rng, living, r["disabled"] * n_living, 0.5 + age / 50.0),
        "special_care": _share(rng, living & (age >= 45), r["special_care"] * n_living),
        "elderly_five": _share(rng, living & (age >= 60), r["elderly_five"] * n_living),
    }


def _remove_the_deceased(lists: dict[str, Bools], protected: Bools, rng: np.random.Generator) -> None:
    """The deceased leave every list, except some who stay on every enrolment list they were on (at least one,
    protected as the example of the anomaly)."""
    dead = lists["cremation"]
    on_any = np.logical_or.reduce([lists[key] for key in _ENROLMENT_LISTS])
    remain = dead & (rng.random(len(dead)) < POPULATION_RATES["deceased_still_enrolled"])
    example = np.flatnonzero(remain & on_any)
    if example.size == 0:
        example = np.flatnonzero(dead & on_any)[:1]
        remain[example] = True
    protected[example[:1]] = True
    for key in _ENROLMENT_LISTS:
        lists[key] &= ~dead | remain
    for key in _LIVING_ONLY_LISTS:
        lists[key] &= ~dead


def _list_outsiders(lists: dict[str, Bools], kind: Ints, protected: Bools, rng: np.random.Generator) -> None:
    """Outsiders on the lists their kind brings them onto: worker, resident, student, deceased."""
    total = len(kind)
    worker, resident, pupil, gone = (kind == k for k in range(4))
    lists["employment"] |= worker
    draw = rng.random(total)
    lists["pension_employee"] |= worker & (draw < 0.80)
    lists["medical_employee"] |= worker & (draw < 0.75)
    lists["injury"] |= worker & (draw < 0.70)
    lists["unemployment"] |= worker & (draw < 0.50)
    lists["maternity"] |= worker & (draw < 0.45)
    lists["pension_resident"] |= resident & (rng.random(total) < 0.6)
    lists["medical_resident"] |= (resident & (rng.random(total) < 0.9)) | (resident & ~lists["pension_resident"])
    lists["students"] |= pupil
    lists["medical_resident"] |= pupil & (rng.random(total) < 0.5)
    lists["cremation"] |= gone
    lists["medical_resident"] |= gone & (rng.random(total) < 0.3)
    protected[np.flatnonzero(worker)[:1]] = True


def _employers_and_dates(
    pop: _Population, has_employer: Bools, employers: int, as_of: date, rng: np.random.Generator
) -> tuple[Ints, npt.NDArray[np.datetime64], npt.NDArray[np.datetime64]]:
    """Employer (-1 none; the first employers are the biggest), contract start after the 16th birthday, and a
    death date in the last two years (never before birth)."""
    total = pop.total
    rank_weight = 1.0 / (np.arange(employers) + 5.0)
    employer = np.where(has_employer, rng.choice(employers, size=total, p=rank_weight / rank_weight.sum()), -1)
    as_of64 = np.datetime64(as_of, "D")
    lived = (as_of64 - pop.birth).astype(np.int64)
    span = np.clip(lived - 16 * 365, 60, 6000)
    contract_start = as_of64 - (30 + np.floor(rng.random(total) * span).astype(np.int64)).astype("timedelta64[D]")
    died = as_of64 - (1 + rng.integers(0, 730, size=total)).astype("timedelta64[D]")
    return employer, contract_start, np.maximum(died, pop.birth)


def _latent(pop: _Population, employers: int, high_schools: int, as_of: date, rng: np.random.Generator) -> _Latent:
    """Which lists each person is on, from latent attributes drawn in a fixed sequence (the seed's county depends
    on it). Protects one example of each planted anomaly in `pop.protected`."""
    registered = np.arange(pop.total) < pop.n_register
    free = registered & ~pop.protected
    protected = pop.protected.copy()
    dead = _deaths(pop, free, rng)
    student = _students(pop.age, free, rng)
    lists = {"cremation": dead, "students": student, "employment": _employed(pop, registered, student, rng)}
    lists |= _employee_schemes(pop, registered, lists["employment"], rng)
    lists |= _resident_schemes(pop, registered, lists, rng)
    _plant_duplicate_enrolment(lists, free & ~dead, protected, rng)
    lists |= _other_lists(pop, registered, lists, rng)
    _remove_the_deceased(lists, protected, rng)
    _list_outsiders(lists, pop.outsider_kind, protected, rng)
    pop.protected = protected
    has_employer = lists["employment"] | lists["pension_employee"] | lists["medical_employee"]
    employer, contract_start, death_date = _employers_and_dates(pop, has_employer, employers, as_of, rng)
    return _Latent(
        lists={key: lists[key] for key in _LIST_ORDER},
        employer=employer,
        contract_start=contract_start,
        death_date=death_date,
        disability=rng.integers(0, len(_DISABILITIES), size=pop.total),
        college=rng.integers(0, len(_COLLEGES), size=pop.total),
        high_school=rng.integers(0, high_schools, size=pop.total),
    )


def _members(
    key: str, source: Source, register_key: str, pop: _Population, latent: _Latent, rng: np.random.Generator
) -> Ints:
    registered = np.arange(pop.total) < pop.n_register
    if key == register_key or source.role == "register":
        return np.flatnonzero(registered)
    by_role = {"deaths": "cremation", "students": "students", "employment": "employment", "graduates": "graduates"}
    if key in latent.lists:
        mask = latent.lists[key]
    elif source.role in by_role:
        mask = latent.lists[by_role[source.role]]
    else:  # a source this generator does not know: a random share of the living
        living = registered & ~latent.lists["cremation"]
        mask = living & (rng.random(pop.total) < (0.05 if source.role == "enrolment" else 0.01))
    return rng.permutation(np.flatnonzero(mask))


# ---- files -------------------------------------------------------------------------------------------------


@dataclass
class _FileSpec:
    rel: str
    fmt: str  # "xlsx", "xls" or "csv"
    encoding: str  # CSV only: "gb18030", "utf-8" or "utf-8-sig"
    sheets: int
    title: str | None
    notes: bool
    serial: bool  # a leading 序号 column (always when there are notes: notes go into column A)
    date_style: str  # "iso", "slash", "compact", or "excel" (real date cells, .xlsx only)
    headers: dict[str, str]
    fields: list[str]
    empty_sheet: bool


def _file_spec(
    rel: str, fmt: str, encoding: str, sheets: int, source: Source, title: str, mixed: bool, rng: random.Random
) -> _FileSpec:
    headers = {field: rng.choice(synonyms) for field, synonyms in source.columns.items()}
    fields = list(source.columns)
    if "name" in fields and "id_number" in fields and rng.random() < 0.5:
        i, j = fields.index("name"), fields.index("id_number")
        fields[i], fields[j] = fields[j], fields[i]
    if not mixed:
        return _FileSpec(rel, fmt, encoding, 1, None, False, rng.random() < 0.3, "iso", headers, fields, False)
    titled = rng.random() < (0.8 if fmt != "csv" else 0.3)
    notes = rng.random() < (0.7 if fmt != "csv" else 0.2)
    serial = notes or rng.random() < 0.5
    styles = ["iso", "slash", "compact"] + (["excel", "excel", "excel"] if fmt == "xlsx" else [])
    return _FileSpec(
        rel=rel,
        fmt=fmt,
        encoding=encoding,
        sheets=sheets,
        title=title if titled else None,
        notes=notes,
        serial=serial,
        date_style=rng.choice(styles),
        headers=headers,
        fields=fields,
        empty_sheet=fmt == "xlsx" and rng.random() < 0.3,
    )


def _plan_files(
    key: str,
    source: Source,
    is_register: bool,
    pids: Ints,
    pop: _Population,
    places: _Places,
    mixed: bool,
    rng: random.Random,
) -> tuple[list[_FileSpec], Ints]:
    ext = {"xlsx": "xlsx", "xls": "xls", "csv": "csv"}
    specs: list[_FileSpec] = []
    if is_register:
        n_townships = len(places.township_names)
        if mixed:
            n_xls = max(1, round(n_townships * 0.2))
            n_csv = max(1, round(n_townships * 0.2))
            formats = ["xls"] * n_xls + ["csv"] * n_csv
            formats += ["xlsx"] * max(0, n_townships - len(formats))
            formats = formats[:n_townships]
            rng.shuffle(formats)
        else:
            formats = ["csv"] * n_townships
        for fmt, township in zip(formats, places.township_names, strict=True):
            encoding = ""
            if fmt == "csv":
                encoding = rng.choice(
                    ["gb18030", "gb18030", "gb18030", "utf-8-sig", "utf-8"] if mixed else ["gb18030", "utf-8"]
                )
            sheets = rng.choice([2, 3]) if fmt == "xlsx" and rng.random() < 0.4 else 1
            rel = f"{key}/{source.name}_{township}.{ext[fmt]}"
            title = f"{places.local.county}{township}{source.name}表"
            specs.append(_file_spec(rel, fmt, encoding, sheets, source, title, mixed, rng))
        return specs, pop.township[pids]
    if mixed:
        plan = _MIXED_PLAN.get(key, (("xlsx", "", 1),))
    else:
        parts = _CSV_SPLIT.get(key, 1)
        plan = tuple(("csv", rng.choice(["gb18030", "utf-8"]), 1) for _ in range(parts))
    for i, (fmt, encoding, sheets) in enumerate(plan):
        suffix = f"_{i + 1}" if len(plan) > 1 else ""
        rel = f"{key}/{source.name}{suffix}.{ext[fmt]}"
        county = places.local.county
        title = rng.choice([f"{county}{source.name}名册", f"{source.name}花名册", f"{county}{source.name}明细表"])
        specs.append(_file_spec(rel, fmt, encoding, sheets, source, title, mixed, rng))
    n = len(pids)
    return specs, (np.arange(n, dtype=np.int64) * len(plan)) // max(n, 1)


# ---- messy cells, one row at a time (a small subset) ------------------------------------------------------

_FULLWIDTH_TABLE = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}


def _messy_id(kind: int, id18: str, rng: random.Random) -> str:
    if kind == _FULLWIDTH:
        if rng.random() < 0.5:
            return id18.translate(_FULLWIDTH_TABLE)
        cut = rng.randrange(1, 18)
        return id18[:cut] + id18[cut:].translate(_FULLWIDTH_TABLE)
    if kind == _SPACES:
        return rng.choice(
            [
                " " + id18,
                id18 + " ",
                id18[:6] + " " + id18[6:14] + " " + id18[14:],
                id18 + "\u3000",
                "\u3000" + id18,
                id18[:6] + " " + id18[6:],
                " " + id18 + "  ",
            ]
        )
    if kind == _LOWER_X:
        return id18[:17] + "x"
    if kind == _OLD15:
        return id18[:6] + id18[8:17]
    if kind == _BAD_CHECK:
        return id18[:17] + rng.choice([c for c in "0123456789X" if c != id18[17]])
    if kind == _BAD_LENGTH:
        position = rng.randrange(17)
        return rng.choice(
            [
                id18[:position] + id18[position + 1 :],  # 17 characters
                id18[:position] + str(rng.randrange(10)) + id18[position:],  # 19
                id18[:position] + id18[position + 2 :],  # 16
            ]
        )
    if kind == _LETTERS:
        position = rng.randrange(17)
        return id18[:position] + rng.choice("OIlBSZ") + id18[position + 1 :]
    if kind == _BAD_DATE:
        first17 = rng.choice(
            [id18[:10] + "13" + id18[12:17], id18[:12] + "32" + id18[14:17], id18[:10] + "0230" + id18[14:17]]
        )
        return first17 + check_char(first17)
    if kind == _SCI_TEXT:
        return f"{float(id18):.5E}"
    raise AssertionError(f"no text for row kind {kind}")


def _variant_name(name: str, rng: random.Random) -> str:
    pool = _GIVEN_MALE + _GIVEN_FEMALE + _GIVEN_COMMON
    return name[:-1] + rng.choice([c for c in pool if c != name[-1]])


# ---- writing -----------------------------------------------------------------------------------------------


def _text_dates(values: Any, style: str) -> Any:
    if style == "compact":
        return pc.strftime(values, format="%Y%m%d")
    if style == "slash":
        parts = [pc.cast(f(values), pa.string()) for f in (pc.year, pc.month, pc.day)]
        return pc.binary_join_element_wise(parts[0], "/", parts[1], "/", parts[2], "")
    return pc.cast(values, pa.string())


def _notes(spec: _FileSpec, rows: int, as_of: date, rng: random.Random) -> list[str]:
    if not spec.notes:
        return []
    made = as_of - timedelta(days=rng.randrange(5, 20))
    clerk, checker = rng.sample(_CLERKS, 2)
    return [
        f"制表人：{clerk}　审核人：{checker}　制表日期：{made.year}年{made.month}月{made.day}日",
        f"注：本表数据截至{as_of.year}年{as_of.month}月{as_of.day}日，共{rows}条记录。",
    ]


def _chunks(n: int, parts: int) -> list[tuple[int, int]]:
    bounds = [n * i // parts for i in range(parts + 1)]
    return list(pairwise(bounds))


def _sheet_names(parts: int, rng: random.Random) -> list[str]:
    if rng.random() < 0.5:
        return [f"Sheet{i + 1}" for i in range(parts)]
    return [f"第{i + 1}页" for i in range(parts)]


def _write_csv(
    path: Path, spec: _FileSpec, headers: list[str], columns: list[Any], date_columns: set[int], notes: list[str]
) -> None:
    arrays = [
        _text_dates(col, "iso" if spec.date_style == "excel" else spec.date_style) if i in date_columns else col
        for i, col in enumerate(columns)
    ]
    table = pa.table({f"c{i}": pc.cast(col, pa.string()) for i, col in enumerate(arrays)})
    eol = "\r\n" if spec.encoding == "gb18030" else "\n"
    body = io.BytesIO()
    pacsv.write_csv(table, body, pacsv.WriteOptions(include_header=False, quoting_style="none", eol=eol))
    pad = "," * (len(headers) - 1)
    head = ""
    if spec.title:
        head += spec.title + pad + eol + pad + eol
    head += ",".join(headers) + eol
    tail = "".join(note + pad + eol for note in notes)
    if spec.encoding == "gb18030":
        data = (head + body.getvalue().decode("utf-8") + tail).encode("gb18030")
    else:
        bom = b"\xef\xbb\xbf" if spec.encoding == "utf-8-sig" else b""
        data = bom + head.encode("utf-8") + body.getvalue() + tail.encode("utf-8")
    path.write_bytes(data)


def _python_columns(columns: list[Any], date_columns: set[int], spec: _FileSpec) -> list[list[Any]]:
    out: list[list[Any]] = []
    for i, col in enumerate(columns):
        if i in date_columns:
            if spec.date_style == "excel":
                col = pc.add(pc.cast(col, pa.int32()), _EXCEL_EPOCH_OFFSET)
            else:
                col = _text_dates(col, spec.date_style)
        out.append(col.to_pylist())
    return out


def _write_xlsx(
    path: Path,
    spec: _FileSpec,
    headers: list[str],
    columns: list[Any],
    date_columns: set[int],
    numeric_id: Bools,
    id_column: int,
    notes: list[str],
    rng: random.Random,
) -> None:
    import xlsxwriter

    values = _python_columns(columns, date_columns, spec)
    n, width = len(numeric_id), len(headers)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    title_format = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    header_format = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": rng.choice(["yyyy-mm-dd", "yyyy/m/d", "yyyy年m月d日"])})
    id_values = values[id_column]
    for at in np.flatnonzero(numeric_id).tolist():
        id_values[at] = float(id_values[at])  # what Excel does to a long number typed into a General cell
    overhead = (2 if spec.title else 0) + 1 + (len(notes) + 1 if notes else 0)
    sheets = max(1, spec.sheets, -(-n // (_XLSX_MAX_ROWS - overhead)))
    names = _sheet_names(sheets + (1 if spec.empty_sheet else 0), rng)
    for sheet_index, (start, end) in enumerate(_chunks(n, sheets)):
        sheet = workbook.add_worksheet(names[sheet_index])
        sheet.set_column(0, width - 1, 14)
        row = 0
        if spec.title:
            if width > 1:
                sheet.merge_range(0, 0, 0, width - 1, spec.title, title_format)
            else:
                sheet.write_string(0, 0, spec.title, title_format)
            row = 2  # a blank row between the title and the header
        sheet.write_row(row, 0, headers, header_format)
        row += 1
        for i in range(start, end):
            for c in range(width):
                value = values[c][i]
                if value is None:
                    continue
                if c in date_columns and spec.date_style == "excel":
                    sheet.write_number(row, c, value, date_format)
                elif isinstance(value, str):
                    sheet.write_string(row, c, value)
                else:
                    sheet.write_number(row, c, value)
            row += 1
        if notes:
            row += 1
            for note in notes:
                sheet.write_string(row, 0, note)
                row += 1
    if spec.empty_sheet:
        workbook.add_worksheet(names[-1])
    workbook.close()


def _write_xls(
    path: Path,
    spec: _FileSpec,
    headers: list[str],
    columns: list[Any],
    date_columns: set[int],
    notes: list[str],
    rng: random.Random,
) -> None:
    import xlwt

    values = _python_columns(columns, date_columns, spec)
    n, width = (len(values[0]) if values else 0), len(headers)
    overhead = (2 if spec.title else 0) + 1 + (len(notes) + 1 if notes else 0)
    per_sheet = _XLS_MAX_ROWS - overhead
    sheets = max(spec.sheets, -(-n // per_sheet), 1)
    names = _sheet_names(sheets, rng)
    workbook = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on")
    for sheet_index, (start, end) in enumerate(_chunks(n, sheets)):
        sheet = workbook.add_sheet(names[sheet_index])
        row = 0
        if spec.title:
            sheet.write(0, 0, spec.title, bold)
            row = 2
        for c, header in enumerate(headers):
            sheet.write(row, c, header, bold)
        row += 1
        for i in range(start, end):
            for c in range(width):
                value = values[c][i]
                if value is not None:
                    sheet.write(row, c, value)
            row += 1
        if notes:
            row += 1
            for note in notes:
                sheet.write(row, 0, note)
                row += 1
    workbook.save(str(path))


# ---- the generator -----------------------------------------------------------------------------------------


def _employer_names(local: LocalNames, rng: random.Random) -> list[str]:
    names = [p + s for p in _EMPLOYER_PREFIXES for s in _EMPLOYER_SUFFIXES]
    rng.shuffle(names)
    regional = local.regional_prefix
    companies = [f"{local.county}{name}" if rng.random() < 0.6 else f"{regional}{name}" for name in names]
    return companies + list(local.public_employers())


def _field_values(
    field: str,
    source: Source,
    pids: Ints,
    pop: _Population,
    latent: _Latent,
    places: _Places,
    employers: Any,
) -> Any:
    registered = pop.village[pids] >= 0
    if field == "sex":
        return pc.if_else(pa.array(pop.male[pids]), "男", "女")
    if field == "birth_date":
        return pa.array(pop.birth[pids])
    if field == "death_date":
        return pa.array(latent.death_date[pids])
    if field == "contract_start":
        return pa.array(latent.contract_start[pids])
    if field == "registered_address":  # 户籍所在地: the household's address on the register
        return _take(pop.address, pids)
    if field == "address":  # 现居住地: the same, but some young adults live in the county seat (人户分离)
        return _current_residence(pop, places, pids)
    if field in ("household_type", "household", "phone"):
        return _take(getattr(pop, field), pids)
    if field == "township":
        return _take(_string_array(places.township_names), pop.township[pids], registered)
    if field == "village":
        return _take(_string_array(places.village_names), pop.village[pids], registered)
    if field == "employer":
        index = latent.employer[pids]
        return _take(employers, index, index >= 0)
    if field == "disability":
        return _take(_string_array(_DISABILITIES), latent.disability[pids])
    if field == "school":
        if source.role == "students":
            local = places.local
            primary = [local.primary_school(name) for name in places.township_names]
            middle = [local.middle_school(name) for name in places.township_names]
            high_schools = local.high_schools()
            table = _string_array(primary + middle + list(high_schools) + list(_COLLEGES))
            t, k = len(places.township_names), len(high_schools)
            age, township = pop.age[pids], pop.township[pids]
            high = 2 * t + latent.high_school[pids]
            index = np.select(
                [(age <= 11) & (township >= 0), (age <= 14) & (township >= 0), age <= 17],
                [township, t + township, high],
                2 * t + k + latent.college[pids],
            )
            return _take(table, index)
        return _take(_string_array(_COLLEGES), latent.college[pids])
    return _take(_string_array(["无"]), np.zeros(len(pids), dtype=np.int64))


def _current_residence(pop: _Population, places: _Places, pids: Ints) -> Any:
    """Where a person lives now: their registered address, except one in seven of those aged 18 to 45 (chosen by
    their place in the population, so no random draw shifts the seed's county), who rent in the first township's
    town (人户分离)."""
    registered = _take(pop.address, pids)
    age = pop.age[pids]
    away = (pop.village[pids] >= 0) & (age >= 18) & (age <= 45) & ((pids * 2654435761) % 7 == 0)
    seat = f"{places.local.address_prefix}{places.township_names[0]}城区" if len(places.township_names) else ""
    rented = pc.binary_join_element_wise(seat, pa.array(pids % 300 + 1).cast(pa.string()), "号", "")
    return pc.if_else(pa.array(away), rented, registered)


@dataclass
class _Rows:
    """Every row of every source, flat: source, person, file, what is wrong with it, whether it is doubled."""

    source: Ints
    pid: Ints
    file: Ints  # global file index
    kind: npt.NDArray[np.int8]
    duplicate: Bools
    starts: Ints  # first row of each source


def _assign_mess(
    rows: _Rows,
    sources: list[Source],
    register_index: int,
    file_format: list[str],
    pop: _Population,
    mess: bool,
    rng: np.random.Generator,
) -> None:
    kind, pid = rows.kind, rows.pid
    eligible = ~pop.protected[pid]
    is_register = rows.source == register_index
    register_source = sources[register_index]
    in_xlsx = np.array([f == "xlsx" for f in file_format] + [False], dtype=bool)[rows.file]
    ends_digit = ~pop.ends_x[pid]

    def plant(k: int, mask: Bools, rate: float) -> None:
        kind[_pick(rng, eligible & (kind == _CLEAN) & mask, rate)] = k

    if "sex" in register_source.columns:
        plant(_SEX_CONTRA, is_register, ANOMALY_RATES["register_sex_contradicts_id"])
    if "birth_date" in register_source.columns:
        plant(_BIRTH_CONTRA, is_register, ANOMALY_RATES["register_birth_contradicts_id"])
    if mess:
        m = MESS_RATES
        everywhere = np.ones(len(kind), dtype=bool)
        plant(_BAD_CHECK, everywhere, m["wrong_check_char"])
        plant(_BAD_LENGTH, everywhere, m["wrong_length"])
        plant(_LETTERS, everywhere, m["letters_in_id"])
        plant(_BAD_DATE, everywhere, m["impossible_birth_date"])
        plant(_EXCEL_NUMBER, in_xlsx & ends_digit, m["excel_number_id"])
        plant(_SCI_TEXT, ~in_xlsx & ends_digit, m["scientific_text_id"])
        plant(_EMPTY_ID, everywhere, m["empty_id"])
        plant(_EMPTY_NAME, everywhere, m["empty_name"])
        extra = np.array([_other_required(s) is not None for s in sources], dtype=bool)
        plant(_EMPTY_OTHER, extra[rows.source], m["empty_other_required"])
    # name variants only for persons whose register row an importer accepts (else there is nothing to compare)
    rejected_register = np.zeros(pop.total, dtype=bool)
    register_rows = np.flatnonzero(is_register)
    rejected_register[pid[register_rows]] = np.isin(kind[register_rows], _REJECTED_KINDS)
    is_enrolment = np.array([s.role == "enrolment" for s in sources], dtype=bool)[rows.source]
    in_truth = (pid < pop.n_register) & ~rejected_register[pid]
    plant(_NAME_VARIANT, is_enrolment & in_truth, ANOMALY_RATES["name_variant"])
    if mess:
        m = MESS_RATES
        born_1900s = pop.birth[pid] >= np.datetime64("1900-01-01")
        born_1900s &= pop.birth[pid] < np.datetime64("2000-01-01")
        plant(_OLD15, born_1900s & (pop.age[pid] >= 40), m["old_15_digit_id"])
        plant(_LOWER_X, ~ends_digit, m["lowercase_x"])
        plant(_FULLWIDTH, np.ones(len(kind), dtype=bool), m["fullwidth_id"])
        plant(_SPACES, np.ones(len(kind), dtype=bool), m["spaces_in_id"])
        rows.duplicate[_pick(rng, eligible & (kind == _CLEAN), m["exact_duplicate"])] = True


def _register_key(campaign: Campaign, comparison: Comparison) -> str:
    """The source that says who is registered: `[comparison]`'s population (or register) key, else the role."""
    for attribute in ("population", "register"):
        key = getattr(comparison, attribute, None)
        if isinstance(key, str) and key in campaign.sources:
            return key
    registers = [key for key, source in campaign.sources.items() if source.role == "register"]
    if len(registers) != 1:
        raise ValueError('the campaign must name exactly one register source (role = "register")')
    return registers[0]


def _other_required(source: Source) -> str | None:
    others = [f for f in source.required if f not in ("id_number", "name")]
    return others[0] if others else None


def _checked_arguments(campaign: Campaign, formats: str) -> tuple[Comparison, str]:
    """The comparison rules and the register's source key, or ValueError for what the generator cannot do."""
    if formats not in ("mixed", "csv"):
        raise ValueError('formats must be "mixed" or "csv"')
    comparison = campaign.comparison
    if comparison is None:
        raise ValueError("the campaign has no [comparison] section")
    return comparison, _register_key(campaign, comparison)


@dataclass
class _County:
    """Everything drawn before the files are written."""

    places: _Places
    pop: _Population
    latent: _Latent
    employers: Any  # pa.StringArray of employer names, indexed by `latent.employer`
    as_of: date


@dataclass
class _Layout:
    """The files of every source and the rows that go into them."""

    keys: list[str]
    sources: list[Source]
    register_index: int
    specs: list[_FileSpec]
    file_owner: list[int]  # per file: the index of its source
    rows: _Rows


@dataclass
class _Books:
    """What was written, per source key (the summary's bookkeeping)."""

    files: dict[str, list[str]]
    rows_written: dict[str, int]
    rejects: dict[str, int]
    duplicates: dict[str, int]


def _lay_out(
    campaign: Campaign,
    register_key: str,
    county: _County,
    mixed: bool,
    rng: np.random.Generator,
    prng: random.Random,
) -> _Layout:
    """Each source's members, its files, and which file each of its rows goes into."""
    keys = list(campaign.sources)
    sources = [campaign.sources[k] for k in keys]
    register_index = keys.index(register_key)
    specs: list[_FileSpec] = []
    file_owner: list[int] = []
    pid_parts: list[Ints] = []
    file_parts: list[Ints] = []
    for s, (key, source) in enumerate(zip(keys, sources, strict=True)):
        pids = _members(key, source, register_key, county.pop, county.latent, rng)
        is_register = s == register_index
        plan, file_of_row = _plan_files(key, source, is_register, pids, county.pop, county.places, mixed, prng)
        pid_parts.append(pids)
        file_parts.append(file_of_row + len(specs))
        specs.extend(plan)
        file_owner.extend([s] * len(plan))
    lengths = np.array([len(p) for p in pid_parts], dtype=np.int64)
    total_rows = int(lengths.sum())
    rows = _Rows(
        source=np.repeat(np.arange(len(keys)), lengths),
        pid=np.concatenate(pid_parts) if pid_parts else np.zeros(0, dtype=np.int64),
        file=np.concatenate(file_parts) if file_parts else np.zeros(0, dtype=np.int64),
        kind=np.zeros(total_rows, dtype=np.int8),
        duplicate=np.zeros(total_rows, dtype=bool),
        starts=np.r_[0, np.cumsum(lengths)],
    )
    return _Layout(keys, sources, register_index, specs, file_owner, rows)


def _blank_rows(layout: _Layout, mess: bool, rng: np.random.Generator) -> Ints:
    """How many blank rows each file gets: none without mess, else at least one somewhere."""
    file_rows = np.bincount(layout.rows.file, minlength=len(layout.specs))
    if not mess:
        return np.zeros(len(layout.specs), dtype=np.int64)
    blanks = rng.binomial(file_rows, MESS_RATES["blank_row"])
    if layout.specs and blanks.sum() == 0:
        blanks[int(np.argmax(file_rows))] = 1
    return blanks


def _clear_folder(folder: Path) -> None:
    """Remove the files of an earlier run, so that a rerun with fewer files leaves none of the old ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file() and old.suffix in (".xlsx", ".xls", ".csv"):
            old.unlink()


def _write_sources(
    layout: _Layout,
    county: _County,
    blanks: Ints,
    rejected: Bools,
    out: Path,
    report: Progress,
    prng: random.Random,
) -> _Books:
    """Every source's files, into `out/<source key>/`, reporting each file's data rows."""
    out.mkdir(parents=True, exist_ok=True)
    rows = layout.rows
    books = _Books({key: [] for key in layout.keys}, {}, {}, {})
    for s, key in enumerate(layout.keys):
        _clear_folder(out / key)
        a, b = int(rows.starts[s]), int(rows.starts[s + 1])
        books.rows_written[key] = (b - a) + int(rows.duplicate[a:b].sum())
        books.rejects[key] = int(rejected[a:b].sum())
        books.duplicates[key] = int(rows.duplicate[a:b].sum())
        for rel, count in _write_source(s, layout, blanks, county, out, prng):
            books.files[key].append(rel)
            report(rel, count)
    return books


def _save_truth(truth: Any, counts: dict[str, Any], books: _Books, out: Path) -> tuple[Path, Path]:
    """`ground_truth.parquet` and `ground_truth.json` (the counts with the bookkeeping of the files)."""
    truth_path = out / "ground_truth.parquet"
    pq.write_table(truth, truth_path)
    counts["expected_rejects"] = books.rejects
    counts["expected_duplicates"] = books.duplicates
    counts["rows_written"] = books.rows_written
    counts_path = out / "ground_truth.json"
    counts_path.write_text(json.dumps(counts, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return truth_path, counts_path


def export_day(campaign: Campaign) -> date:
    """The day the departments' exports are taken when none is given: the eve of the household survey, when the
    comparison and the work lists must be ready."""
    survey_start, _deadline = campaign.survey_window()
    return survey_start - timedelta(days=1)


def generate_county(
    campaign: Campaign,
    persons: int,
    out: Path,
    *,
    seed: int = 1,
    as_of: date | None = None,
    formats: str = "mixed",
    mess: bool = True,
    progress: Callable[[str, int], None] | None = None,
) -> SynthSummary:
    """Write a synthetic county's department files under `out` and its ground truth; see the module docstring.

    `persons` is the number of registered persons drawn (at least the number of villages); the truth holds those
    whose register row an importer accepts. `progress(stage, n)` is called after each stage and each file.
    Existing .xlsx/.xls/.csv files directly inside `out/<source key>/` are removed first. `as_of`: the day the
    departments' exports are taken, by default `export_day(campaign)`.
    """
    as_of = as_of or export_day(campaign)
    comparison, register_key = _checked_arguments(campaign, formats)
    report: Progress = progress or (lambda stage, n: None)
    # One seeded sequence for the vectorised draws, one for the cell-by-cell choices: their order is the county.
    rng = np.random.default_rng(seed)
    prng = random.Random(int(rng.integers(0, 2**63)))
    places = _places(campaign)
    pop = _population(places, persons, as_of, rng)
    report("population", pop.total)
    employer_names = _employer_names(places.local, prng)
    latent = _latent(pop, len(employer_names), len(places.local.high_schools()), as_of, rng)
    report("lists", int(sum(int(m.sum()) for m in latent.lists.values())))
    county = _County(places, pop, latent, _string_array(employer_names), as_of)

    layout = _lay_out(campaign, register_key, county, formats == "mixed", rng, prng)
    file_formats = [spec.fmt for spec in layout.specs]
    _assign_mess(layout.rows, layout.sources, layout.register_index, file_formats, pop, mess, rng)
    blanks = _blank_rows(layout, mess, rng)
    rejected = np.isin(layout.rows.kind, _REJECTED_KINDS)
    books = _write_sources(layout, county, blanks, rejected, out, report, prng)

    truth, counts = _truth(comparison, layout, rejected, pop, places, as_of)
    truth_path, counts_path = _save_truth(truth, counts, books, out)
    report("truth", truth.num_rows)
    return SynthSummary(
        persons=truth.num_rows,
        files=books.files,
        rows_written=books.rows_written,
        expected_rejects=books.rejects,
        expected_duplicates=books.duplicates,
        truth_path=truth_path,
        counts_path=counts_path,
    )


def _write_source(
    s: int, layout: _Layout, blanks: Ints, county: _County, out: Path, rng: random.Random
) -> list[tuple[str, int]]:
    """The files of source number `s`, each with its data-row count."""
    rows = layout.rows
    a, b = int(rows.starts[s]), int(rows.starts[s + 1])
    pids, kinds, file_of_row = rows.pid[a:b], rows.kind[a:b], rows.file[a:b]
    values = _source_values(layout.sources[s], pids, kinds, county, rng)
    written: list[tuple[str, int]] = []
    for f in [i for i, owner in enumerate(layout.file_owner) if owner == s]:
        position = np.flatnonzero(file_of_row == f)
        file_rows = _file_rows(position, rows.duplicate[a:b], int(blanks[f]), rng)
        written.append(_write_file(layout.specs[f], values, kinds, file_rows, out, county.as_of, rng))
    return written


def _source_values(
    source: Source, pids: Ints, kinds: npt.NDArray[np.int8], county: _County, rng: random.Random
) -> dict[str, Any]:
    """The source's columns, one cell per row of `pids`, with the messy and contradicting cells put in."""
    pop = county.pop
    values: dict[str, Any] = {}
    for field in source.columns:
        if field == "id_number":
            values[field] = _take(pop.id18, pids)
        elif field == "name":
            values[field] = _take(pop.name, pids)
        else:
            values[field] = _field_values(field, source, pids, pop, county.latent, county.places, county.employers)
    if "id_number" in values:
        values["id_number"] = _messy_ids(values["id_number"], pids, kinds, pop, rng)
    if "name" in values:
        values["name"] = _messy_names(values["name"], pids, kinds, pop, rng)
    other = _other_required(source)
    if other is not None and other in values:
        at = np.flatnonzero(kinds == _EMPTY_OTHER)
        values[other] = _replace(values[other], at, [None] * len(at), values[other].type)
    if "sex" in values:
        at = np.flatnonzero(kinds == _SEX_CONTRA)
        values["sex"] = _replace(values["sex"], at, ["女" if pop.male[p] else "男" for p in pids[at]], pa.string())
    if "birth_date" in values:
        values["birth_date"] = _contradicting_births(values["birth_date"], pids, kinds, county, rng)
    return values


def _messy_ids(column: Any, pids: Ints, kinds: npt.NDArray[np.int8], pop: _Population, rng: random.Random) -> Any:
    """The ID column with the dirty, invalid and empty cells of the rows whose kind asks for them."""
    at = np.flatnonzero(np.isin(kinds, (*_ID_TEXT_KINDS, _EMPTY_ID)))
    originals = _take(pop.id18, pids[at]).to_pylist()
    texts = [
        None if kinds[i] == _EMPTY_ID else _messy_id(int(kinds[i]), t, rng) for i, t in zip(at, originals, strict=True)
    ]
    return _replace(column, at, texts, pa.string())


def _messy_names(column: Any, pids: Ints, kinds: npt.NDArray[np.int8], pop: _Population, rng: random.Random) -> Any:
    """The name column with the name variants and the empty names."""
    at = np.flatnonzero(np.isin(kinds, (_NAME_VARIANT, _EMPTY_NAME)))
    originals = _take(pop.name, pids[at]).to_pylist()
    texts = [None if kinds[i] == _EMPTY_NAME else _variant_name(t, rng) for i, t in zip(at, originals, strict=True)]
    return _replace(column, at, texts, pa.string())


def _contradicting_births(
    column: Any, pids: Ints, kinds: npt.NDArray[np.int8], county: _County, rng: random.Random
) -> Any:
    """The birth-date column with dates that contradict the ID, shifted backwards when forwards would pass as_of."""
    at = np.flatnonzero(kinds == _BIRTH_CONTRA)
    shifted: list[date] = []
    for p in pids[at]:
        born = county.pop.birth[p].astype(object)
        shift = timedelta(days=rng.choice([365, 366, 1, 2, 10, 31, 3650]))
        shifted.append(born - shift if born + shift > county.as_of else born + shift)
    return _replace(column, at, shifted, pa.date32())


@dataclass
class _FileRows:
    """A file's rows in file order: the source row each one shows (-1 for a blank row) and its 序号."""

    index: Ints
    serials: Ints

    @property
    def present(self) -> Bools:
        return np.asarray(self.index >= 0, dtype=bool)


def _file_rows(position: Ints, doubled: Bools, blanks: int, rng: random.Random) -> _FileRows:
    """The order of a file's rows: its source rows at `position`, their duplicates (half of them right after the
    original, a double paste; half anywhere) and `blanks` blank rows anywhere."""
    serial = np.arange(1, len(position) + 1, dtype=np.int64)
    doubled_at = np.flatnonzero(doubled[position])
    near = doubled_at + 0.5
    anywhere = np.array([rng.random() * len(position) for _ in doubled_at])
    dup_keys = np.where(np.array([rng.random() < 0.5 for _ in doubled_at], dtype=bool), near, anywhere)
    blank_keys = np.array([rng.random() * len(position) for _ in range(blanks)])
    order_keys = np.r_[np.arange(len(position), dtype=np.float64), dup_keys, blank_keys]
    index = np.r_[position, position[doubled_at], np.full(len(blank_keys), -1)].astype(np.int64)
    serials = np.r_[serial, serial[doubled_at], np.zeros(len(blank_keys), dtype=np.int64)]
    order = np.argsort(order_keys, kind="stable")
    return _FileRows(index[order], serials[order])


def _write_file(
    spec: _FileSpec,
    values: dict[str, Any],
    kinds: npt.NDArray[np.int8],
    file_rows: _FileRows,
    out: Path,
    as_of: date,
    rng: random.Random,
) -> tuple[str, int]:
    """One file in its format, with its optional 序号 column and notes; its path and data-row count."""
    index, present = file_rows.index, file_rows.present
    headers = [spec.headers[field] for field in spec.fields]
    columns = [_take(values[field], index, present) for field in spec.fields]
    date_columns = {i for i, field in enumerate(spec.fields) if field in _DATE_FIELDS}
    id_column = spec.fields.index("id_number") if "id_number" in spec.fields else 0
    if spec.serial:
        headers.insert(0, "序号")
        columns.insert(0, pa.array(file_rows.serials, mask=~present))
        date_columns = {i + 1 for i in date_columns}
        id_column += 1
    notes = _notes(spec, int(present.sum()), as_of, rng)
    path = out / spec.rel
    if spec.fmt == "csv":
        _write_csv(path, spec, headers, columns, date_columns, notes)
    elif spec.fmt == "xls":
        _write_xls(path, spec, headers, columns, date_columns, notes, rng)
    else:
        numeric_id = present & (kinds[np.maximum(index, 0)] == _EXCEL_NUMBER)
        _write_xlsx(path, spec, headers, columns, date_columns, numeric_id, id_column, notes, rng)
    return spec.rel, int(present.sum())


def _replace(array: Any, at: Ints, values: list[Any], kind: Any) -> Any:
    if len(at) == 0:
        return array
    mask = np.zeros(len(array), dtype=bool)
    mask[at] = True
    return pc.replace_with_mask(array, pa.array(mask), pa.array(values, type=kind))


# ---- the truth: the comparison rules, written independently ------------------------------------------------


def _membership(keys: list[str], rows: _Rows, rejected: Bools, total: int) -> dict[str, Bools]:
    on: dict[str, Bools] = {}
    for s, key in enumerate(keys):
        a, b = int(rows.starts[s]), int(rows.starts[s + 1])
        member = np.zeros(total, dtype=bool)
        member[rows.pid[a:b][~rejected[a:b]]] = True
        on[key] = member
    return on


def _any(on: dict[str, Bools], keys: Sequence[str], size: int) -> Bools:
    result = np.zeros(size, dtype=bool)
    for key in keys:
        if key in on:
            result |= on[key]
    return result


@dataclass
class _Verdicts:
    """Per person of the truth (in ID order): what a correct comparison finds."""

    persons: Ints  # person indices into the population
    age: Ints
    male: Bools
    dead: Bools
    student: Bools
    employed: Bools
    statuses: dict[str, npt.NDArray[np.int8]]  # per insurance: index into _STATUSES
    category: npt.NDArray[np.int8]  # index into _CATEGORIES
    employment_status: npt.NDArray[np.int8]  # index into _EMPLOYMENT
    duplicate: Bools
    deceased_enrolled: Bools
    inconsistent: Bools
    subsidised: Bools


def _insurance_statuses(
    comparison: Comparison, on: dict[str, Bools], living: Bools, age: Ints
) -> tuple[dict[str, npt.NDArray[np.int8]], npt.NDArray[np.int8]]:
    """Each insurance's status (not applicable, insured, missing) and the category they add up to."""
    n = len(age)
    statuses: dict[str, npt.NDArray[np.int8]] = {}
    applicable_count = np.zeros(n, dtype=np.int64)
    insured_count = np.zeros(n, dtype=np.int64)
    for insurance in INSURANCES:
        rule = comparison.insurances.get(insurance)
        code = np.zeros(n, dtype=np.int8)
        if rule is not None:
            applies = living & (age >= rule.min_age)
            if rule.requires:
                applies &= _any(on, rule.requires, n)
            if rule.excluded_by:
                applies &= ~_any(on, rule.excluded_by, n)
            insured = _any(on, rule.covered_by, n)
            code[applies & insured] = 1
            code[applies & ~insured] = 2
            applicable_count += applies
            insured_count += applies & insured
        statuses[insurance] = code
    category = np.select([~living, insured_count == applicable_count, insured_count == 0], [3, 0, 2], 1)
    return statuses, category.astype(np.int8)


def _employment_statuses(
    comparison: Comparison, on: dict[str, Bools], living: Bools, employed: Bools, student: Bools, age: Ints, male: Bools
) -> npt.NDArray[np.int8]:
    """Employed with or without a pension listed, or of working age without work (not a student)."""
    pension_rule = comparison.insurances.get("pension")
    pension_listed = _any(on, pension_rule.covered_by if pension_rule else [], len(age))
    upper = np.where(male, comparison.working_age_max_male, comparison.working_age_max_female)
    employment_status = np.select(
        [
            living & employed & pension_listed,
            living & employed & ~pension_listed,
            living & ~employed & ~student & (age >= comparison.working_age_min) & (age < upper),
        ],
        [1, 2, 3],
        0,
    )
    return employment_status.astype(np.int8)


def _inconsistent_identity(rows: _Rows, rejected: Bools, total: int) -> Bools:
    """Per person of the population: an accepted row naming their ID differently, or a register row whose sex or
    birth date contradicts it."""
    inconsistent = np.zeros(total, dtype=bool)
    odd = np.isin(rows.kind, (_NAME_VARIANT, _SEX_CONTRA, _BIRTH_CONTRA)) & ~rejected
    inconsistent[rows.pid[odd]] = True
    return inconsistent


def _verdicts(
    comparison: Comparison, layout: _Layout, rejected: Bools, on_all: dict[str, Bools], pop: _Population
) -> _Verdicts:
    """The comparison's findings for every person of the valid register."""
    keys, sources = layout.keys, layout.sources
    persons = np.flatnonzero(on_all[keys[layout.register_index]])
    persons = persons[np.asarray(pc.sort_indices(_take(pop.id18, persons)))]  # the truth is ordered by ID
    on = {key: member[persons] for key, member in on_all.items()}
    n = len(persons)
    age, male = pop.age[persons], pop.male[persons]
    dead = _any(on, [comparison.deaths], n)
    living = ~dead
    student = _any(on, [k for k, s in zip(keys, sources, strict=True) if s.role == "students"], n)
    employed = _any(on, [comparison.employment], n)
    statuses, category = _insurance_statuses(comparison, on, living, age)
    duplicate = np.zeros(n, dtype=bool)
    for first, second in comparison.duplicate_pairs:
        duplicate |= _any(on, [first], n) & _any(on, [second], n)
    enrolment_keys = [k for k, s in zip(keys, sources, strict=True) if s.role == "enrolment"]
    return _Verdicts(
        persons=persons,
        age=age,
        male=male,
        dead=dead,
        student=student,
        employed=employed,
        statuses=statuses,
        category=category,
        employment_status=_employment_statuses(comparison, on, living, employed, student, age, male),
        duplicate=duplicate,
        deceased_enrolled=dead & _any(on, enrolment_keys, n),
        inconsistent=_inconsistent_identity(layout.rows, rejected, pop.total)[persons],
        subsidised=_any(on, comparison.subsidised, n),
    )


def _truth_table(v: _Verdicts, pop: _Population, places: _Places) -> Any:
    persons = v.persons
    return pa.table(
        {
            "id_number": _take(pop.id18, persons),
            "township_code": _take(_string_array(places.township_codes), pop.township[persons]),
            "village_code": _take(_string_array(places.village_codes), pop.village[persons]),
            "household": _take(pop.household, persons),
            "name": _take(pop.name, persons),
            "sex": _take(_string_array(["女", "男"]), v.male.astype(np.int64)),
            "birth_date": pa.array(pop.birth[persons]),
            "deceased": pa.array(v.dead),
            "age": pa.array(v.age.astype(np.int32)),
            "student": pa.array(v.student),
            "employed": pa.array(v.employed),
            **{i: _take(_string_array(_STATUSES), v.statuses[i]) for i in INSURANCES},
            "category": _take(_string_array(_CATEGORIES), v.category),
            "duplicate_enrolment": pa.array(v.duplicate),
            "deceased_enrolled": pa.array(v.deceased_enrolled),
            "inconsistent_identity": pa.array(v.inconsistent),
            "employment_status": _take(_string_array(_EMPLOYMENT), v.employment_status),
            "subsidised": pa.array(v.subsidised),
        }
    )


def _by_township(v: _Verdicts, pop: _Population, places: _Places) -> list[dict[str, Any]]:
    """Persons, uninsured and partially insured per township, in the campaign's order."""
    township = pop.township[v.persons]
    n_townships = len(places.township_codes)
    return [
        {"code": code, "persons": int(persons_here), "uninsured": int(uninsured_here), "partial": int(partial_here)}
        for code, persons_here, uninsured_here, partial_here in zip(
            places.township_codes,
            np.bincount(township, minlength=n_townships),
            np.bincount(township, weights=v.category == 2, minlength=n_townships),
            np.bincount(township, weights=v.category == 1, minlength=n_townships),
            strict=True,
        )
    ]


def _truth_counts(
    v: _Verdicts, outside_register: int, pop: _Population, places: _Places, as_of: date
) -> dict[str, Any]:
    """The counts of `ground_truth.json` (without the files' bookkeeping, added when it is saved)."""
    by_category = np.bincount(v.category, minlength=4)
    by_employment = np.bincount(v.employment_status, minlength=4)
    return {
        "as_of": as_of.isoformat(),
        "persons": len(v.persons),
        # moved_out and away come from visits only, which the delivered files never hold
        "categories": {**{c: int(by_category[i]) for i, c in enumerate(_CATEGORIES)}, "moved_out": 0, "away": 0},
        "missing_by_insurance": {i: int((v.statuses[i] == 2).sum()) for i in INSURANCES},
        "anomalies": {
            "duplicate_enrolment": int(v.duplicate.sum()),
            "deceased_enrolled": int(v.deceased_enrolled.sum()),
            "inconsistent_identity": int(v.inconsistent.sum()),
        },
        "outside_register": outside_register,  # information, as `canbao compare --json` reports it
        "employment": {e: int(by_employment[i]) for i, e in enumerate(_EMPLOYMENT) if e},
        "by_township": _by_township(v, pop, places),
    }


def _truth(
    comparison: Comparison, layout: _Layout, rejected: Bools, pop: _Population, places: _Places, as_of: date
) -> tuple[Any, dict[str, Any]]:
    """The truth table and its counts, from the rows an importer accepts."""
    on_all = _membership(layout.keys, layout.rows, rejected, pop.total)
    valid = on_all[layout.keys[layout.register_index]]
    elsewhere_keys = [key for s, key in enumerate(layout.keys) if s != layout.register_index]
    outside_register = int((_any(on_all, elsewhere_keys, pop.total) & ~valid).sum())
    verdicts = _verdicts(comparison, layout, rejected, on_all, pop)
    return _truth_table(verdicts, pop, places), _truth_counts(verdicts, outside_register, pop, places, as_of)
