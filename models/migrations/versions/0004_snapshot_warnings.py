"""the warnings of a department delivery (optional columns its files lacked)

Revision ID: 0004_snapshot_warnings
Revises: 0003_register_items
Create Date: 2026-12-04 20:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004_snapshot_warnings"
down_revision: str | None = "0003_register_items"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source_snapshot", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("warnings", sqlmodel.sql.sqltypes.AutoString(), server_default="[]", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("source_snapshot", schema=None) as batch_op:
        batch_op.drop_column("warnings")
