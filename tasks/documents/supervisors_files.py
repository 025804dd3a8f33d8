"""The supervisors' report of a day as files: its workbook and its self-contained page, side by side."""

from __future__ import annotations

from pathlib import Path

from tasks.documents.supervisors_report import Report, render_html, write_workbook


def write_report_files(report: Report, out: Path) -> tuple[Path, Path]:
    stem = f"督查报告-{report.overview.as_of.isoformat()}"
    xlsx = write_workbook(report, out / f"{stem}.xlsx")
    html = out / f"{stem}.html"
    html.write_text(render_html(report), encoding="utf-8")
    return xlsx, html
