"""The county's spot checks (督查抽查, 五、工作要求): drawing a reproducible, stratified sample of completed
visits, reading the inspectors' results back and each township's error rate (spot_checks). Pure. Imports
models.campaign only.
"""
