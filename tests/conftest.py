"""Shared fixtures: one demo build per test session, in a temporary directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_data import generate_demo_data
from orchestration.warehouse import DbtResult, run_dbt

# Pinned "today" for the plausibility check, so results never depend on the clock.
RUN_DATE = "2026-07-01"


@dataclass(frozen=True)
class Build:
    root: Path
    warehouse: Path
    inputs: dict[str, Path]
    result: DbtResult

    def query(self, sql: str, *params) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, params).fetchall()

    def scalar(self, sql: str, *params):
        return self.query(sql, *params)[0][0]


def build_warehouse(root: Path, dbt_vars: dict, with_tests: bool = True) -> DbtResult:
    """Run `dbt build` on a warehouse file and target directory under root.

    with_tests=False leaves out dbt's unit and data tests: small bad-input
    builds check their own outcome, and the demo build runs every dbt test.
    """
    return run_dbt(
        ["build"] if with_tests else ["build", "--exclude-resource-type", "unit_test", "test"],
        dbt_vars={"run_date": RUN_DATE, **dbt_vars},
        warehouse=root / "warehouse.duckdb",
        target_path=root / "target",
    )


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Build:
    root = tmp_path_factory.mktemp("demo_build")
    inputs = generate_demo_data(root / "data")
    result = build_warehouse(
        root,
        {"transactions_path": str(inputs["transactions"]), "customers_path": str(inputs["customers"])},
    )
    assert result.success, result.output[-6000:]
    return Build(root, root / "warehouse.duckdb", inputs, result)


@pytest.fixture(scope="session")
def demo_dir(demo_build) -> Path:
    return demo_build.inputs["transactions"].parent
