"""the inspectors' ledger (督查台账): inspections, their findings with a rectification deadline, the townships'
reports that a finding was rectified

Revision ID: 0009_inspection_ledger
Revises: 0008_visit_notes
Create Date: 2026-12-05 07:01:24.721588
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009_inspection_ledger"
down_revision: str | None = "0008_visit_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("township_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("villages", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("inspectors", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_file", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_sheet", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "fingerprint"),
    )
    with op.batch_alter_table("inspection_visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_visit_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_visit_township_code"), ["township_code"], unique=False)

    op.create_table(
        "inspection_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("township_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("village_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("problem", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("requirement", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("source_file", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_sheet", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["inspection_visit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_id", "problem"),
    )
    with op.batch_alter_table("inspection_finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_finding_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_finding_township_code"), ["township_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_finding_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "inspection_rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["inspection_finding.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("finding_id"),
    )
    with op.batch_alter_table("inspection_rectification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_rectification_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_rectification_finding_id"), ["finding_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inspection_rectification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_rectification_finding_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_rectification_campaign_id"))

    op.drop_table("inspection_rectification")
    with op.batch_alter_table("inspection_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_finding_visit_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_finding_township_code"))
        batch_op.drop_index(batch_op.f("ix_inspection_finding_campaign_id"))

    op.drop_table("inspection_finding")
    with op.batch_alter_table("inspection_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_visit_township_code"))
        batch_op.drop_index(batch_op.f("ix_inspection_visit_campaign_id"))

    op.drop_table("inspection_visit")
