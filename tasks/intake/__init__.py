"""Gathering the base data (三（二）归集基础数据): reading the departments' .xlsx/.xls/.csv files into accepted and
rejected rows with a Chinese reason each (ingest), and keeping each delivery as a Parquet snapshot, one active
per source, with the per-comparison status snapshots the data exchange compares (snapshots). Imports models.*
(the snapshot rows, exports, the fault hook), tasks.identity for ID numbers and masking, and tasks.analysis
for the status snapshot's columns.
"""
