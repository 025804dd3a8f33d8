"""The cross-department comparison (三（五）数据比对): who is insured, who should be and whose data is wrong,
computed on sorted int64 ID keys (compare), the comparison split into ID-range partitions on disk so no process
holds the whole county (partitions), and the stored registry read back for the steps after it (registry).
Imports models (the campaign, the comparison's rows), tasks.identity and the workspace.
"""
