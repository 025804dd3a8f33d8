"""The storage floor: the registration database's tables and the functions that store and read their rows,
never applying a rule (what a visit changes, where training stands, which milestone is done is decided in
tasks/ and handed down). The bottom is models.campaign (the campaign spec and the value types every floor
passes around); beside it models.settings. The machinery: models.db (engine, sessions, `create_schema`),
models.schema with models.migrations (Alembic: the only place tables are created), models.table_modules (every
table module), models.tables (the core tables), models.bulk (bulk inserts), models.upsert (insert-or-update),
models.runlock (run locks) and models.faults (test-only fault injection). The rows of each domain:
models.crud (campaign, completions, outbox), models.registry and models.comparison_parts (the comparison's
rows), models.survey (visits, the cut-off, the village workers' page, the investigator cards), models.training,
models.inspection, models.inspection_records and models.inspection_ledger (the inspectors' ledger),
models.exports and models.report. A module here imports only models.* and third-party libraries (SQLAlchemy,
SQLModel, Alembic, pandas, Arrow, pydantic); never tasks, flows or canbao.
"""
