"""The plan's timetable (四、全民参保登记工作时间安排): where every milestone stands for every owner on a day
(status), working days with China's holidays and make-up workdays (workdays), and the milestones the data
itself completes — deliveries of every source (三（二）), published work lists (三（五）) (data_completions).
Pure. Imports models.campaign only: every other room may build on it.
"""
