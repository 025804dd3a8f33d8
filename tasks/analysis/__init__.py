"""The analysis phase (完善分析阶段, 三（六）、四（四）): what changed in the registration database between two
comparisons for the periodic data exchange (exchange, exchanges) with each comparison's statuses kept beside the
database (status_snapshots); the expansion plan with its coverage, gaps and monthly targets per township and
insurance (expansion, expansion_workbook); the closing report's figures (closing_figures). Imports models and
every room below it.
"""
