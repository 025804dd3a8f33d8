"""the refused rows of returned work lists, kept until a result for the person arrives

Revision ID: 0005_refused_rows
Revises: 0004_snapshot_warnings
Create Date: 2026-12-04 21:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005_refused_rows"
down_revision: str | None = "0004_snapshot_warnings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refused_visit_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("id_number", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("township_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("village_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "fingerprint"),
    )
    with op.batch_alter_table("refused_visit_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refused_visit_row_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refused_visit_row_id_number"), ["id_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_refused_visit_row_township_code"), ["township_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refused_visit_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refused_visit_row_township_code"))
        batch_op.drop_index(batch_op.f("ix_refused_visit_row_id_number"))
        batch_op.drop_index(batch_op.f("ix_refused_visit_row_campaign_id"))

    op.drop_table("refused_visit_row")
