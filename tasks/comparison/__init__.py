"""The cross-department comparison (三（五）数据比对): who is insured, who should be and whose data is wrong,
computed on sorted int64 ID keys (compare), and the comparison split into ID-range partitions on disk so no
process holds the whole county (partitions). Pure. Imports models.campaign and tasks.identity.
"""
