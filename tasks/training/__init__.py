"""The township training (三（三）、四（二）举办乡镇级业务培训): reading booked sessions and sign-in sheets and
writing their rejects workbook (sheets), where each township's training stands and the milestone completions
that makes (standings), and the weekly reminders to the townships behind (reminders). Pure. Imports
models.campaign, tasks.intake (the importer's header search and cell normalisation) and tasks.messages (the
planned message).
"""
