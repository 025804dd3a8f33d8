"""The deductions list (绩效考核扣分表) for the county's performance office: one row per deduction of a township
with its reason and points (tasks.scoring.deductions), townships without one listed as such, and a summary
sheet; set up to print on A4."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from models.campaign.spec import Campaign
from tasks.scoring.deductions import deduction_standard
from tasks.scoring.sheet import ScoreSheet
from tasks.wording.render import cn_date

DETAIL_COLUMNS = [("序号", 6), ("乡镇", 10), ("乡镇代码", 12), ("扣分项目", 18), ("扣分原因", 44), ("扣分（分）", 10)]
SUMMARY_COLUMNS = [("名次", 6), ("乡镇", 10), ("乡镇代码", 12), ("综合得分", 10), ("扣分合计（分）", 14),
                   ("通报批评", 10), ("原因", 38)]  # fmt: skip
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def write_deductions_workbook(campaign: Campaign, sheet: ScoreSheet, path: Path) -> int:
    """Write the workbook; returns the number of deductions listed."""
    book = Workbook()
    detail = book.active
    assert detail is not None
    detail.title = "扣分明细"
    kind = "最终结果" if sheet.final else "暂定结果（入户调查尚未截止）"
    title = f"{campaign.county.name}各乡镇全民参保登记工作绩效考核扣分表"
    note = f"截至{cn_date(sheet.as_of)}，{kind}。{deduction_standard(sheet.rules)}（{campaign.notices.issuer}）"
    deductions = sheet.deductions()
    rows: list[list[object]] = []
    for s in sorted(sheet.scores, key=lambda s: s.township):
        listed = deductions[s.township]
        if not listed:
            rows.append([len(rows) + 1, s.name, s.township, "无", "—", 0])
        for d in listed:
            rows.append([len(rows) + 1, s.name, s.township, d.label, d.reason, d.points])
    total = round(sum(d.points for listed in deductions.values() for d in listed), 2) + 0.0
    rows.append(["", "合计", "", "", "", total])
    _fill(detail, title, note, DETAIL_COLUMNS, rows)

    summary = book.create_sheet("乡镇汇总")
    summary_rows: list[list[object]] = [
        [s.rank, s.name, s.township, s.score, s.deducted, "是" if s.criticised else "否", "；".join(s.reasons) or "—"]
        for s in sheet.scores
    ]
    _fill(summary, title + "（汇总）", note, SUMMARY_COLUMNS, summary_rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return sum(len(v) for v in deductions.values())


def _fill(ws: Worksheet, title: str, note: str, columns: list[tuple[str, int]], rows: list[list[object]]) -> None:
    width = len(columns)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1, title).font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1, note).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 48
    for column, (name, size) in enumerate(columns, start=1):
        cell = ws.cell(3, column, name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
        ws.column_dimensions[cell.column_letter].width = size
    for offset, values in enumerate(rows, start=4):
        for column, value in enumerate(values, start=1):
            cell = ws.cell(offset, column, value)
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if isinstance(value, float):
                cell.number_format = "0.00"
    _a4(ws)


def _a4(ws: Worksheet) -> None:
    """Portrait A4, all columns on one page width, the header row repeated on every page, page numbers."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "3:3"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top = ws.page_margins.bottom = 0.8
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.freeze_panes = "A4"
