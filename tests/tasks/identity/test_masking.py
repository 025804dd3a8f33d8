from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.identity.idnumber import check_char
from tasks.identity.masking import find_unmasked, mask_id, mask_phone, mask_text


@st.composite
def ids18(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=date(1850, 1, 1), max_value=date(2025, 6, 30)))
    first17 = f"{draw(st.integers(110000, 829999))}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + check_char(first17)


ids15 = st.from_regex(r"\A[1-8][0-9]{14}\Z")
phones = st.from_regex(r"\A1[3-9][0-9]{9}\Z")
personal = st.one_of(ids18(), ids15, phones)
# Anything but a decimal digit, so a generated number is never glued into a longer digit run.
separators = st.text(st.characters(blacklist_categories=["Nd", "Cs"]), min_size=1, max_size=5)
# Noise that deliberately contains digits, separators of grouped phones and the letter X.
noise = st.text(alphabet="0123456789 -+*Xx年月日:：，号码身份证电话", max_size=25)


@st.composite
def texts_with_personal_data(draw: st.DrawFn) -> tuple[str, list[str]]:
    values = draw(st.lists(personal, min_size=1, max_size=5))
    parts = [draw(separators)]
    for value in values:
        parts += [value, draw(separators), draw(noise), draw(separators)]
    return "".join(parts), values


# --- mask_id -----------------------------------------------------------------------------------------------


def test_mask_id_18() -> None:
    assert mask_id("35052419800101123X") == "350524********123X"
    assert mask_id("440524188001010014") == "440524********0014"


def test_mask_id_other_lengths() -> None:
    assert mask_id("") == ""
    assert mask_id("340524800101001") == "340524*****1001"
    assert mask_id("3405241980010100") == "340524******0100"
    assert mask_id("34052419800101001X1234") == "340524************1234"
    assert mask_id("12345678") == "12****78"
    assert mask_id("1234") == "1**4"
    assert mask_id("123") == "***"
    assert mask_id("1") == "*"


@given(st.text(max_size=40))
def test_mask_id_never_reveals_too_much(value: str) -> None:
    masked = mask_id(value)
    assert len(masked) == len(value)
    shown = [i for i, ch in enumerate(masked) if ch != "*"]
    assert len(shown) <= 10
    if len(value) < 15:
        assert len(shown) <= len(value) // 2
    for i in shown:
        assert masked[i] == value[i]
    if len(value) == 18:
        assert masked[6:14] == "********"


# --- mask_phone --------------------------------------------------------------------------------------------


def test_mask_phone() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("") == ""
    assert mask_phone("1234567") == "*******"
    assert mask_phone("12345678") == "123*5678"
    assert mask_phone("059512345678") == "059*****5678"
    assert mask_phone("+8613812341234") == "+86*******1234"


@given(phones)
def test_mask_phone_hides_the_middle(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert find_unmasked(masked) == []


# --- find_unmasked -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("身份证号35052419800101123X，请核对", ["35052419800101123X"]),
        ("id=35052419800101123x;", ["35052419800101123x"]),
        ("440524188001010014", ["440524188001010014"]),
        ("老证号340524800101001。", ["340524800101001"]),
        ("电话13812341234", ["13812341234"]),
        ("tel:+8613812341234", ["+8613812341234"]),
        ("tel 86 138 1234 1234 end", ["86 138 1234 1234"]),
        ("138-1234-1234", ["138-1234-1234"]),
        ("３５０５２４１９８００１０１１２３Ｘ", ["３５０５２４１９８００１０１１２３Ｘ"]),
        ("a 440524188001010014 b 13812341234 c", ["440524188001010014", "13812341234"]),
        ("4405241880010100141", []),  # 19 digits: not an ID
        ("12345678901234567890", []),
        ("1440524188001010014", []),
        ("138123412345", []),  # 12 digits
        ("213812341234", []),
        ("12812341234", []),  # 12x is not a mobile prefix
        ("3405248001010", []),
        ("350524********123X", []),
        ("138****1234", []),
        ("订单 2025-06-30 共 1234 人", []),
        ("", []),
    ],
)
def test_find_unmasked(text: str, found: list[str]) -> None:
    assert find_unmasked(text) == found


def test_mask_text_examples() -> None:
    text = "张三 35052419800101123X 电话 13812341234；李四 340524800101001，+86 139-1234-5678。"
    masked = mask_text(text)
    assert masked == "张三 350524********123X 电话 138****1234；李四 340524*****1001，+86**********5678。"
    assert find_unmasked(masked) == []


# --- properties --------------------------------------------------------------------------------------------


@given(texts_with_personal_data())
def test_generated_personal_data_is_found_and_masked(sample: tuple[str, list[str]]) -> None:
    text, values = sample
    found = find_unmasked(text)
    masked = mask_text(text)
    assert find_unmasked(masked) == []
    for value in values:
        # Every planted value is reported (possibly as part of a grouped phone or with a +86 prefix)...
        assert any(value in hit for hit in found)
        # ...and none survives masking.
        assert value not in masked


@given(st.text(alphabet="0123456789 -+*Xx\u3000", max_size=80))
def test_mask_text_leaves_nothing_behind(text: str) -> None:
    masked = mask_text(text)
    assert find_unmasked(masked) == []
    assert mask_text(masked) == masked
    assert len(masked) == len(text)


@given(st.text())
def test_mask_text_only_touches_matches(text: str) -> None:
    if not find_unmasked(text):
        assert mask_text(text) == text
