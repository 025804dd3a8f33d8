"""Every module that defines tables, imported so that SQLModel.metadata holds the whole schema (for Alembic,
for an empty database's tables and for the ORM's foreign keys)."""

from models import exports, inspection, inspection_ledger, runlock, tables, training, users  # noqa: F401
from models.survey import cards, cutoff, refused, reviews  # noqa: F401
