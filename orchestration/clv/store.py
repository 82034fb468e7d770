"""The CLV tables in the warehouse's marts schema, with fixed column types
(the Python side of the marts' enforced contracts), written through
orchestration/engine.py (on DuckDB in one transaction: readers see the
previous tables or the new ones, never a mix, and a failed run writes
nothing; on Spark table by table).

- marts.customer_clv: the latest day's scores, replaced by every run for
  that day or a later one (a backfill of an older day leaves them alone);
- marts.clv_model_parameters and marts.clv_holdout_report: kept per
  as_of_date (a rerun of a day replaces that day), so fits can be compared
  over time.

Every attempt, good or failed, is appended to quality.clv_fit_attempts
(status and reason): the serving copy's marts.publication says from it
whether the day's CLV is fresh, and why not.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd

from orchestration.clv.btyd import ClvFitError
from orchestration.clv.pipeline import ClvResult
from orchestration.engine import Warehouse, as_warehouse

SCHEMA = "marts"
TABLES: dict[str, dict[str, str]] = {
    "customer_clv": {
        "customer_id": "varchar",
        "as_of_date": "date",
        "frequency": "bigint",
        "recency": "double",
        "age": "double",
        "mean_repeat_spend_amount": "double",
        "p_alive": "double",
        "expected_purchases": "double",
        "expected_spend_per_purchase_amount": "double",
        "discounted_clv_amount": "double",
        "horizon_days": "integer",
        "purchase_model": "varchar",
        "fitted_at": "timestamp",
    },
    "clv_model_parameters": {
        "as_of_date": "date",
        "fit_window": "varchar",
        "model": "varchar",
        "parameter": "varchar",
        "value": "double",
        "standard_error": "double",
        "log_likelihood": "double",
        "n_customers": "bigint",
        "iterations": "integer",
        "data_window_start": "date",
        "data_window_end": "date",
        "time_unit_days": "double",
        "notes": "varchar",
        "fitted_at": "timestamp",
    },
    "clv_holdout_report": {
        "as_of_date": "date",
        "calibration_end_date": "date",
        "holdout_end_date": "date",
        "purchase_model": "varchar",
        "segment": "varchar",
        "n_customers": "bigint",
        "predicted_repeat_purchases": "double",
        "actual_repeat_purchases": "double",
        "predicted_spend_amount": "double",
        "actual_spend_amount": "double",
        "total_error_percent": "double",
        "mean_absolute_error": "double",
        "root_mean_squared_error": "double",
        "correlation": "double",
    },
}
REPLACED_PER_RUN = {"customer_clv"}


# the model's figures; inputs such as mean_repeat_spend_amount are null by
# definition for customers without a repeat purchase
FITTED_FIGURES = {
    "customer_clv": ["p_alive", "expected_purchases", "expected_spend_per_purchase_amount", "discounted_clv_amount"],
    "clv_model_parameters": ["value", "log_likelihood"],
}


def ensure_finite(frames: dict[str, pd.DataFrame]) -> None:
    """A fit whose figures are not all finite (NaN or infinite P(alive),
    expected purchases, spend, CLV or parameters) is a failed fit, never written."""
    problems = [
        f"{table}.{column}: {count} rows"
        for table, columns in FITTED_FIGURES.items()
        for column in columns
        if (count := int((~np.isfinite(frames[table][column].to_numpy(dtype=float))).sum()))
    ]
    if problems:
        raise ClvFitError("the fit produced values that are not finite numbers (" + "; ".join(problems) + ")")


def write_clv(warehouse: Warehouse | str, result: ClvResult) -> dict[str, int]:
    """Write the three tables (on DuckDB in one transaction); returns their
    row counts. Refuses (ClvFitError, nothing written) a result with
    non-finite figures."""
    frames = {
        "customer_clv": result.customer_clv,
        "clv_model_parameters": result.model_parameters,
        "clv_holdout_report": result.holdout_report,
    }
    ensure_finite(frames)
    warehouse = as_warehouse(warehouse)
    held = clv_as_of_date(warehouse)
    incoming = pd.Timestamp(result.customer_clv["as_of_date"].iloc[0]).date() if len(result.customer_clv) else None
    writes = [
        (f"{SCHEMA}.{table}", frame, TABLES[table], "all" if table in REPLACED_PER_RUN else "as_of_date")
        for table, frame in frames.items()
        # a backfill of an older day never replaces a newer day's scores
        if not (table in REPLACED_PER_RUN and held is not None and incoming is not None and held > incoming)
    ]
    warehouse.write_many(writes)
    return {table: warehouse.query(f"select count(*) from {SCHEMA}.{table}")[0][0] for table in frames}


def read_summary(warehouse: Warehouse | str) -> pd.DataFrame:
    """The BTYD summary, read batch by batch (on Spark partition by partition
    through the driver, never collected whole)."""
    return as_warehouse(warehouse).frame(
        "select * from intermediate.int_customer_btyd_summarised order by fit_window, customer_id"
    )


ATTEMPTS_TABLE = "quality.clv_fit_attempts"
ATTEMPTS_COLUMNS = {
    "run_id": "varchar",
    "as_of_date": "date",
    "attempted_at": "timestamp",
    "status": "varchar",
    "message": "varchar",
}


def record_attempt(warehouse: Warehouse | str, as_of_date: str, status: str, message: str | None,
                   run_id: str | None) -> None:
    """Append one CLV fit attempt: status 'fitted' or 'failed' with the reason."""
    attempt = pd.DataFrame([{
        "run_id": run_id, "as_of_date": pd.Timestamp(as_of_date).date(),
        "attempted_at": datetime.now(timezone.utc).replace(tzinfo=None), "status": status, "message": message,
    }])
    as_warehouse(warehouse).write(ATTEMPTS_TABLE, attempt, ATTEMPTS_COLUMNS, "none")


def clv_as_of_date(warehouse: Warehouse | str):
    """The as-of date of the CLV tables the warehouse holds (the last good fit), or None."""
    warehouse = as_warehouse(warehouse)
    if not warehouse.relation_exists(f"{SCHEMA}.customer_clv"):
        return None
    return warehouse.query(f"select max(as_of_date) from {SCHEMA}.customer_clv")[0][0]


def clv_status(warehouse: Warehouse | str, as_of_date) -> dict:
    """What the CLV tables say about a day: status 'fitted' or 'failed' (the
    latest attempt for that day) or 'none' (never attempted), the reason of a
    failure, and the as-of date of the tables actually held."""
    warehouse = as_warehouse(warehouse)
    attempt = None
    if warehouse.relation_exists(ATTEMPTS_TABLE):
        attempts = warehouse.query(
            f"select status, message from {ATTEMPTS_TABLE} where as_of_date = ? "
            "order by attempted_at desc limit 1",
            [as_of_date],
        )
        attempt = attempts[0] if attempts else None
    return {
        "clv_status": attempt[0] if attempt else "none",
        "clv_message": attempt[1] if attempt else None,
        "clv_as_of_date": clv_as_of_date(warehouse),
    }
