"""The comparison's partitions on disk, so that no process ever holds the whole county.

The persons are split by ranges of their int64 ID key (`tasks.comparison.compare`): each range holds about the same
number of registered persons, every department's rows for a person fall in the same range, and because key
order is ID-number order the partitions laid end to end are in ID order, as the registration database is
written. Each department's snapshot is read once, in batches, and written out as one Parquet file per
partition (with its `key` column); a partition's comparison reads only its own files and writes its
persons and anomalies next to them. Only paths and small plans travel between processes, so the work can
run on any machine that sees the data folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.comparison.compare import CompareResult, Rules, compare_partition, with_keys
from tasks.identity.idnumber import ids_to_int64

SPLIT_BATCH = 500_000  # rows of a snapshot in memory at once while it is split


@dataclass(frozen=True)
class PartPlan:
    """Where a comparison's partitions live and which keys each holds: part i holds bounds[i-1] <= key <
    bounds[i]. With no bounds there is one partition, read straight from the snapshots."""

    folder: Path
    snapshots: dict[str, Path]
    bounds: tuple[int, ...] = ()

    @property
    def parts(self) -> int:
        return len(self.bounds) + 1

    @property
    def sources(self) -> list[str]:
        return sorted(self.snapshots)

    def part_folder(self, part: int) -> Path:
        return self.folder / f"part-{part:05d}"

    def bucket(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return np.searchsorted(np.asarray(self.bounds, dtype=np.int64), keys, side="right").astype(np.int64)


def plan_parts(folder: Path, snapshots: Mapping[str, Path], population: str, parts: int) -> PartPlan:
    """Ranges of the register's keys with about the same number of rows each (fewer parts when the register
    has fewer distinct keys than asked for)."""
    snapshots = {source: Path(path) for source, path in snapshots.items()}
    if parts <= 1:
        return PartPlan(folder, snapshots)
    ids = pq.read_table(snapshots[population], columns=["id_number"]).column(0)
    keys = np.sort(ids_to_int64(ids.to_pandas()).to_numpy())
    if len(keys) == 0:
        return PartPlan(folder, snapshots)
    cuts = np.unique(keys[[len(keys) * i // parts for i in range(1, parts)]])
    bounds = tuple(int(k) for k in cuts if k > keys[0])  # the first range never starts empty
    return PartPlan(folder, snapshots, bounds)


def split_snapshot(plan: PartPlan, source: str) -> list[int]:
    """Write one source's rows, with their key, into every partition's folder (an empty file where the
    partition has none of its rows); the rows keep their order. Returns the rows per partition."""
    snapshot = pq.ParquetFile(plan.snapshots[source])
    schema = snapshot.schema_arrow.append(pa.field("key", pa.int64()))
    counts = [0] * plan.parts
    with ExitStack() as stack:
        writers = []
        for part in range(plan.parts):
            folder = plan.part_folder(part)
            folder.mkdir(parents=True, exist_ok=True)
            writers.append(stack.enter_context(pq.ParquetWriter(folder / f"{source}.parquet", schema)))
        for batch in snapshot.iter_batches(batch_size=SPLIT_BATCH):
            keys = ids_to_int64(batch.column("id_number").to_pandas()).to_numpy()
            table = pa.Table.from_batches([batch]).append_column("key", pa.array(keys, type=pa.int64()))
            buckets = plan.bucket(keys)
            order = np.argsort(buckets, kind="stable")  # stable: each partition's rows stay in file order
            grouped = table.take(pa.array(order)).replace_schema_metadata(schema.metadata)
            sizes = np.bincount(buckets, minlength=plan.parts)
            start = 0
            for part, size in enumerate(sizes.tolist()):
                if size:
                    writers[part].write_table(grouped.slice(start, size))
                    counts[part] += size
                start += size
    return counts


def read_part(plan: PartPlan, part: int) -> dict[str, pd.DataFrame]:
    """A partition's rows of every source, each with its `key` column."""
    if plan.parts == 1:
        return with_keys({source: pd.read_parquet(path) for source, path in plan.snapshots.items()})
    folder = plan.part_folder(part)
    return {source: pd.read_parquet(folder / f"{source}.parquet") for source in plan.sources}


def compare_part_files(plan: PartPlan, part: int, rules: Rules, as_of: date) -> int:
    """Compare one partition and write its persons and anomalies beside its inputs; returns its persons."""
    result = compare_partition(read_part(plan, part), rules, as_of)
    folder = plan.part_folder(part)
    folder.mkdir(parents=True, exist_ok=True)
    _write(result.persons, folder / "persons.parquet")
    _write(result.anomalies, folder / "anomalies.parquet")
    return len(result.persons)


def read_result(plan: PartPlan, part: int) -> CompareResult:
    folder = plan.part_folder(part)
    return CompareResult(pd.read_parquet(folder / "persons.parquet"), pd.read_parquet(folder / "anomalies.parquet"))


def read_results(plan: PartPlan) -> Iterable[CompareResult]:
    """The partitions' results one at a time, in key (= ID number) order."""
    for part in range(plan.parts):
        yield read_result(plan, part)


def _write(frame: pd.DataFrame, path: Path) -> None:
    temporary = path.with_suffix(".tmp")
    frame.to_parquet(temporary, index=False)
    temporary.replace(path)  # a retried partition never leaves half a file behind
