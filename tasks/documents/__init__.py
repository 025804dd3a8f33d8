"""The documents the office issues and the reports it writes: official documents in the layout of GB/T 9704
(official) with their embedded web fonts (webfonts), the weekly ranking notice (进展情况通报; ranking_notice), the
final notice after the survey's cut-off (四（三）; final_notice), the supervisors' report (督查报告, 五、工作要求;
supervisors_report, charts) and the closing report (工作总结, 四（四）; closing_report). Pure: figures in; .docx,
HTML, workbooks and the notices' planned messages out. Imports models.campaign, tasks.identity (masking),
tasks.messages (templates, planned messages, the survey standings), tasks.scoring and tasks.survey (anomaly
names).
"""
