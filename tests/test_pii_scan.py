"""The output scanner finds unmasked IDs and mobiles in every kind of file a person reads."""

from __future__ import annotations

import base64
from pathlib import Path

import openpyxl
from docx import Document

from tests.pii_scan import scan_tree

ID, PHONE = "350524199001011234", "13812345678"


def test_each_kind_of_file_is_read_as_a_person_would(tmp_path: Path) -> None:
    (tmp_path / "message.txt").write_text(f"请联系 {PHONE}", encoding="utf-8")
    (tmp_path / "clean.txt").write_text("350524********1234 138****5678", encoding="utf-8")
    image = base64.b64encode(b"\x00" * 30 + ID.encode()).decode()
    (tmp_path / "page.html").write_text(f'<img src="data:image/png;base64,{image}"><p>{ID}</p>', encoding="utf-8")
    (tmp_path / "chart-only.html").write_text(f'<img src="data:image/png;base64,{image}">', encoding="utf-8")
    book = openpyxl.Workbook()
    book.active.append(["姓名", "身份证号"])  # type: ignore[union-attr]
    book.create_sheet("第二页").append(["张三", ID])
    book.create_sheet("比率").append([0.180327868852459, 0.5])  # a rate's digits are no ID
    book.create_sheet("数字").append([float(ID[:-1] + "0")])  # an ID typed as a number still is one
    book.save(tmp_path / "book.xlsx")
    document = Document()
    document.add_paragraph("通报")
    document.add_table(rows=1, cols=1).cell(0, 0).text = f"电话 {PHONE}"
    document.save(str(tmp_path / "notice.docx"))
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "source.csv").write_text(ID, encoding="utf-8")

    found = {p.name: v for p, v in scan_tree(tmp_path, exclude=[tmp_path / "inputs"]).items()}
    assert found == {
        "message.txt": [PHONE],
        "page.html": [ID],
        "book.xlsx": [ID, f"{float(ID[:-1] + '0'):.0f}"],
        "notice.docx": [PHONE],
    }
