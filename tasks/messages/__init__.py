"""Telling people: who is reminded of what on a day — milestone reminders, overdue notices and escalations to
the county (reminders), the daily survey reminders (survey_reminders) — each a planned message built one way
(planned); rendering from jinja2 templates (render); the outbox that writes before it sends, so a rerun never
sends twice (outbox); and the delivery through apprise (sending). Serves the timetable (四) and the requirements
(五、工作要求). Imports models.* (the outbox rows) and tasks.plan (milestone statuses, working days); never
tasks.documents, which builds its notices on this room.
"""
