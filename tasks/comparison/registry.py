"""The registration database the latest comparison produced, as the work lists, the expansion plan, the closing
report and the replay read it."""

from __future__ import annotations

import pandas as pd

from models import crud
from models.registry import anomaly_rows, person_columns
from models.tables import CompareRun
from tasks.comparison.compare import PERSON_COLUMNS
from tasks.workspace import Workspace

# What the visits added to the comparison's columns: moved out (已迁出) and the day of registration (登记).
VISIT_COLUMNS = ("moved_out", "registered_on")


class NoComparison(LookupError):
    """Work lists, plans and reports come from a comparison; none has been run."""


def latest_comparison(ws: Workspace, campaign_id: int) -> CompareRun:
    """The latest comparison run; NoComparison before the first."""
    with ws.session() as session:
        run = crud.latest_comparison(session, campaign_id=campaign_id)
    if run is None:
        raise NoComparison("还没有比对结果，请先运行 canbao compare")
    return run


def load_registry(ws: Workspace, campaign_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every person (text columns without nulls; `registered_on` a date or None) and every anomaly of the
    registration database."""
    with ws.engine.connect() as connection:
        persons = person_columns(connection, campaign_id=campaign_id, columns=(*PERSON_COLUMNS, *VISIT_COLUMNS))
        anomalies = anomaly_rows(connection, campaign_id=campaign_id)
    for column in persons.columns:
        if persons[column].dtype == object and column != "registered_on":
            persons[column] = persons[column].fillna("")
    persons["moved_out"] = persons["moved_out"].fillna(False).astype(bool)
    return persons, anomalies
