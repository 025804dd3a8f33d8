"""The plan's timetable (四、全民参保登记工作时间安排): where every milestone stands for every owner on a day
(status), working days with China's holidays and make-up workdays (workdays), the milestones the data itself
completes — deliveries of every source (三（二）), published work lists (三（五）), the analysis (data_completions),
marking a milestone done for an owner named by code or name (milestones, `canbao milestone done`), and a phase's
milestones as the phase flows publish them (tracking). Imports models (the campaign, completions), tasks.wording
and the workspace.
"""
