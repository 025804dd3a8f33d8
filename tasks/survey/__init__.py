"""The household survey (三（五）下发入户调查名单、四（三）入户调查): the villages' work lists and the coverage
gaps (worklists), reading returned work lists and what a visit does to a person's record (visits), progress
per village and township with who is behind (progress), and that progress as the campaign file defines it,
with the JSON of `canbao progress` (progress_report). Pure. Imports models.campaign and tasks.plan (working
days).
"""
