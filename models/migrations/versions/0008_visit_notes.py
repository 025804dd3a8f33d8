"""what a visit found and what the person said: the reason not insured and the intent to enrol, a township's
confirmation of a finding, and on the person the day they were registered and whether they moved out

Revision ID: 0008_visit_notes
Revises: 0007_users
Create Date: 2026-12-05 07:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008_visit_notes"
down_revision: str | None = "0007_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("intent", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("confirmed_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("confirmed_by", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False)
        )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moved_out", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("registered_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("registered_on")
        batch_op.drop_column("moved_out")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("confirmed_by")
        batch_op.drop_column("confirmed_on")
        batch_op.drop_column("intent")
        batch_op.drop_column("reason")
