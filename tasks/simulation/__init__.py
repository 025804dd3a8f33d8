"""A seeded stand-in for the county, for the replay, the benchmark and the tests (it serves no section of the
plan; it plays all of them): every department's files with an independent ground truth (synth), how diligent
each owner is (owners) and the village workers visiting at their own pace (survey). Pure. Imports
models.campaign, tasks.identity and tasks.plan.
"""
