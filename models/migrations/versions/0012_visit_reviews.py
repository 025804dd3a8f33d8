"""the township's review of its villages' recorded visits (核实): confirmed or returned with a reason

Revision ID: 0012_visit_reviews
Revises: 0011_visit_cards
Create Date: 2026-12-05 08:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012_visit_reviews"
down_revision: str | None = "0011_visit_cards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("township_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("village_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_visit_review_campaign_id"), "visit_review", ["campaign_id"], unique=False)
    op.create_index(op.f("ix_visit_review_visit_id"), "visit_review", ["visit_id"], unique=True)
    op.create_index(op.f("ix_visit_review_township_code"), "visit_review", ["township_code"], unique=False)
    op.create_index(op.f("ix_visit_review_village_code"), "visit_review", ["village_code"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_visit_review_village_code"), table_name="visit_review")
    op.drop_index(op.f("ix_visit_review_township_code"), table_name="visit_review")
    op.drop_index(op.f("ix_visit_review_visit_id"), table_name="visit_review")
    op.drop_index(op.f("ix_visit_review_campaign_id"), table_name="visit_review")
    op.drop_table("visit_review")
