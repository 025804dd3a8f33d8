"""The analysis phase (完善分析阶段, 三（六）、四（四）): what changed in the registration database between two
comparisons, for the periodic data exchange (exchange), and the expansion plan with its coverage, gaps and
monthly targets per township and insurance (expansion). Pure. Imports models.campaign only.
"""
