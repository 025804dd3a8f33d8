"""Builders of department files as they really arrive, for the importer's tests and its benchmark.

Everything is written into a directory the caller gives (tmp_path in tests). IDs are made with an independent
implementation of the check character (ISO 7064 MOD 11-2 with computed weights), not with tasks.identity.idnumber.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from models.campaign.spec import Campaign

Cell = str | int | float | bool | date | datetime | None

WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅建国建华志强志明秋菊春梅海燕丽娟文华金凤"
    "德明水木清泉荣发福来永安宝珠美玲小红小明家豪俊杰子涵梓萱一诺欣怡浩然宇轩思远嘉怡雨桐晨曦佳琪晓东"
)


def check_char(first17: str) -> str:
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make_id(born: date, seq: int, address: str = "350524") -> str:
    first17 = f"{address}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def old_id(born: date, seq: int, address: str = "350524") -> str:
    """The 15-digit number issued before 1999 to the person whose 18-digit number is make_id(born, seq)."""
    return f"{address}{born:%y%m%d}{seq:03d}"


# -- writers ------------------------------------------------------------------------------------------------


def write_csv(path: Path, rows: Sequence[Sequence[Cell]], *, encoding: str = "utf-8", bom: bool = False) -> Path:
    """Rows as a CSV file; `None` cells are written empty, a row [] as a blank line."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        if row:
            writer.writerow(["" if c is None else c for c in row])
        else:
            buffer.write("\r\n")
    data = buffer.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Cell]]]) -> Path:
    """One worksheet per entry; numbers stay number cells, dates become date cells, None is an empty cell."""
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as book:
        dates = book.add_format({"num_format": "yyyy-mm-dd"})
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    if cell is None:
                        continue
                    if isinstance(cell, datetime | date):
                        value = cell if isinstance(cell, datetime) else datetime(cell.year, cell.month, cell.day)
                        sheet.write_datetime(i, j, value, dates)
                    elif isinstance(cell, str):
                        sheet.write_string(i, j, cell)
                    else:
                        sheet.write(i, j, cell)
    return path


def write_xls(path: Path, sheets: dict[str, Sequence[Sequence[Cell]]]) -> Path:
    """The old .xls format some departments still send (xlwt)."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                if cell is None:
                    continue
                if isinstance(cell, date):
                    sheet.write(i, j, cell, dates)
                else:
                    sheet.write(i, j, cell)
    book.save(str(path))
    return path


# -- a synthetic household register -----------------------------------------------------------------------

HOUSEHOLD_HEADER = [
    "身份证号",
    "姓名",
    "性别",
    "出生日期",
    "户口性质",
    "乡镇",
    "村（社区）",
    "户号",
    "现住址",
    "联系电话",
]


def household_columns(campaign: Campaign, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """n clean, distinct persons of the register, column by column (vectorised: a million rows in seconds)."""
    rng = np.random.default_rng(seed)
    days = 365 * 90
    if n > days * 1000:
        raise ValueError("too many persons for distinct IDs")
    k = rng.choice(days * 1000, size=n, replace=False)
    born = np.datetime64("1927-01-01") + (k % days).astype("timedelta64[D]")
    seq = k // days
    ymd = np.char.replace(born.astype(str), "-", "")
    first17 = np.char.add(np.char.add("350524", ymd), np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - ord("0")
    check = CHECK[(digits.astype(np.int64) @ WEIGHTS) % 11]
    ids = np.char.add(first17, check.view("S1").astype(str))
    surnames = np.array(list(SURNAMES))
    given = np.array(list(GIVEN))
    names = np.char.add(surnames[rng.integers(0, len(surnames), n)], given[rng.integers(0, len(given), n)])
    two = rng.random(n) < 0.7
    names = np.where(two, np.char.add(names, given[rng.integers(0, len(given), n)]), names)
    places = [(t.name, v.name) for t in campaign.townships for v in t.villages]
    where = rng.integers(0, len(places), n)
    townships = np.array([p[0] for p in places])[where]
    villages = np.array([p[1] for p in places])[where]
    house = (np.arange(n) // 3 + 100000).astype(str)
    numbers = rng.integers(1, 300, n).astype(str)
    phone = np.char.add("1", np.char.zfill(rng.integers(3_000_000_000, 9_999_999_999, n).astype(str), 10))
    return {
        "身份证号": ids,
        "姓名": names,
        "性别": np.where(seq % 2 == 1, "男", "女"),
        "出生日期": born.astype(str),
        "户口性质": np.where(rng.random(n) < 0.8, "农业", "非农业"),
        "乡镇": townships,
        "村（社区）": villages,
        "户号": house,
        "现住址": np.char.add(np.char.add(np.char.add(townships, villages), numbers), "号"),
        "联系电话": phone,
    }


def write_household_csv(path: Path, campaign: Campaign, n: int, seed: int = 0, *, quoted: bool = False) -> Path:
    """A clean UTF-8 register export with 10 columns, like Excel's "CSV UTF-8" (or, quoted, like a database tool)."""
    columns = household_columns(campaign, n, seed)
    table = pa.table({name: pa.array(values, type=pa.string()) for name, values in columns.items()})
    style = "all_valid" if quoted else "none"
    pacsv.write_csv(table, str(path), write_options=pacsv.WriteOptions(quoting_style=style))
    return path


def person_row(born: date, seq: int, name: str, village: str = "山盘村", township: str = "凤城镇") -> list[Cell]:
    """One register row in HOUSEHOLD_HEADER order, consistent with its ID."""
    return [
        make_id(born, seq),
        name,
        "男" if seq % 2 else "女",
        born.isoformat(),
        "农业",
        township,
        village,
        "100001",
        f"{township}{village}1号",
        "13800000000",
    ]
