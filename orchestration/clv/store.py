"""The CLV tables in the warehouse's marts schema, with fixed column types
(the Python side of the marts' enforced contracts), written in one
transaction: readers see the previous tables or the new ones, never a mix,
and a failed run writes nothing.

- marts.customer_clv: the latest fit's scores, replaced on every run;
- marts.clv_model_parameters and marts.clv_holdout_report: kept per
  as_of_date (a rerun of a day replaces that day), so fits can be compared
  over time.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.clv.pipeline import ClvResult

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


def _create(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    columns = ", ".join(f"{name} {type_}" for name, type_ in TABLES[table].items())
    connection.execute(f"create table if not exists {SCHEMA}.{table} ({columns})")


def _insert(connection: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    columns = list(TABLES[table])
    missing = set(columns) - set(frame.columns)
    if missing:
        raise ValueError(f"{table}: frame lacks columns {sorted(missing)}")
    connection.register("incoming", frame[columns])
    casts = ", ".join(f"cast({name} as {type_}) as {name}" for name, type_ in TABLES[table].items())
    connection.execute(f"insert into {SCHEMA}.{table} select {casts} from incoming")
    connection.unregister("incoming")


def write_clv(warehouse: str, result: ClvResult) -> dict[str, int]:
    """Write the three tables in one transaction; returns their row counts."""
    frames = {
        "customer_clv": result.customer_clv,
        "clv_model_parameters": result.model_parameters,
        "clv_holdout_report": result.holdout_report,
    }
    with duckdb.connect(warehouse) as connection:
        connection.execute(f"create schema if not exists {SCHEMA}")
        connection.execute("begin transaction")
        try:
            for table, frame in frames.items():
                _create(connection, table)
                if table in REPLACED_PER_RUN:
                    connection.execute(f"delete from {SCHEMA}.{table}")
                elif not frame.empty:
                    connection.execute(f"delete from {SCHEMA}.{table} where as_of_date = ?",
                                       [frame["as_of_date"].iloc[0]])
                _insert(connection, table, frame)
            connection.execute("commit")
        except Exception:
            connection.execute("rollback")
            raise
        return {table: connection.execute(f"select count(*) from {SCHEMA}.{table}").fetchone()[0]
                for table in frames}


def read_summary(warehouse: str) -> pd.DataFrame:
    with duckdb.connect(warehouse, read_only=True) as connection:
        return connection.execute(
            "select * from intermediate.int_customer_btyd_summarised order by fit_window, customer_id"
        ).df()
