"""What a delivery must be before anything is read (the source key known, the files and folders there), and the
error every importer raises: light enough for the command line to check its input before Prefect or pandas
loads (tasks.intake.ingest re-exports them)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from models.campaign.spec import Campaign
from tasks.identity.masking import mask_text


class IngestError(Exception):
    """File cannot be read, or a required column is missing: Chinese message naming the file (and sheet), the
    missing column(s) and the headers found."""

    def __init__(self, message: str) -> None:
        # The "headers found" may be a data row when a file has no header: its ID numbers and phones must not
        # reach a terminal or a log unmasked.
        super().__init__(mask_text(message))


def check_delivery(campaign: Campaign, source: str, files: Sequence[str | Path]) -> list[Path]:
    """A delivery's source key and files, checked before anything is read: IngestError naming an unknown source
    (with the known ones) or every file that is not there."""
    if source not in campaign.sources:
        raise IngestError(f"未知的数据源“{source}”。可用的数据源：{'、'.join(campaign.sources)}")
    return existing_files(files)


def check_folder(directory: Path) -> Path:
    """A delivery folder (DIR/<source key>/files) that exists, or IngestError naming it."""
    if not directory.is_dir():
        raise IngestError(f"找不到数据文件夹：{directory}")
    return directory


def existing_files(files: Sequence[str | Path]) -> list[Path]:
    """The files as paths; IngestError naming every one that is not there, before anything is read."""
    paths = [Path(f) for f in files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise IngestError(f"找不到文件：{'、'.join(missing)}")
    return paths
