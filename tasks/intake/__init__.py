"""Gathering the base data (三（二）归集基础数据): reading the departments' .xlsx/.xls/.csv files into accepted and
rejected rows with a Chinese reason each (ingest), keeping each delivery as a Parquet snapshot, one active per
source (snapshots), the rejects workbooks returned to a department or a village (rejects, returned), the
accepted rows of returned workbooks as typed records (cells) and the delivery folders the imports read
(folders). Imports models (snapshot rows, the personal-data export log, the fault hook), tasks.identity and the
workspace.
"""
