"""Helpers for the Dagster tests: environments pointing every output into a
temp dir, and in-process runs of the whole asset graph."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from dagster import DagsterInstance, materialize

from orchestration.environment import environment
from orchestration.definitions import ALL_ASSETS, ALL_CHECKS
from orchestration.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG
from orchestration.resources import build_resources
from tests.conftest import RUN_DATE

LAST_DAY = "2026-06-30"


class Environment:
    """Environment variables pointing every output of the pipeline into one temp dir."""

    def __init__(self, root: Path, demo_dir: Path, **extra_vars):
        self.root = root
        self.values = {
            "DUCKDB_PATH": str(root / "warehouse.duckdb"),
            "RETENTION_SERVING_PATH": str(root / "serving.duckdb"),
            "RETENTION_EXPORTS_DIR": str(root / "exports"),
            "DBT_TARGET_PATH": str(root / "target"),
            "RETENTION_TRANSACTIONS_PATH": str(demo_dir / "transactions.csv"),
            "RETENTION_CUSTOMERS_PATH": str(demo_dir / "customers.csv"),
            "RETENTION_DBT_VARS": json.dumps({"run_date": RUN_DATE, **extra_vars}),
        }

    def __enter__(self):
        self._set = environment(self.values)
        self._set.__enter__()
        return self

    def __exit__(self, *exc):
        return self._set.__exit__(*exc)

    @property
    def warehouse(self) -> str:
        return self.values["DUCKDB_PATH"]

    def query(self, sql: str, path: str | None = None):
        with duckdb.connect(path or self.warehouse, read_only=True) as connection:
            return connection.execute(sql).fetchall()


def run_partitions(first: str, last: str | None = None):
    """Materialize every asset for one partition, or a range as one run."""
    tags = {}
    if last and last != first:
        tags = {PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last}
    return materialize(
        [*ALL_ASSETS, *ALL_CHECKS],
        partition_key=None if tags else first,
        resources=build_resources(),
        instance=DagsterInstance.ephemeral(),
        tags=tags,
        raise_on_error=False,
    )
