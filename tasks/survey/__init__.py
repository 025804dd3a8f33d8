"""The household survey (三（五）、四（三）入户调查): the villages' work lists and coverage gaps (worklists) and
their publication (publishing); reading returned work lists and what a visit does to a person's record
(visits), recording visits with the milestones they complete (recording) and the audit of what changed
(changes); the departments' correction lists (corrections); progress per village and township with who is
behind 序时进度 and whose pace warns of a late finish (progress), as the campaign file defines it and
`canbao progress` prints it (progress_report, figures); villages named by code or name (places); refused rows
of returned lists kept until corrected (refusals); the June 30 cut-off that freezes the figures (cutoff); and the
investigator cards (入户调查证): their rules (cards), the printed cards (card_documents), the register's use cases
(card_register).
Imports models, tasks.identity, tasks.wording, tasks.plan, tasks.comparison and the workspace.
"""
