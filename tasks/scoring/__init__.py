"""Ranking and scoring the townships (五（三）: 对按时完成任务的乡镇兑现经费补助，对工作后进的乡镇给予通报批评): the
weekly ranking on milestones done on time (ranking), the performance scores, subsidies and criticism (scores)
and the score sheet gathered from the database (sheet). Imports models, tasks.plan, tasks.survey,
tasks.inspection (the error rates) and the workspace.
"""
