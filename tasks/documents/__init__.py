"""The documents the office issues and the reports it writes: official documents in the layout of GB/T 9704
(official) with their embedded web fonts (webfonts), the weekly ranking notice (进展情况通报; ranking_notice), the
final notice after the survey's cut-off (四（三）; final_notice), the supervisors' report (督查报告, 五（三）;
supervisors_report, charts, supervisors_files) and the closing report (工作总结, 四（四）; closing_report). Figures
in; .docx, HTML and workbooks out. Imports models.campaign, tasks.identity (masking), tasks.wording,
tasks.scoring and tasks.survey (anomaly names). The messages that carry these documents are planned in
tasks.messages.
"""
