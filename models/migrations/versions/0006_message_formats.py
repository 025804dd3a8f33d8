"""each message rendered per format (markdown for group bots, HTML for e-mail) and the formats it was sent in

Revision ID: 0006_message_formats
Revises: 0005_refused_rows
Create Date: 2026-12-05 07:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006_message_formats"
down_revision: str | None = "0005_refused_rows"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_markdown", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("body_html", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(
            sa.Column("sent_formats", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("sent_formats")
        batch_op.drop_column("body_html")
        batch_op.drop_column("body_markdown")
