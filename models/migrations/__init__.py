"""Alembic migrations of the registration database (run by `canbao init`; see models.schema)."""
