"""Shared fixtures: one demo build per test session, in a temporary directory."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_data import generate_demo_data
from orchestration.warehouse import DbtResult
from tests.support.dbt_runs import run_dbt_in

# Pinned "today" for the plausibility check, so results never depend on the clock.
RUN_DATE = "2026-07-01"

# Test files that take minutes, longest first (pytest's --durations list in
# every CI log). They start first: pytest-xdist's --dist loadfile hands whole
# files to the two workers in collection order (pyproject.toml turns off its
# own reordering, by number of tests), and a long file handed out last ran
# alone at the end while the other worker idled.
LONGEST_FIRST = (
    "test_uplift.py",
    "test_concurrency.py",
    "test_incremental_load.py",
    "test_backfill.py",
    "test_orchestration.py",
)


def pytest_configure(config: pytest.Config) -> None:
    """An up-to-date dbt manifest before any test module loads the Dagster definitions."""
    from orchestration.project import prepare_project

    prepare_project()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect the long files first (a stable sort: the order within a file stays)."""
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


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
    """Run `dbt build` on root/warehouse.duckdb with target root/target, in
    root (paths under it given relative to it: tests/support/dbt_runs.py).

    with_tests=False leaves out dbt's unit and data tests: small bad-input
    builds check their own outcome, and the demo build runs every dbt test.
    """
    return run_dbt_in(
        root,
        ["build"] if with_tests else ["build", "--exclude-resource-type", "unit_test", "test"],
        {"run_date": RUN_DATE, **dbt_vars},
    )


def demo_customer_ids(customers: Path) -> list[str]:
    with open(customers, newline="", encoding="utf-8") as handle:
        return [row["customer_id"] for row in csv.DictReader(handle)]


def write_csv(out: Path, header: list[str], rows: list[tuple]) -> Path:
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return out


def write_demo_service_costs(customers: Path, out: Path) -> Path:
    """A cost-to-serve file for the demo customers (customer_id, incurred_on,
    cost_to_serve), deterministic: every fifth customer (prospects too) has a
    cost before, one in the previous and one in the recent value period
    (default 180 days) and one after the demo's last day (it must not
    count); every 60th a cost of 4,000 that puts most of them below zero.
    Half of the ids are written in lower case with spaces: they are
    normalised like the transactions' ids."""
    ids = demo_customer_ids(customers)
    rows = []
    for customer_id in ids:
        number = int(customer_id[1:])
        if number % 5:
            continue
        written = f" {customer_id.lower()} " if number % 10 == 5 else customer_id
        rows += [
            (written, "2025-01-15", "12.50"), (written, "2025-10-15", "5"),
            (written, "2026-05-01", "7.25"), (written, "2026-07-01", "999"),
        ]
        if number % 60 == 0:
            rows.append((written, "2026-03-01", "4000.00"))
    return write_csv(out, ["customer_id", "incurred_on", "cost_to_serve"], rows)


# the reasons of write_demo_churn_reasons, by customer number modulo 7: (date, code) rows
DEMO_CHURN_REASONS = {
    0: [("2026-03-01", "price")],                                        # retainable, 0.5
    1: [("2026-03-01", "death")],                                        # not retainable: left out
    2: [("2026-03-01", " No_Such_Code ")],                               # unknown code: kept, flagged
    3: [("2025-06-01", "death"), ("2026-04-01", "service_complaint")],   # the latest (retainable) counts
    4: [("2026-04-01", "competitor_offer"), ("2026-07-15", "death")],    # a reason after the as-of date does not count
}


def write_demo_churn_reasons(customers: Path, out: Path) -> Path:
    """A churn-reasons file for the demo customers (customer_id, reported_on,
    reason_code), deterministic: the rows of DEMO_CHURN_REASONS by customer
    number modulo 7 for every third customer; the rest have no reason. Every
    other id is written in lower case with spaces: normalised like the
    transactions' ids."""
    ids = demo_customer_ids(customers)
    rows = []
    for customer_id in ids:
        number = int(customer_id[1:])
        if number % 3:
            continue
        written = f" {customer_id.lower()} " if number % 2 else customer_id
        rows += [(written, day, code) for day, code in DEMO_CHURN_REASONS.get(number % 7, [])]
    return write_csv(out, ["customer_id", "reported_on", "reason_code"], rows)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Build:
    root = tmp_path_factory.mktemp("demo_build")
    # the files outside root: dbt gets their absolute paths, which are what
    # Spark's source_file holds too (tests/test_spark_parity.py compares them)
    data = tmp_path_factory.mktemp("demo_build_data")
    inputs = generate_demo_data(data)
    inputs["service_costs"] = write_demo_service_costs(inputs["customers"], data / "service_costs.csv")
    inputs["churn_reasons"] = write_demo_churn_reasons(inputs["customers"], data / "churn_reasons.csv")
    result = build_warehouse(
        root,
        {
            "transactions_path": str(inputs["transactions"]),
            "customers_path": str(inputs["customers"]),
            "service_costs_path": str(inputs["service_costs"]),
            "churn_reasons_path": str(inputs["churn_reasons"]),
        },
    )
    assert result.success, result.output[-6000:]
    return Build(root, root / "warehouse.duckdb", inputs, result)


@pytest.fixture(scope="session")
def demo_dir(demo_build) -> Path:
    return demo_build.inputs["transactions"].parent
