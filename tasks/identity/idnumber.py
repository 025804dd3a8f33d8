"""Chinese resident identity numbers (GB 11643-1999): normalise, validate, convert, pack.

Rosters reach us from village clerks as Excel sheets, CSV exports and hand-typed lists, so the same number
arrives full-width, with spaces, with a lower-case x, as an old 15-digit number, or mangled by Excel into a
float. Everything here is pure (no I/O) so it can be used from flows, the CLI and tests alike.

Outcomes for users carry a short reason in Chinese; exceptions meant for programmers are in English and never
quote the number itself, because exception text ends up in logs.
"""

from __future__ import annotations

import math
import numbers
import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import SupportsIndex

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "REASON_BAD_DATE",
    "REASON_EMPTY",
    "REASON_EXCEL_NUMBER",
    "REASON_ILLEGAL_CHARS",
    "IdCheck",
    "birth_date_of",
    "check_char",
    "id_to_int64",
    "ids_to_int64",
    "int64_to_id",
    "is_valid_id",
    "normalise_id",
    "normalise_ids",
    "sex_of",
    "validate_id",
    "validate_ids",
]

_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"  # indexed by S mod 11
_CHECK_VALUES = "0123456789X"  # the packed value of a check character is its index here, so X = 10
# Old 15-digit numbers reserved sequences 996-999 for people already aged 100 or more when they were issued
# (i.e. born in the 1800s); every other old number is a 20th-century birth.
_CENTENARIAN_SEQUENCES = frozenset({"996", "997", "998", "999"})
_EARLIEST_BIRTH = date(1850, 1, 1)
# Excel keeps 15 significant digits; a 15-digit old number survives a trip through a number cell intact.
_EXCEL_DIGITS = 15
# Upper bound (exclusive) of packed values: 17 digits times 11 plus the largest check value; < 2**63.
_PACKED_LIMIT = 10**17 * 11

REASON_EMPTY = "身份证号为空"
REASON_ILLEGAL_CHARS = "身份证号含非法字符"
REASON_BAD_DATE = "出生日期无效"
REASON_EXCEL_NUMBER = "身份证号被Excel存为数字，精度已丢失，无法恢复"

_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ALLOWED = re.compile(r"[0-9X]+")
# How Excel (and CSV exports of number cells) print large numbers, e.g. "3.50524E+17".
_SCIENTIFIC = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)E[+-]?[0-9]+", re.IGNORECASE)
# A float printed as text ("350524800101001.0"): it went through a binary number on the way.
_FLOAT_TEXT = re.compile(r"([0-9]+)\.0*")
# Printable ASCII without space and without the lower-case x: such text is already in normal form, which is
# what almost every row of a real roster looks like, so the vectorised path skips the per-row work for it.
_ALREADY_NORMAL = r"^[!-wy-~]*$"


def _reason_length(n: int) -> str:
    return f"身份证号长度应为18位或15位（实为{n}位）"


def _reason_check(expected: str) -> str:
    return f"校验码错误（应为{expected}）"


@dataclass(frozen=True, slots=True)
class IdCheck:
    """The outcome of validate_id.

    `id`, `birth_date` and `sex` are set only when `ok` is true, so an invalid number can never be used as a
    key by accident; use normalise_id (and masking.mask_id) to show a rejected value to a user.
    `converted_from_15` tells that the input was an old 15-digit number, also when it was then rejected.
    """

    id: str | None
    ok: bool
    reason: str | None
    converted_from_15: bool = False
    birth_date: date | None = None
    sex: str | None = None


def _is_missing(raw: object) -> bool:
    if raw is None or raw is pd.NA or raw is pd.NaT:
        return True
    # np.float32 is not a float subclass, but its NaN is just as empty.
    return isinstance(raw, float | np.floating) and math.isnan(raw)


def _clean_text(text: str) -> str:
    if text.isascii():
        # NFKC leaves ASCII alone, so only whitespace needs to go.
        return "".join(text.split()).replace("x", "X")
    # Removing a character can let NFKC compose its neighbours (and NFKC can produce spaces, e.g. from
    # U+00A8), so repeat until nothing changes; that is what makes normalise_id idempotent. Two rounds
    # suffice in practice, the bound only guards against pathological input.
    for _ in range(8):
        cleaned = "".join(unicodedata.normalize("NFKC", text).split())
        if cleaned.isascii():
            # The usual case (full-width digits): ASCII is stable under NFKC and has no format characters.
            text = cleaned
            break
        # Format characters (zero-width space, BOM, direction marks) are invisible and come along when numbers
        # are copied out of web pages and chat messages; they are not whitespace to Python, so drop them too.
        cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) != "Cf")
        if cleaned == text:
            break
        text = cleaned
    return text.replace("x", "X")


def normalise_id(raw: object) -> str:
    """Return the text of an ID cell in canonical form: NFKC, no whitespace at all, upper-case X.

    None, NaN and pd.NA give "". Integers give their digits. Floats give the digits Excel would display,
    i.e. rounded to 15 significant digits, not the binary artefacts of the double (3.50524198001010E+17 gives
    "350524198001010000", not "350524198001009984"); validate_id still rejects such a value as corrupt.
    Nothing is validated here.
    """
    if _is_missing(raw):
        return ""
    if isinstance(raw, str):
        return _clean_text(raw)
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, numbers.Integral):
        return str(int(raw))
    if isinstance(raw, numbers.Real):
        value = float(raw)
        if not math.isfinite(value):
            return str(value)
        return format(Decimal(format(value, f".{_EXCEL_DIGITS}g")), "f")
    return _clean_text(str(raw))


def check_char(first17: str) -> str:
    """Return the check character for the first 17 digits of an ID."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("check_char needs exactly 17 ASCII digits")
    # map() instead of a generator: this runs once per roster row in validate_id.
    total = sum(map(operator.mul, map(int, first17), _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def _require_id18_shape(id18: str) -> None:
    if not isinstance(id18, str) or _ID18.fullmatch(id18) is None:
        raise ValueError("expected a normalised 18-character ID (17 digits, then a digit or X)")


def _parse_birth(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None


def _birth_in_range(born: date | None, as_of: date | None) -> bool:
    if born is None:
        return False
    return _EARLIEST_BIRTH <= born <= (as_of or date.today())


def birth_date_of(id18: str) -> date:
    """Return the birth date encoded in an 18-character ID; ValueError if it is not a calendar date."""
    _require_id18_shape(id18)
    born = _parse_birth(id18[6:14])
    if born is None:
        raise ValueError("the birth-date field of the ID is not a calendar date")
    return born


def sex_of(id18: str) -> str:
    """Return "男" for an odd sequence number, "女" for an even one."""
    _require_id18_shape(id18)
    return "男" if int(id18[16]) % 2 == 1 else "女"


def is_valid_id(s: str, *, as_of: date | None = None) -> bool:
    """True only for an ID already in canonical 18-character form with a valid check character and birth date.

    Deliberately strict (no normalisation, no 15-digit numbers): this is the predicate for stored keys, where
    anything not canonical is a bug upstream. Use validate_id for raw user input.
    """
    if not isinstance(s, str) or _ID18.fullmatch(s) is None:
        return False
    return s[17] == check_char(s[:17]) and _birth_in_range(_parse_birth(s[6:14]), as_of)


def _convert_15(old: str) -> str:
    century = "18" if old[12:15] in _CENTENARIAN_SEQUENCES else "19"
    first17 = old[:6] + century + old[6:15]
    return first17 + check_char(first17)


def validate_id(raw: object, *, as_of: date | None = None) -> IdCheck:
    """Check one raw ID cell and say, in Chinese, what is wrong with it.

    Birth dates must be real dates from 1850-01-01 up to `as_of` (default: today). Old 15-digit numbers are
    converted to 18 characters. Decisions about numbers (Excel number cells):

    * A float, text in scientific notation ("3.50524E+17") or the text of a float ("350524198001010014.0")
      with more than 15 digits lost its last digits in a binary number: reported as corrupt, never repaired.
    * Any integer with more than 15 digits is reported as corrupt too. Python ints are exact, but in practice
      an integer ID comes from pandas.read_excel, which turns integer-valued floats into ints, so its trailing
      digits are artefacts. Treating it as genuine would accept someone else's number whenever the damaged
      digits happen to pass the check (1 time in 11). Read ID columns as text (dtype=str) instead.
    * A 15-digit integer, or an integer-valued float with exactly 15 digits, is accepted as an old ID: 15
      digits fit both in a double and in Excel's 15 significant digits, so nothing was lost.
    * Digit text (not a number) is trusted, but if its check character is wrong and it ends in "000" the Excel
      reason is given instead of the check-character one, because that is how Excel displays a long number
      it has already rounded, and it is by far the likelier cause.
    """
    text = normalise_id(raw)
    if not text:
        return IdCheck(id=None, ok=False, reason=REASON_EMPTY)

    via_number = False
    if isinstance(raw, numbers.Real) and not isinstance(raw, bool):
        via_number = True
    elif _SCIENTIFIC.fullmatch(text):
        return IdCheck(id=None, ok=False, reason=REASON_EXCEL_NUMBER)
    elif (float_text := _FLOAT_TEXT.fullmatch(text)) is not None:
        via_number = True
        text = float_text.group(1)
    if via_number and text.isdigit() and len(text) > _EXCEL_DIGITS:
        return IdCheck(id=None, ok=False, reason=REASON_EXCEL_NUMBER)

    if _ALLOWED.fullmatch(text) is None:
        return IdCheck(id=None, ok=False, reason=REASON_ILLEGAL_CHARS)
    converted = len(text) == 15
    if converted:
        if not text.isdigit():  # old numbers had no check character, so no X either
            return IdCheck(id=None, ok=False, reason=REASON_ILLEGAL_CHARS, converted_from_15=True)
        id18 = _convert_15(text)
    elif len(text) == 18:
        if "X" in text[:17]:
            return IdCheck(id=None, ok=False, reason=REASON_ILLEGAL_CHARS)
        id18 = text
    else:
        return IdCheck(id=None, ok=False, reason=_reason_length(len(text)))

    # The date comes before the check character: a typo in the date usually breaks both, and "出生日期无效"
    # tells the clerk where to look, whereas "应为7" would invite them to just change the last character.
    born = _parse_birth(id18[6:14])
    if not _birth_in_range(born, as_of):
        return IdCheck(id=None, ok=False, reason=REASON_BAD_DATE, converted_from_15=converted)
    expected = check_char(id18[:17])
    if id18[17] != expected:
        reason = REASON_EXCEL_NUMBER if id18.endswith("000") else _reason_check(expected)
        return IdCheck(id=None, ok=False, reason=reason)
    return IdCheck(id=id18, ok=True, reason=None, converted_from_15=converted, birth_date=born, sex=sex_of(id18))


def id_to_int64(id18: str) -> int:
    """Pack a valid 18-character ID as int(first 17 digits) * 11 + check value (X = 10).

    The result is below 1.1e18, so it fits an int64 column and compares and joins much faster than text.
    Only the check character is verified, not the birth date: packing must not depend on today's date.
    """
    _require_id18_shape(id18)
    if id18[17] != check_char(id18[:17]):
        raise ValueError("the check character of the ID is wrong; refusing to build a key from it")
    return int(id18[:17]) * 11 + _CHECK_VALUES.index(id18[17])


def int64_to_id(n: SupportsIndex) -> str:
    """Inverse of id_to_int64. Accepts numpy integers too, as they come out of an int64 column."""
    if isinstance(n, bool):  # an int subclass, but surely a mistake here
        raise TypeError("int64_to_id needs an integer, not a bool")
    value = operator.index(n)
    if not 0 <= value < _PACKED_LIMIT:
        raise ValueError("value out of range for a packed ID")
    first, check_value = divmod(value, 11)
    first17 = f"{first:017d}"
    id18 = first17 + _CHECK_VALUES[check_value]
    if id18[17] != check_char(first17):
        raise ValueError("value does not decode to an ID with a valid check character")
    return id18


def normalise_ids(s: pd.Series) -> pd.Series:
    """normalise_id for a whole column; returns a `str` Series with the same index and name.

    Rows that are already printable ASCII without spaces or x are recognised by one vectorised regex and left
    alone, so only the dirty rows pay for the per-row Unicode work (about 2 µs each).
    """
    if isinstance(s.dtype, pd.StringDtype) or (
        s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
    ):
        return pd.Series(_normalise_text(s.astype("str")), index=s.index, name=s.name, dtype="str")
    if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
        # Integer columns hold no NaN unless they are nullable; without any, str() is exactly normalise_id.
        return s.astype("str")
    return pd.Series([normalise_id(v) for v in s.array], index=s.index, name=s.name, dtype="str")


def _normalise_text(text: pd.Series) -> pa.Array:
    arrow = pa.array(text, type=pa.large_string())
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    dirty = pc.and_(
        pc.is_valid(arrow), pc.invert(pc.fill_null(pc.match_substring_regex(arrow, _ALREADY_NORMAL), False))
    )
    if pc.any(dirty).as_py():
        # pyarrow's own NFKC (utf8proc) was measured no faster than Python's here, and its Unicode version
        # may differ from Python's; the scalar function per dirty row keeps both paths identical by design.
        fixed = [_clean_text(v) for v in arrow.filter(dirty).to_pylist()]
        arrow = pc.replace_with_mask(arrow, dirty, pa.array(fixed, type=pa.large_string()))
    return pc.fill_null(arrow, "")


def _packed_from_bytes(chars: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    # Column by column rather than one (n, 17) int64 matrix: same result, a fraction of the memory traffic.
    digits = chars[:, :17] - np.uint8(ord("0"))  # bytes below "0" wrap around to large values
    shape_ok = (digits <= 9).all(axis=1)
    packed = np.zeros(len(chars), dtype=np.int64)
    weighted = np.zeros(len(chars), dtype=np.int64)
    for i, weight in enumerate(_WEIGHTS):
        column = digits[:, i].astype(np.int64)
        packed *= 10
        packed += column
        weighted += column * weight
    last = chars[:, 17]
    last_digit = last - np.uint8(ord("0"))
    is_x = last == ord("X")
    shape_ok &= (last_digit <= 9) | is_x
    check_value = np.where(is_x, 10, last_digit.astype(np.int64))
    expected_value = np.array([_CHECK_VALUES.index(c) for c in _CHECK_CHARS], dtype=np.int64)
    ok = shape_ok & (expected_value[weighted % 11] == check_value)
    packed *= 11
    packed += check_value
    return packed, ok


def ids_to_int64(s: pd.Series) -> pd.Series:
    """id_to_int64 for a column of normalised, valid IDs; returns an int64 Series with the same index.

    Works on the raw UTF-8 bytes through pyarrow and numpy, with no Python code per row. Raises ValueError
    (naming row labels, never values) if any entry is missing, not 18 characters or has a wrong check.
    """
    arrow = pa.array(s.astype("str"), type=pa.large_string())
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    if arrow.null_count:
        raise ValueError(f"{arrow.null_count} missing IDs, e.g. at row {s.index[s.isna()][0]!r}")
    n = len(arrow)
    if n == 0:
        return pd.Series(np.empty(0, dtype=np.int64), index=s.index, name=s.name)
    offsets = np.frombuffer(arrow.buffers()[1], dtype=np.int64)[arrow.offset : arrow.offset + n + 1]
    lengths = np.diff(offsets)
    if (bad := np.flatnonzero(lengths != 18)).size:
        raise ValueError(f"{bad.size} IDs are not 18 characters long, e.g. at row {s.index[bad[0]]!r}")
    data = np.frombuffer(arrow.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    packed, ok = _packed_from_bytes(data.reshape(n, 18))
    if (bad := np.flatnonzero(~ok)).size:
        raise ValueError(f"{bad.size} IDs are malformed or fail the check, e.g. at row {s.index[bad[0]]!r}")
    return pd.Series(packed, index=s.index, name=s.name)


def validate_ids(ids: pd.Series, *, as_of: date | None = None) -> pd.DataFrame:
    """validate_id for a whole column: a DataFrame with the same index and the columns `id` and `reason`.

    `id` is the normalised 18-character ID (old 15-digit numbers converted), "" when invalid; `reason` is None
    when the ID is valid, otherwise validate_id's Chinese reason. Text cells that are, once normalised, 17
    digits and a check character with a correct check and a birth date from 1850-01-01 up to `as_of` (default:
    today) are accepted by numpy over the raw bytes; every other row (numbers, 15-digit and invalid IDs, empty
    cells) goes through validate_id with its raw value. So both agree row for row by construction: the fast
    path accepts exactly what validate_id accepts unchanged, and decides nothing else.
    """
    n = len(ids)
    values = ids.array
    arrow_text = isinstance(ids.dtype, pd.ArrowDtype) and (
        pa.types.is_string(ids.dtype.pyarrow_dtype) or pa.types.is_large_string(ids.dtype.pyarrow_dtype)
    )
    if isinstance(ids.dtype, pd.StringDtype) or arrow_text:
        is_text = np.ones(n, dtype=bool)
    elif ids.dtype == object:
        is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=n)
    else:  # numbers, dates: every row is a number cell and needs validate_id's decision
        is_text = np.zeros(n, dtype=bool)

    all_text = bool(is_text.all())
    text = pa.nulls(n, type=pa.large_string()).fill_null("") if not all_text else None
    fast = np.zeros(n, dtype=bool)
    if all_text or is_text.any():
        cleaned = _normalise_text((ids if all_text else ids[is_text]).astype("str"))
        lengths = np.asarray(pc.binary_length(cleaned).to_numpy(zero_copy_only=False), dtype=np.int64)
        shaped = lengths == 18
        if shaped.any():
            candidates = cleaned.filter(pa.array(shaped))
            offsets = np.frombuffer(candidates.buffers()[1], dtype=np.int64)[
                candidates.offset : candidates.offset + len(candidates) + 1
            ]
            chars = np.frombuffer(candidates.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(-1, 18)
            _, ok = _packed_from_bytes(chars)
            ok &= _valid_birth_bytes(chars[:, 6:14], as_of or date.today())
            good = np.zeros(len(cleaned), dtype=bool)
            good[np.flatnonzero(shaped)[ok]] = True
            fast[np.flatnonzero(is_text)[good]] = True
        text = cleaned if text is None else pc.replace_with_mask(text, pa.array(is_text), cleaned)
    assert text is not None

    slow = np.flatnonzero(~fast)
    reasons = np.full(n, None, dtype=object)
    if slow.size:
        checks = [validate_id(values[i], as_of=as_of) for i in slow]
        reasons[slow] = [c.reason for c in checks]
        replacement = pa.array([c.id or "" for c in checks], type=pa.large_string())
        text = pc.replace_with_mask(text, pa.array(~fast), replacement)
    frame = pd.DataFrame({"id": pd.array(text, dtype="str")}, index=ids.index)
    frame["reason"] = pd.Series(reasons, index=ids.index, dtype=object)  # None, not NaN, when valid
    return frame


def _valid_birth_bytes(chars: npt.NDArray[np.uint8], as_of: date) -> npt.NDArray[np.bool_]:
    """Rows of 8 ASCII digits YYYYMMDD that are calendar dates from 1850-01-01 up to as_of (digits assumed)."""
    digits = [(chars[:, i] - np.uint8(ord("0"))).astype(np.int32) for i in range(8)]
    year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
    month = digits[4] * 10 + digits[5]
    day = digits[6] * 10 + digits[7]
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.zeros(256, dtype=np.int32)  # wrapped-around non-digits give months above 99
    month_days[1:13] = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    last = month_days[np.clip(month, 0, 255)] + ((month == 2) & leap)
    ymd = year * 10000 + month * 100 + day
    earliest = _EARLIEST_BIRTH.year * 10000 + _EARLIEST_BIRTH.month * 100 + _EARLIEST_BIRTH.day
    latest = as_of.year * 10000 + as_of.month * 100 + as_of.day
    return (month >= 1) & (month <= 12) & (day >= 1) & (day <= last) & (ymd >= earliest) & (ymd <= latest)
