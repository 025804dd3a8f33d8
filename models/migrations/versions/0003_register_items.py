"""the register's two addresses (户籍所在地, 现居住地) and the graduates' flags; outside-register persons as information

Revision ID: 0003_register_items
Revises: 0002
Create Date: 2026-12-04 21:05:00.000000

Persons compared before this revision get an empty registered address and no graduate flags until the next
`canbao compare`. The figures stored with earlier comparisons counted 户籍外参保 among the anomalies: they are
rewritten as the comparison now reports them (a top-level `outside_register`), so no report of an old run
calls them anomalies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003_register_items"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTSIDE_REGISTER = "outside_register"


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("registered_address", sqlmodel.sql.sqltypes.AutoString(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("graduate", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("employee_enrolled", sa.Boolean(), server_default=sa.false(), nullable=False))
    _rewrite_summaries(_outside_register_apart)


def downgrade() -> None:
    _rewrite_summaries(_outside_register_among_anomalies)
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("employee_enrolled")
        batch_op.drop_column("graduate")
        batch_op.drop_column("registered_address")


def _rewrite_summaries(change: Callable[[dict[str, object]], bool]) -> None:
    connection = op.get_bind()
    runs = connection.execute(sa.text("SELECT id, summary FROM compare_run")).all()
    for run_id, text in runs:
        try:
            summary = json.loads(text or "{}")
        except ValueError:
            continue  # not ours to repair
        if isinstance(summary, dict) and change(summary):
            connection.execute(
                sa.text("UPDATE compare_run SET summary = :s WHERE id = :i"),
                {"s": json.dumps(summary, ensure_ascii=False), "i": run_id},
            )


def _outside_register_apart(summary: dict[str, object]) -> bool:
    anomalies = summary.get("anomalies")
    if not isinstance(anomalies, dict) or OUTSIDE_REGISTER not in anomalies:
        return False
    summary[OUTSIDE_REGISTER] = anomalies.pop(OUTSIDE_REGISTER)
    return True


def _outside_register_among_anomalies(summary: dict[str, object]) -> bool:
    anomalies = summary.get("anomalies")
    if not isinstance(anomalies, dict) or OUTSIDE_REGISTER not in summary:
        return False
    anomalies[OUTSIDE_REGISTER] = summary.pop(OUTSIDE_REGISTER)
    summary.pop("outside_register_by_source", None)
    return True
