"""Where the data is and where results go, read once from the environment.

    RETENTION_TRANSACTIONS_PATH  transactions file or glob (default: the demo data,
                                 generated on first use under data/demo/)
    RETENTION_CUSTOMERS_PATH     optional customers file (default: the demo's)
    RETENTION_DBT_VARS           extra dbt vars as JSON, e.g. '{"business_type": "restaurant"}'
    RETENTION_TARGET             the engine dbt and the Python steps use: duckdb (default) or spark
                                 (SPARK_WAREHOUSE_DIR, SPARK_REMOTE: orchestration/engine.py)
    DUCKDB_PATH                  the warehouse file (default warehouse/retention.duckdb)
    RETENTION_SERVING_PATH       the copy BI tools read (default serving/retention.duckdb)
    RETENTION_EXPORTS_DIR        alert files (default exports/)
    RETENTION_PARTITIONS_START   first as-of date partition (default 2024-07-01)
    RETENTION_SCHEDULE_HOUR      hour of the daily run in the business's time zone (dbt var
                                 business_timezone, default UTC; default hour 6)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dagster import ConfigurableResource

from orchestration import demo_data
from orchestration.engine import Warehouse, open_warehouse, target_from_env
from orchestration.warehouse import PROJECT_DIR, duckdb_path

DEMO_DIR = PROJECT_DIR / "data" / "demo"


def _path_from_env(name: str, default: Path) -> str:
    value = os.environ.get(name)
    return str(Path(value).resolve()) if value else str(default)


class RetentionSettings(ConfigurableResource):
    """Inputs and outputs of the warehouse, shared by every asset."""

    transactions_path: str
    customers_path: str = ""
    extra_dbt_vars_json: str = "{}"
    warehouse_path: str
    serving_path: str
    exports_dir: str
    target: str = "duckdb"

    @classmethod
    def from_env(cls) -> "RetentionSettings":
        configured = os.environ.get("RETENTION_TRANSACTIONS_PATH")
        if configured:
            # resolve() only makes the path absolute; globs stay globs
            transactions = str(Path(configured).resolve())
            customers = os.environ.get("RETENTION_CUSTOMERS_PATH", "")
            customers = str(Path(customers).resolve()) if customers else ""
        else:
            transactions = str(DEMO_DIR / "transactions.csv")
            customers = str(DEMO_DIR / "customers.csv")
        return cls(
            transactions_path=transactions,
            customers_path=customers,
            extra_dbt_vars_json=os.environ.get("RETENTION_DBT_VARS", "{}"),
            warehouse_path=str(duckdb_path()),
            serving_path=_path_from_env("RETENTION_SERVING_PATH", PROJECT_DIR / "serving" / "retention.duckdb"),
            exports_dir=_path_from_env("RETENTION_EXPORTS_DIR", PROJECT_DIR / "exports"),
            target=target_from_env(),
        )

    def warehouse(self) -> Warehouse:
        """The warehouse dbt builds on this target, for the Python steps (use in a `with` block)."""
        return open_warehouse(self.target, self.warehouse_path)

    def uses_demo_data(self) -> bool:
        return Path(self.transactions_path) == DEMO_DIR / "transactions.csv"

    def ensure_demo_data(self) -> None:
        """Generate the demo files when the demo is configured and they are missing."""
        if self.uses_demo_data() and not Path(self.transactions_path).exists():
            demo_data.generate_demo_data(DEMO_DIR)

    def dbt_vars(self, **run_vars: str) -> dict:
        return {
            "transactions_path": self.transactions_path,
            "customers_path": self.customers_path,
            **({"transactions_is_sample": True,
                "freshness_reference_date": demo_data.DATASET_LAST_DAY["demo"].isoformat()}
               if self.uses_demo_data() else {}),
            **json.loads(self.extra_dbt_vars_json),
            **run_vars,
        }
