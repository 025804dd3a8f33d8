"""ID numbers at the edges the other tests leave open: the packed range's ends and what each refusal says.

Exception texts are meant for programmers and end up in logs, so they are checked word for word: they must
say what is wrong without quoting the number.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tasks.identity.idnumber import (
    _valid_birth_bytes,
    birth_date_of,
    check_char,
    id_to_int64,
    ids_to_int64,
    int64_to_id,
    normalise_id,
    normalise_ids,
    validate_id,
    validate_ids,
)

VALID = "11010519491231002X"
PACKED_LIMIT = 11 * 10**17


def with_check(first17: str) -> str:
    return first17 + check_char(first17)


def test_a_birth_date_that_is_no_calendar_day_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match=r"^the birth-date field of the ID is not a calendar date$"):
        birth_date_of(with_check("11010519490230002"))


def test_a_wrong_check_character_builds_no_key() -> None:
    with pytest.raises(ValueError, match=r"^the check character of the ID is wrong; refusing to build a key from it$"):
        id_to_int64(VALID[:17] + "1")


def test_packed_values_at_both_ends_of_the_range() -> None:
    # 1 is 17 zeros with the check value 1, which is the right check character for them.
    assert int64_to_id(1) == "000000000000000001"
    with pytest.raises(ValueError, match=r"^value does not decode to an ID with a valid check character$"):
        int64_to_id(0)  # 17 zeros want the check character 1, not 0
    with pytest.raises(ValueError, match=r"^value out of range for a packed ID$"):
        int64_to_id(-1)
    with pytest.raises(ValueError, match=r"^value out of range for a packed ID$"):
        int64_to_id(PACKED_LIMIT)
    largest = "9" * 17 + "3"  # the highest 17 digits with their check character
    assert int64_to_id(id_to_int64(largest)) == largest
    assert id_to_int64(largest) < PACKED_LIMIT


def test_a_bool_is_no_packed_id() -> None:
    with pytest.raises(TypeError, match=r"^int64_to_id needs an integer, not a bool$"):
        int64_to_id(True)


def birth_bytes(*days: str) -> np.ndarray:
    return np.frombuffer("".join(days).encode("ascii"), dtype=np.uint8).reshape(-1, 8)


@pytest.mark.parametrize(
    ("day", "valid"),
    [
        ("20000229", True),  # divisible by 400: a leap year
        ("19000229", False),  # divisible by 100 only: not one
        ("20040229", True),
        ("20010229", False),
        ("20010228", True),
        ("19960131", True),
        ("19960132", False),
        ("19960430", True),
        ("19960431", False),
        ("19961231", True),
        *(
            (f"1996{month:02d}{days + 1}", False)
            for month, days in ((3, 31), (5, 31), (7, 31), (8, 31), (10, 31), (12, 31))
        ),
        *((f"1996{month:02d}{days + 1}", False) for month, days in ((6, 30), (9, 30), (11, 30))),
        ("19961301", False),
        ("19960100", False),
        ("19960001", False),
        ("18500101", True),  # the earliest birth date accepted
        ("18491231", False),
        ("21000228", True),
        ("21000229", False),
    ],
)
def test_the_fast_birth_date_check_knows_the_calendar(day: str, valid: bool) -> None:
    # The vectorised check must accept exactly the calendar dates; rows it rejects go the slow way, so a check
    # that is too strict would only show as slowness, which this pins down.
    assert _valid_birth_bytes(birth_bytes(day), date(2101, 1, 1)).tolist() == [valid]


def test_the_fast_birth_date_check_accepts_the_as_of_date_itself() -> None:
    assert _valid_birth_bytes(birth_bytes("20170630", "20170701"), date(2017, 6, 30)).tolist() == [True, False]


def test_packing_a_column_keeps_its_index_and_name() -> None:
    column = pd.Series([VALID], index=pd.Index([7], name="row"), name="id_number")
    packed = ids_to_int64(column)
    assert (packed.name, packed.index.tolist(), packed.index.name) == ("id_number", [7], "row")
    empty = ids_to_int64(pd.Series([], dtype="str", index=pd.Index([], dtype="int64", name="row"), name="id_number"))
    pd.testing.assert_series_equal(
        empty, pd.Series([], dtype="int64", index=pd.Index([], dtype="int64", name="row"), name="id_number")
    )


def test_a_missing_id_in_a_column_to_pack_is_named_by_its_row() -> None:
    with pytest.raises(ValueError, match=r"^1 missing IDs, e\.g\. at row 'b'$"):
        ids_to_int64(pd.Series([VALID, None], index=["a", "b"]))


def test_refusals_of_malformed_input_say_what_was_expected() -> None:
    with pytest.raises(ValueError, match=r"^expected a normalised 18-character ID \(17 digits, then a digit or X\)$"):
        birth_date_of("1101051949123100")
    with pytest.raises(ValueError, match=r"^check_char needs exactly 17 ASCII digits$"):
        check_char("1101051949123100")


@pytest.mark.parametrize(
    ("raw", "converted"),
    [("11010519491231002x!", False), ("11010519491231X", True), ("1101051949123", False)],
    ids=["illegal character", "15 characters with an X", "13 digits"],
)
def test_a_refused_id_is_not_ok(raw: str, converted: bool) -> None:
    check = validate_id(raw, as_of=date(2017, 6, 30))
    assert (check.ok, check.id, check.converted_from_15) == (False, None, converted)


def test_odd_cells_are_normalised_to_their_text() -> None:
    assert normalise_id(True) == "True"
    assert normalise_id(float("inf")) == "inf"
    assert normalise_id(Decimal("110105194912310021")) == "110105194912310021"  # a database's numeric cell


@pytest.mark.parametrize(
    "values",
    [["110105 19491231002x"], [110105194912310021], ["11010519491231002X", 3.5]],
    ids=["text", "integers", "mixed"],
)
def test_a_normalised_column_keeps_its_index_and_name(values: list[object]) -> None:
    column = pd.Series(values, index=list(range(7, 7 + len(values))), name="id_number", dtype=object)
    normalised = normalise_ids(column)
    assert (normalised.name, normalised.index.tolist(), normalised.dtype) == ("id_number", column.index.tolist(), "str")


def test_a_colon_is_no_digit_whatever_the_check_character() -> None:
    # ":" follows "9" in ASCII; as a digit it would count as 10 and one of the 11 check characters would fit.
    for check in "0123456789X":
        with pytest.raises(ValueError, match="malformed or fail the check"):
            ids_to_int64(pd.Series(["11010519491231:02" + check]))


def test_validated_ids_are_text() -> None:
    frame = validate_ids(pd.Series([VALID, "x"]), as_of=date(2017, 6, 30))
    assert frame["id"].dtype == "str"
    assert frame["id"].tolist() == [VALID, ""]
