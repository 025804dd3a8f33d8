"""the investigator card (入户调查证) a visit was made under, and the card a village worker's link names

Revision ID: 0011_visit_cards
Revises: 0010_investigator_cards
Create Date: 2026-12-05 08:35:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011_visit_cards"
down_revision: str | None = "0010_investigator_cards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("visit", "worker_token"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("card_number", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False)
            )


def downgrade() -> None:
    for table in ("worker_token", "visit"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("card_number")
