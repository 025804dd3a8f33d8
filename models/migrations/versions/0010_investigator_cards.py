"""the register of investigator cards (入户调查证): number, holder, village, issued and revoked

Revision ID: 0010_investigator_cards
Revises: 0009_inspection_ledger
Create Date: 2026-12-05 07:17:35.443597
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010_investigator_cards"
down_revision: str | None = "0009_inspection_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "investigator_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("township_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("village_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoked_note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_file", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_sheet", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "number"),
    )
    with op.batch_alter_table("investigator_card", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_investigator_card_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_investigator_card_township_code"), ["township_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_investigator_card_village_code"), ["village_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("investigator_card", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigator_card_village_code"))
        batch_op.drop_index(batch_op.f("ix_investigator_card_township_code"))
        batch_op.drop_index(batch_op.f("ix_investigator_card_campaign_id"))

    op.drop_table("investigator_card")
