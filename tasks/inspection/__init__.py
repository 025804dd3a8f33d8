"""The county's spot checks (督查抽查, 五（三）): drawing a reproducible, stratified sample of completed visits
and reading the inspectors' results back (spot_checks: the rules), recording and writing a sample (samples),
the `canbao inspect` use cases (checking) and each township's error rate (rates); the inspectors' ledger
(督查台账): its rules (ledger), its workbook (ledger_book) and its use cases (ledger_records). Imports models,
tasks.intake (reading the returned workbook and its rejects), tasks.training (its reader of small hand-made
workbooks), tasks.survey, tasks.wording and the workspace.
"""
