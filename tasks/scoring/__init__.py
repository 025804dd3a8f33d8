"""Ranking and scoring the townships (五（三）: 对按时完成任务的乡镇兑现经费补助，对工作后进的乡镇给予通报批评): the
weekly ranking on milestones done on time (ranking) and the performance scores, subsidies and criticism
(scores). Pure. Imports models.campaign and tasks.plan (milestone statuses).
"""
