"""The township training (三（三）、四（二）举办乡镇级业务培训): reading booked sessions and sign-in sheets and
writing their rejects workbook (sheets), where each township's training stands and the milestone completions
that makes (standings), storing sessions and attendance with the standings they give (recording) and the
`canbao training` imports (imports). Imports models, tasks.intake (the importer's header search and cell
normalisation) and the workspace. Its reminders are planned in tasks.messages.
"""
