"""Telling people (四、五): a message planned one way for every planner (planned); who is reminded of what on a
day — milestone reminders, overdue notices and escalations to the county (reminders), the daily survey
reminders (survey_reminders), the weekly training reminders (training_reminders); the notices sent to every
township with their documents attached (notices: the weekly ranking and the final notice); the day's work of
the monitors (monitors); the outbox that writes before it sends, so a rerun never sends twice (outbox); and
sending through apprise (sending, dispatch), each service given the format it reads, within its limit
(channels; markdown_bots teaches apprise's WeCom and Feishu bots markdown); and what a kind of message says to
a recipient on a day, in a format (preview). Imports models (the outbox rows), tasks.wording, tasks.plan,
tasks.intake, tasks.survey, tasks.training, tasks.scoring, tasks.documents and the workspace.
"""
