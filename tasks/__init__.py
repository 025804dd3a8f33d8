"""The rules of the campaign and its use cases: plain functions that the CLI, the web page, the flows and the
tests all call (import a delivery, record a visit, mark a milestone done, issue a notice, …). No Prefect here.

Floors one way down: canbao (cli, web) -> flows -> tasks -> models. Modules here import models.* (the campaign
spec and its values at the bottom, the rows and reads above them) and other rooms of tasks/, never flows or
canbao. Most of it is pure: values and DataFrames in and out, no clock and no database; the use cases that
store or read go through models.

Rooms:
  plan         the timetable: milestone status, working days, milestones the data completes
  intake       the departments' files read and kept as snapshots (三（二）)
  identity     ID numbers and the masking of personal data
  comparison   the cross-department comparison and its partitions (三（五）)
  survey       work lists, returned visits and survey progress (三（五）、四（三）)
  training     township training: sessions, attendance, standings, reminders (三（三）、四（二）)
  inspection   the county's spot checks (五、工作要求)
  scoring      weekly ranking and performance scores (五（三）)
  messages     planned messages, reminders, templates, the outbox and delivery
  documents    official documents (GB/T 9704), the ranking and final notices, the reports
  analysis     the data exchange and the expansion plan (三（六）、四（四）)
  simulation   a seeded county and its owners for the replay, the benchmark and the tests
and two modules beside them: workspace.py, what a command or flow works with (settings, the database engine, the
campaign), and setup.py, `canbao init`'s use case (schema, campaign file, the default delivery folders).
"""
