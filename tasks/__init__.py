"""The rules of the campaign and its use cases: plain functions that the CLI, the web page, the flows and the
tests all call (import a delivery, record a visit, mark a milestone done, issue a notice, …). No Prefect here.

Floors one way down: canbao (cli, web) -> flows -> tasks -> models. Modules here import models.* (the campaign
spec and its values at the bottom, the rows and reads above them) and other rooms of tasks/, never flows or
canbao. Most of it is pure: values and DataFrames in and out, no clock and no database; the use cases that
store or read go through models.

Rooms, each building only on those below it (import-linter's "rooms of tasks" contract keeps the order):
  access       who may see and do what (roles, scope), the console's accounts and the log of their changes
  simulation   a seeded county and its owners for the replay, the benchmark and the tests
  analysis     the data exchange, the expansion plan, the closing report's figures (三（六）、四（四）)
  messages     planned messages, reminders, the notices' messages, the outbox and sending
  documents    official documents (GB/T 9704), the ranking and final notices, the reports
  scoring      weekly ranking and performance scores (五（三）)
  inspection   the county's spot checks (五（三）)
  training     township training: sessions, attendance, standings (三（三）、四（二）)
  survey       work lists, returned visits, progress, the cut-off (三（五）、四（三）)
  comparison   the cross-department comparison and its partitions (三（五）)
  intake       the departments' files read and kept as snapshots (三（二）)
  plan         the timetable: milestone status, working days, milestones done
  wording      templates and the office's dates
  identity     ID numbers and the masking of personal data
and two modules beside them: workspace.py, what a command or flow works with (settings, the database engine, the
campaign), and setup.py, `canbao init`'s use case (schema, campaign file, the default delivery folders).
"""
