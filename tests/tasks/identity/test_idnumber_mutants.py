"""ID numbers at the edges the other tests leave open: the packed range's ends and what each refusal says.

Exception texts are meant for programmers and end up in logs, so they are checked word for word: they must
say what is wrong without quoting the number.
"""

from __future__ import annotations

import pytest

from tasks.identity.idnumber import birth_date_of, check_char, id_to_int64, int64_to_id

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
