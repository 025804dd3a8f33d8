from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.identity.idnumber import (
    REASON_BAD_DATE,
    REASON_EMPTY,
    REASON_EXCEL_NUMBER,
    REASON_ILLEGAL_CHARS,
    IdCheck,
    birth_date_of,
    check_char,
    id_to_int64,
    ids_to_int64,
    int64_to_id,
    is_valid_id,
    normalise_id,
    normalise_ids,
    sex_of,
    validate_id,
)
from tests.id_vectors import VALID

# Fixed so that "not in the future" does not depend on the day the tests run.
AS_OF = date(2025, 6, 30)

INVALID = {
    "230307196304054513": "校验码错误（应为X）",
    "110108196711301866": "校验码错误（应为2）",
    "37070419881216001X": "校验码错误（应为2）",
    "12010X198901011234": REASON_ILLEGAL_CHARS,
}


def ref_check(first17: str) -> str:
    # Independent of the module: ISO 7064 MOD 11-2 with weights 2^(17-i) mod 11 instead of the fixed table.
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make_id(address: str, born: date, seq: int) -> str:
    first17 = f"{address}{born:%Y%m%d}{seq:03d}"
    return first17 + ref_check(first17)


addresses = st.integers(110000, 829999).map(str)
births = st.dates(min_value=date(1850, 1, 1), max_value=AS_OF)
sequences = st.integers(0, 999)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    return make_id(draw(addresses), draw(births), draw(sequences))


@st.composite
def old_ids(draw: st.DrawFn) -> tuple[str, str]:
    """An old 15-digit ID and the 18-character ID it must convert to."""
    address = draw(addresses)
    seq = draw(sequences)
    century = 1800 if seq >= 996 else 1900
    lowest = date(1850, 1, 1) if century == 1800 else date(1900, 1, 1)
    born = draw(st.dates(min_value=lowest, max_value=date(century + 99, 12, 31)))
    old = f"{address}{born:%y%m%d}{seq:03d}"
    return old, make_id(address, born, seq)


FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


@st.composite
def messy(draw: st.DrawFn, id_: str) -> str:
    """The same ID as a clerk might type or paste it: full-width, spaced, lower-case x."""
    out = []
    for ch in id_:
        if ch == "X" and draw(st.booleans()):
            ch = "x"
        if draw(st.booleans()):
            ch = ch.translate(FULL_WIDTH)
        out.append(ch)
        out.append(draw(st.sampled_from(["", "", "", " ", "\u3000", "\t", "\u00a0", "\u200b", "\n"])))
    return draw(st.sampled_from(["", " ", "\u3000"])) + "".join(out)


# --- public vectors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("id_", VALID)
def test_public_valid_vectors(id_: str) -> None:
    result = validate_id(id_, as_of=AS_OF)
    assert result.ok, result.reason
    assert result.id == id_
    assert result.reason is None
    assert not result.converted_from_15
    assert is_valid_id(id_, as_of=AS_OF)
    assert check_char(id_[:17]) == id_[17] == ref_check(id_[:17])


@pytest.mark.parametrize(("id_", "reason"), INVALID.items())
def test_public_invalid_vectors(id_: str, reason: str) -> None:
    result = validate_id(id_, as_of=AS_OF)
    assert result == IdCheck(id=None, ok=False, reason=reason)
    assert not is_valid_id(id_, as_of=AS_OF)


def test_check_char_rejects_bad_input() -> None:
    for bad in [
        "",
        "1234567890123456",
        "123456789012345678",
        "1234567890123456X",
        "１２３４５６７８９０１２３４５６７",
    ]:
        with pytest.raises(ValueError):
            check_char(bad)


# --- derived fields ----------------------------------------------------------------------------------------


def test_birth_date_and_sex_of_vectors() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    assert sex_of("11010519491231002X") == "女"
    assert birth_date_of("440524188001010014") == date(1880, 1, 1)
    assert sex_of("440524188001010014") == "男"
    assert sex_of("230306196304054513") == "男"
    assert sex_of("110108196711301862") == "女"
    result = validate_id("110108196711301862", as_of=AS_OF)
    assert (result.birth_date, result.sex) == (date(1967, 11, 30), "女")


@given(addresses, births, sequences)
def test_sex_follows_sequence_parity(address: str, born: date, seq: int) -> None:
    id_ = make_id(address, born, seq)
    expected = "男" if seq % 2 else "女"
    assert sex_of(id_) == expected
    assert birth_date_of(id_) == born
    result = validate_id(id_, as_of=AS_OF)
    assert result.ok and result.sex == expected and result.birth_date == born


def test_birth_date_of_and_sex_of_reject_non_ids() -> None:
    for bad in ["", "34052419800101001x", "3405241980010100", "34052419800101001Y", "340524800101001"]:
        with pytest.raises(ValueError):
            sex_of(bad)
        with pytest.raises(ValueError):
            birth_date_of(bad)
    with pytest.raises(ValueError):
        birth_date_of("340524198002300014")  # well-formed, but 30 February


# --- dates -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yyyymmdd", "ok"),
    [
        ("20000229", True),  # divisible by 400: leap
        ("20040229", True),
        ("19000229", False),  # divisible by 100 only: not leap
        ("20010229", False),
        ("19800230", False),
        ("19801301", False),
        ("19800001", False),
        ("19800100", False),
        ("19800131", True),
        ("19800431", False),
        ("18500101", True),  # the earliest accepted birth date
        ("18491231", False),
        ("00000000", False),
    ],
)
def test_birth_dates_must_be_real(yyyymmdd: str, ok: bool) -> None:
    first17 = f"340524{yyyymmdd}001"
    id_ = first17 + ref_check(first17)
    result = validate_id(id_, as_of=AS_OF)
    assert result.ok is ok
    assert is_valid_id(id_, as_of=AS_OF) is ok
    if not ok:
        assert result.reason == REASON_BAD_DATE


def test_future_birth_dates_are_rejected_relative_to_as_of() -> None:
    on_the_day = make_id("340524", AS_OF, 1)
    tomorrow = make_id("340524", AS_OF + timedelta(days=1), 1)
    assert validate_id(on_the_day, as_of=AS_OF).ok
    assert validate_id(tomorrow, as_of=AS_OF).reason == REASON_BAD_DATE
    assert validate_id(tomorrow, as_of=AS_OF + timedelta(days=1)).ok
    assert not is_valid_id(tomorrow, as_of=AS_OF)
    far_future = make_id("340524", date(2999, 1, 1), 1)
    assert validate_id(far_future).reason == REASON_BAD_DATE  # default as_of is today
    # Packing does not look at the date at all.
    assert int64_to_id(id_to_int64(far_future)) == far_future


def test_date_is_reported_before_the_check_character() -> None:
    # A typo in the date breaks both; the date is the more useful hint.
    assert validate_id("340524198002300015", as_of=AS_OF).reason == REASON_BAD_DATE


# --- 15 -> 18 ----------------------------------------------------------------------------------------------


def test_old_15_digit_conversion() -> None:
    result = validate_id("340524800101001", as_of=AS_OF)
    assert result.ok and result.converted_from_15
    assert result.id == "34052419800101001X"
    assert result.birth_date == date(1980, 1, 1)
    assert result.sex == "男"


@pytest.mark.parametrize("seq", ["996", "997", "998", "999"])
def test_old_centenarian_sequences_are_19th_century(seq: str) -> None:
    result = validate_id(f"440524800101{seq}", as_of=AS_OF)
    assert result.ok, result.reason
    assert result.id is not None and result.id[6:14] == "18800101"
    assert result.id == make_id("440524", date(1880, 1, 1), int(seq))
    assert result.birth_date == date(1880, 1, 1)


def test_old_sequence_995_is_still_20th_century() -> None:
    result = validate_id("440524800101995", as_of=AS_OF)
    assert result.id == make_id("440524", date(1980, 1, 1), 995)


def test_old_centenarian_rule_still_checks_the_date() -> None:
    # 1800 is not a leap year, and 1820 is before the earliest accepted birth date.
    for old in ["440524000229996", "440524200101997"]:
        result = validate_id(old, as_of=AS_OF)
        assert result == IdCheck(id=None, ok=False, reason=REASON_BAD_DATE, converted_from_15=True)
    # An ordinary old number means the 1900s, and 1900 was not a leap year either.
    assert validate_id("440524000229001", as_of=AS_OF).reason == REASON_BAD_DATE
    assert validate_id("440524960229001", as_of=AS_OF).ok


@given(old_ids())
def test_old_ids_convert(pair: tuple[str, str]) -> None:
    old, new = pair
    result = validate_id(old, as_of=AS_OF)
    assert result.ok, result.reason
    assert result.converted_from_15
    assert result.id == new
    assert is_valid_id(new, as_of=AS_OF)
    assert not is_valid_id(old, as_of=AS_OF)  # the strict predicate wants the canonical form


def test_old_ids_cannot_contain_x() -> None:
    result = validate_id("34052480010100X", as_of=AS_OF)
    assert result.reason == REASON_ILLEGAL_CHARS
    assert result.converted_from_15


# --- normalisation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "３４０５２４１９８００１０１００１Ｘ",
        "３４０５２４１９８００１０１００１ｘ",
        "34052419800101001x",
        " 340524 19800101 001X ",
        "340524\u300019800101\u3000001x",
        "\t34052419800101001X\r\n",
        "\ufeff34052419800101001\u200bX",
        "3 4 0 5 2 4 1 9 8 0 0 1 0 1 0 0 1 x",
    ],
)
def test_messy_input_normalises(raw: str) -> None:
    assert normalise_id(raw) == "34052419800101001X"
    result = validate_id(raw, as_of=AS_OF)
    assert result.ok and result.id == "34052419800101001X"


@given(valid_ids().flatmap(lambda id_: st.tuples(st.just(id_), messy(id_))))
def test_messy_valid_ids_validate(pair: tuple[str, str]) -> None:
    id_, raw = pair
    assert normalise_id(raw) == id_
    assert validate_id(raw, as_of=AS_OF).id == id_


@given(st.text())
def test_normalise_is_idempotent(raw: str) -> None:
    once = normalise_id(raw)
    assert normalise_id(once) == once
    assert not any(ch.isspace() for ch in once)
    assert "x" not in once


@given(st.text(alphabet="0123456789xX０１２３４５６７８９ｘＸ \u3000\t\u00a0\u200b\u00a8\u0301e"))
def test_normalise_is_idempotent_on_id_like_text(raw: str) -> None:
    once = normalise_id(raw)
    assert normalise_id(once) == once


@pytest.mark.parametrize(
    "raw", [None, float("nan"), np.nan, np.float32("nan"), pd.NA, pd.NaT, "", "   ", "\u3000", "\u200b"]
)
def test_empty_input(raw: object) -> None:
    assert normalise_id(raw) == ""
    assert validate_id(raw) == IdCheck(id=None, ok=False, reason=REASON_EMPTY)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("3405241980010100", "身份证号长度应为18位或15位（实为16位）"),
        ("34052419800101001", "身份证号长度应为18位或15位（实为17位）"),
        ("340524198001010011X", "身份证号长度应为18位或15位（实为19位）"),
        ("12345", "身份证号长度应为18位或15位（实为5位）"),
        (12345, "身份证号长度应为18位或15位（实为5位）"),
        ("张三", REASON_ILLEGAL_CHARS),
        ("34052419800101001Y", REASON_ILLEGAL_CHARS),
        ("34052419800101-01X", REASON_ILLEGAL_CHARS),
        ("3405241980010100X1", REASON_ILLEGAL_CHARS),
        (-340524800101001, REASON_ILLEGAL_CHARS),
        (True, REASON_ILLEGAL_CHARS),
        (1.5, REASON_ILLEGAL_CHARS),
        (float("inf"), REASON_ILLEGAL_CHARS),
    ],
)
def test_shape_errors(raw: object, reason: str) -> None:
    assert validate_id(raw, as_of=AS_OF).reason == reason


# --- Excel numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        3.50524198001010e17,
        float(440524188001010014),
        np.float64(230306196304054513),
        440524188001010014,  # an int: how pandas.read_excel hands over a number cell
        np.int64(230306196304054513),
        int(float(230306196304054513)),
        35052419800101001,  # 17 digits: an ID ending in X can never have been a number
        "3.50524E+17",
        "3.50524e+17",
        "3.5052419800101E17",
        "３.５０５２４Ｅ＋１７",
        " 3.50524E+17 ",
        "4.40524E+14",  # even a would-be old number: Excel's display kept only 6 digits
        "440524188001010014.0",
        "350524198001010000",  # text of a rounded number: check character wrong, ends in 000
    ],
)
def test_excel_numbers_are_corrupt(raw: object) -> None:
    assert validate_id(raw, as_of=AS_OF) == IdCheck(id=None, ok=False, reason=REASON_EXCEL_NUMBER)


def test_float_normalises_to_what_excel_shows() -> None:
    assert normalise_id(3.50524198001010e17) == "350524198001010000"
    assert normalise_id(340524800101001.0) == "340524800101001"
    assert normalise_id(340524800101001) == "340524800101001"


@pytest.mark.parametrize("raw", [340524800101001, 340524800101001.0, np.int64(340524800101001), "340524800101001.0"])
def test_15_digit_numbers_are_genuine_old_ids(raw: object) -> None:
    result = validate_id(raw, as_of=AS_OF)
    assert result.ok and result.converted_from_15
    assert result.id == "34052419800101001X"


def test_genuine_text_ending_in_000_is_accepted() -> None:
    # Text is trusted: the Excel hint replaces only a wrong check character.
    id_ = "350524198201011000"
    assert ref_check(id_[:17]) == "0"
    assert validate_id(id_, as_of=AS_OF).ok
    assert validate_id("350524198201011001", as_of=AS_OF).reason == "校验码错误（应为0）"


# --- int64 packing -----------------------------------------------------------------------------------------


def test_int64_vectors() -> None:
    assert id_to_int64("11010519491231002X") == 11010519491231002 * 11 + 10
    assert id_to_int64("440524188001010014") == 44052418800101001 * 11 + 4
    for id_ in VALID:
        assert int64_to_id(id_to_int64(id_)) == id_


@given(valid_ids())
def test_int64_round_trip(id_: str) -> None:
    packed = id_to_int64(id_)
    assert 0 <= packed < 2**63
    assert int64_to_id(packed) == id_
    assert int64_to_id(np.int64(packed)) == id_


@given(valid_ids(), valid_ids())
def test_int64_preserves_order(a: str, b: str) -> None:
    assert (a < b) == (id_to_int64(a) < id_to_int64(b))
    assert (a == b) == (id_to_int64(a) == id_to_int64(b))


def test_int64_rejects_bad_input() -> None:
    for bad in ["230307196304054513", "34052419800101001x", "", "340524800101001"]:
        with pytest.raises(ValueError) as excinfo:
            id_to_int64(bad)
        assert bad == "" or bad not in str(excinfo.value)
    for bad_n in [-1, 10**17 * 11, 2**63, 23030719630405451 * 11 + 3]:
        with pytest.raises(ValueError):
            int64_to_id(bad_n)
    for bad_type in [True, 1.0, "123"]:
        with pytest.raises(TypeError):
            int64_to_id(bad_type)  # type: ignore[arg-type]


# --- vectorised --------------------------------------------------------------------------------------------


# pandas calls are slow enough on a busy CI machine to trip hypothesis's default 200 ms deadline.
@settings(deadline=None)
@given(st.lists(valid_ids().flatmap(lambda id_: st.one_of(st.just(id_), messy(id_))), max_size=30))
def test_normalise_ids_agrees_with_scalar(raws: list[str]) -> None:
    for series in [pd.Series(raws, dtype="str"), pd.Series(raws, dtype=object)]:
        series.index = pd.RangeIndex(100, 100 + len(raws))
        got = normalise_ids(series)
        assert got.tolist() == [normalise_id(v) for v in raws]
        assert got.index.equals(series.index)


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=25)), max_size=20))
def test_normalise_ids_agrees_with_scalar_on_any_text(raws: list[str | None]) -> None:
    # Exercises the per-row fallback: combining marks, format characters, exotic spaces, surrogates excluded.
    for series in [pd.Series(raws, dtype="str"), pd.Series(raws, dtype=object)]:
        assert normalise_ids(series).tolist() == [normalise_id(v) for v in raws]


@settings(deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.integers(-(10**18), 10**18),
            st.floats(allow_nan=True, allow_infinity=True),
            valid_ids(),
        ),
        max_size=20,
    )
)
def test_normalise_ids_agrees_with_scalar_on_mixed_objects(raws: list[object]) -> None:
    series = pd.Series(raws, dtype=object)
    assert normalise_ids(series).tolist() == [normalise_id(v) for v in raws]


def test_normalise_ids_on_mixed_and_numeric_columns() -> None:
    mixed = pd.Series(
        [
            "３４０５２４１９８００１０１００１ｘ",
            None,
            340524800101001,
            3.50524198001010e17,
            float("nan"),
            " 1 x ",
        ],
        dtype=object,
        name="身份证号",
    )
    got = normalise_ids(mixed)
    assert got.name == "身份证号"
    assert isinstance(got.dtype, pd.StringDtype)
    assert got.tolist() == [normalise_id(v) for v in mixed]
    assert got.tolist()[:4] == ["34052419800101001X", "", "340524800101001", "350524198001010000"]

    floats = pd.Series([3.50524198001010e17, np.nan, 340524800101001.0])
    assert normalise_ids(floats).tolist() == ["350524198001010000", "", "340524800101001"]
    ints = pd.Series([340524800101001, 12])
    assert normalise_ids(ints).tolist() == ["340524800101001", "12"]
    nullable = pd.Series([340524800101001, None], dtype="Int64")
    assert normalise_ids(nullable).tolist() == ["340524800101001", ""]
    text = pd.Series(["34052419800101001X", None, "3405 24", pd.NA], dtype="str")
    assert normalise_ids(text).tolist() == ["34052419800101001X", "", "340524", ""]
    assert normalise_ids(pd.Series([], dtype="str")).tolist() == []
    assert normalise_ids(pd.Series([], dtype=object)).tolist() == []


@settings(deadline=None)
@given(st.lists(valid_ids(), max_size=40))
def test_ids_to_int64_agrees_with_scalar(ids: list[str]) -> None:
    for series in [pd.Series(ids, dtype="str"), pd.Series(ids, dtype=object)]:
        series.index = pd.Index([f"r{i}" for i in range(len(ids))])
        got = ids_to_int64(series)
        assert got.dtype == np.int64
        assert got.index.equals(series.index)
        assert got.tolist() == [id_to_int64(v) for v in ids]


def test_ids_to_int64_on_a_slice_of_a_larger_array() -> None:
    # Arrow arrays sliced out of a bigger buffer have a non-zero offset.
    series = pd.Series(VALID * 3, dtype="str").iloc[5:12]
    assert ids_to_int64(series).tolist() == [id_to_int64(v) for v in series]


@pytest.mark.parametrize(
    "bad",
    [
        "230307196304054513",
        "34052419800101001x",
        "34052419800101001:",  # ":" is the byte after "9", i.e. digit value 10 = X if only subtracted
        "/40524198001010014",  # "/" is the byte before "0"
        "340524800101001",
        "",
        "３４０５２４１９８００１",
    ],
)
def test_ids_to_int64_rejects_invalid_rows_without_quoting_them(bad: str) -> None:
    series = pd.Series([*VALID, bad], dtype="str")
    with pytest.raises(ValueError) as excinfo:
        ids_to_int64(series)
    assert str(len(VALID)) in str(excinfo.value)  # names the row
    assert bad == "" or bad not in str(excinfo.value)


def test_ids_to_int64_rejects_missing_values() -> None:
    with pytest.raises(ValueError):
        ids_to_int64(pd.Series([VALID[0], None], dtype="str"))


def test_ids_to_int64_empty() -> None:
    got = ids_to_int64(pd.Series([], dtype="str"))
    assert got.dtype == np.int64 and len(got) == 0


def test_vectorised_round_trip_on_many_rows() -> None:
    rng = np.random.default_rng(20170601)
    n = 20_000
    ids = [
        make_id(str(a), date(1900, 1, 1) + timedelta(days=int(d)), int(s))
        for a, d, s in zip(
            rng.integers(110000, 829999, n), rng.integers(0, 45_000, n), rng.integers(0, 999, n), strict=True
        )
    ]
    packed = ids_to_int64(normalise_ids(pd.Series(ids, dtype="str")))
    assert [int64_to_id(int(v)) for v in packed] == ids
