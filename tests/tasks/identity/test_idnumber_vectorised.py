"""validate_ids, the column version of validate_id: it must agree with validate_id row for row."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.identity import idnumber
from tasks.identity.idnumber import REASON_EMPTY, REASON_EXCEL_NUMBER, validate_id, validate_ids
from tests.id_vectors import INVALID, VALID

AS_OF = date(2025, 6, 30)

MESSY: list[object] = [
    " 34052419800101001x ",
    "３６０４２６１９９１０１０１００７１",
    "3605241980010100\u200b1X",
    "350524800101001",
    350524800101001,
    350524800101001.0,
    3.50524198001010e17,
    350524198001010014,
    "3.50524E+17",
    "350524800101001.0",
    "350524198001010000",
    "350524202601010011",  # born after AS_OF
    "350524199002290012",  # 1990 was no leap year
    "350524200002290014",  # 2000 was
    "350524184912310011",  # before 1850
    "",
    "   ",
    None,
    float("nan"),
    pd.NA,
    True,
    date(1980, 1, 1),
    "abc",
    "3505241980010100141",
]


def ref_check(first17: str) -> str:
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def expected(values: list[object], as_of: date | None = AS_OF) -> tuple[list[str], list[str | None]]:
    checks = [validate_id(v, as_of=as_of) for v in values]
    return [c.id or "" for c in checks], [c.reason for c in checks]


def assert_agrees(values: list[object], *, as_of: date | None = AS_OF, dtype: str = "object") -> None:
    series = pd.Series(values, dtype=dtype, index=pd.RangeIndex(100, 100 + len(values)))
    result = validate_ids(series, as_of=as_of)
    ids, reasons = expected(list(series.array) if dtype != "object" else values, as_of)
    assert list(result.columns) == ["id", "reason"]
    assert result.index.equals(series.index)
    assert result["id"].tolist() == ids
    assert result["reason"].tolist() == reasons


def test_public_vectors() -> None:
    result = validate_ids(pd.Series(VALID + INVALID, dtype="str"), as_of=AS_OF)
    assert result["id"].tolist() == VALID + [""] * len(INVALID)
    assert result["reason"].tolist()[: len(VALID)] == [None] * len(VALID)
    assert all(result["reason"].tolist()[len(VALID) :])
    assert_agrees(VALID + INVALID, dtype="str")
    assert_agrees(VALID + INVALID)


def test_messy_cells_agree_with_validate_id() -> None:
    assert_agrees(MESSY)
    assert_agrees([v for v in MESSY if isinstance(v, str) or v is None], dtype="str")
    reasons = validate_ids(pd.Series(MESSY, dtype=object), as_of=AS_OF)["reason"].tolist()
    assert reasons[MESSY.index(3.50524198001010e17)] == REASON_EXCEL_NUMBER
    assert reasons[MESSY.index(350524800101001)] is None  # an old 15-digit number survives a number cell
    assert reasons[MESSY.index("")] == REASON_EMPTY


def test_number_columns_and_empty_columns() -> None:
    assert_agrees([350524800101001, 350524198001010014, 7], dtype="int64")
    assert_agrees([350524800101001.0, 3.50524198001010e17, float("nan")], dtype="float64")
    for dtype in ("str", "object"):
        result = validate_ids(pd.Series([], dtype=dtype))
        assert list(result.columns) == ["id", "reason"] and result.empty


def test_default_as_of_is_today(monkeypatch: pytest.MonkeyPatch) -> None:
    today = date(2017, 6, 30)  # the module's clock, fixed: the result must not depend on the day the test runs

    class Frozen(date):
        @classmethod
        def today(cls) -> Frozen:
            return cls(today.year, today.month, today.day)

    monkeypatch.setattr(idnumber, "date", Frozen)
    born_today, born_tomorrow = (
        f"350524{day:%Y%m%d}001" + ref_check(f"350524{day:%Y%m%d}001") for day in (today, today + timedelta(days=1))
    )
    assert validate_ids(pd.Series([born_today, born_tomorrow, VALID[0]], dtype="str"))["reason"].tolist() == [
        None,
        validate_id(born_tomorrow, as_of=today).reason,
        None,
    ]
    assert validate_id(born_tomorrow, as_of=today).reason is not None
    assert validate_id(born_tomorrow).reason == validate_id(born_tomorrow, as_of=today).reason
    assert validate_id(born_today).ok


def test_arrow_backed_strings() -> None:
    series = pd.Series(VALID + INVALID + ["  11010519491231002x"], dtype="string[pyarrow]")
    result = validate_ids(series, as_of=AS_OF)
    ids, reasons = expected(list(series), AS_OF)
    assert result["id"].tolist() == ids and result["reason"].tolist() == reasons


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    address = draw(st.sampled_from(["350524", "110105", "440524", "340524", "999999"]))
    born = draw(st.dates(min_value=date(1850, 1, 1), max_value=AS_OF))
    first17 = f"{address}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + ref_check(first17)


FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


@st.composite
def messy_cells(draw: st.DrawFn) -> object:
    good = draw(valid_ids())
    kind = draw(st.integers(0, 11))
    if kind == 0:
        return good
    if kind == 1:  # one character changed: usually a wrong check, sometimes a bad date or an illegal char
        i = draw(st.integers(0, 17))
        return good[:i] + draw(st.sampled_from("0123456789Xx ")) + good[i + 1 :]
    if kind == 2:
        return good.lower()
    if kind == 3:
        return good.translate(FULL_WIDTH)
    if kind == 4:
        return " " + good[:9] + "\u3000" + good[9:] + "\t"
    if kind == 5:  # an old 15-digit number, as text or as a number cell
        old = good[:6] + good[8:17]
        return draw(st.sampled_from([old, int(old), float(old), old + ".0"]))
    if kind == 6:  # Excel number cells
        return draw(st.sampled_from([float(good[:17] + "0"), int(good[:17] + "0"), good[:15] + "000"]))
    if kind == 7:
        return draw(st.sampled_from([None, float("nan"), "", " ", pd.NA]))
    if kind == 8:
        return draw(st.text(alphabet="0123456789Xx .E+-", max_size=20))
    if kind == 9:
        return draw(st.text(max_size=20))
    if kind == 10:  # truncated or extended
        return good[: draw(st.integers(0, 17))] + draw(st.text(alphabet="0123456789", max_size=3))
    return draw(st.integers(-(10**19), 10**19))


@settings(max_examples=300, deadline=None)
@given(st.lists(messy_cells(), max_size=30))
def test_agrees_with_validate_id_on_generated_cells(values: list[object]) -> None:
    assert_agrees(values)
    texts = [v for v in values if isinstance(v, str)]
    assert_agrees(texts, dtype="str")


@settings(max_examples=100, deadline=None)
@given(st.lists(valid_ids(), min_size=1, max_size=50), st.dates(min_value=date(1900, 1, 1), max_value=AS_OF))
def test_clean_columns_agree_for_any_as_of(values: list[str], as_of: date) -> None:
    assert_agrees(values, as_of=as_of, dtype="str")


@pytest.mark.parametrize("n", [1, 1000])
def test_large_clean_column_uses_the_fast_path(n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import tasks.identity.idnumber as idnumber

    calls = []
    original = idnumber.validate_id

    def counting(raw: object, *, as_of: date | None = None) -> object:
        calls.append(raw)
        return original(raw, as_of=as_of)

    monkeypatch.setattr(idnumber, "validate_id", counting)
    values = np.array(VALID * n, dtype=object)
    values[0] = "bad"
    result = validate_ids(pd.Series(values, dtype="str"), as_of=AS_OF)
    assert calls == ["bad"]
    assert (result["reason"].isna().sum(), result["id"].iloc[1]) == (len(values) - 1, VALID[1])
