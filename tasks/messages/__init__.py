"""Telling people: who is reminded of what on a day — milestone reminders, overdue notices, escalations to the
county and the weekly ranking notice (reminders), the daily survey reminders (survey_reminders) — each a
planned message built one way (planned); rendering from jinja2 templates (render); the outbox that writes
before it sends so a rerun never sends twice (outbox); and the delivery through apprise (sending). Serves the
timetable (四) and the notices (通报) of 五、工作要求. Imports models.* (the outbox rows), tasks.plan,
tasks.scoring, and tasks.documents for the ranking notice as an official document.
"""
