"""A seeded stand-in for the county, for the replay, the benchmark and the tests (it serves no section of the
plan; it plays all of them): every department's files with an independent ground truth (synth), named after the
campaign's own county (local_names); how diligent each owner is (owners); the village workers visiting at their
own pace (survey); a simulated day of the season and the files it makes — trained staff, deliveries, returned
lists, the departments' later delivery (days, deliveries); the replay's summary (summary). The top room: it may
import every other.
"""
