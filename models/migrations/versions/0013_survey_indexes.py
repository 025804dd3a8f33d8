"""survey indexes: visits by the day they reached the county, for the cut-off's late visits

Revision ID: 0013_survey_indexes
Revises: 0012_visit_reviews
Create Date: 2026-12-05 11:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_survey_indexes"
down_revision: str | None = "0012_visit_reviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_visit_received", "visit", ["received_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_visit_received", table_name="visit")
