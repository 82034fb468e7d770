"""The same project on Apache Spark.

- `dbt build --target spark` passes on the demo (every model, seed, unit and
  data test), and every public mart equals the DuckDB build's row by row
  (numbers to a relative 1e-9).
- The Python steps, run by Dagster with RETENTION_TARGET=spark on that
  build (CLV fit, its quality check, call-sheet files, report, serving copy),
  deliver what the same steps deliver with RETENTION_TARGET=duckdb on the
  DuckDB build: equal serving copies (the CLV tables among them, fitted from
  a summary read from Spark in batches), byte-equal call-sheet files, the
  same report; every Great Expectations suite gives the same outcomes on both.

Spark runs in this process's machine through dbt-spark's session method
(pyspark in local mode, Java 17); its tables are Parquet files, which the
mart comparison reads with DuckDB. Skipped with the reason when Java is not
installed.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from orchestration.assets.clv import CLV_KEYS
from orchestration.engine import DuckDBWarehouse, SparkWarehouse
from orchestration.environment import environment
from orchestration.quality.runner import load_suites, suite_parameters, validate
from orchestration.warehouse import run_dbt
from tests.conftest import RUN_DATE

# `make test-spark` runs this file (alone: Spark wants both cores); `make test` leaves it out
pytestmark = pytest.mark.spark

RELATIVE_TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def spark_build(demo_build, tmp_path_factory):
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: Spark (pyspark in local mode) needs Java 17")
    root = tmp_path_factory.mktemp("spark_build")
    dbt_vars = {"run_date": RUN_DATE, **{f"{name}_path": str(path) for name, path in demo_build.inputs.items()}}
    result = run_dbt(["build"], dbt_vars, target_path=root / "target",
                     env={"RETENTION_TARGET": "spark", "SPARK_WAREHOUSE_DIR": str(root / "spark")})
    assert result.success, result.output[-6000:]
    return root, result


def public_marts(target: Path) -> list[str]:
    manifest = json.loads((target / "manifest.json").read_text())
    return sorted(node["name"] for node in manifest["nodes"].values()
                  if node["resource_type"] == "model" and node["fqn"][1] == "marts")


def test_dbt_build_on_spark_runs_every_node(spark_build, demo_build):
    _, result = spark_build
    statuses = {r["unique_id"]: r["status"] for r in result.run_results()["results"]}
    assert {status for node, status in statuses.items() if not node.startswith("exposure.")} <= {"success", "pass"}
    duckdb_nodes = {r["unique_id"] for r in demo_build.result.run_results()["results"]}
    assert set(statuses) == duckdb_nodes


def comparable(value):
    """A cell as both engines' values compare: numbers as float, dates as ISO text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return tuple(comparable(item) for item in value)
    return value


def sort_key(row):
    return tuple((cell is None, "" if cell is None else str(cell) if not isinstance(cell, float) else f"{cell:.6e}")
                 for cell in row)


def same(left, right) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9)
    return left == right


def test_every_public_mart_equals_duckdbs(spark_build, demo_build):
    root, _ = spark_build
    marts = public_marts(demo_build.result.target_path)
    assert len(marts) >= 15
    differences = {}
    with duckdb.connect() as connection:
        for mart in marts:
            columns = [name for (name,) in demo_build.query(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position", mart)]
            expected = sorted((tuple(comparable(v) for v in row) for row in demo_build.query(
                f"select {', '.join(columns)} from marts.{mart}")), key=sort_key)
            files = root / "spark" / "marts.db" / mart
            actual = sorted((tuple(comparable(v) for v in row) for row in connection.execute(
                f"select {', '.join(columns)} from read_parquet('{files}/**/*.parquet', hive_partitioning = true)"
            ).fetchall()), key=sort_key)
            if len(actual) != len(expected):
                differences[mart] = f"{len(actual)} rows on Spark, {len(expected)} on DuckDB"
                continue
            for left, right in zip(actual, expected):
                unequal = [column for column, a, b in zip(columns, left, right) if not same(a, b)]
                if unequal:
                    differences[mart] = {column: (left[columns.index(column)], right[columns.index(column)])
                                         for column in unequal}
                    break
    assert differences == {}


# --- the Python steps, run by Dagster on either target -------------------------------
PYTHON_STEPS = [*CLV_KEYS, AssetKey("call_sheet_export"), AssetKey("retention_report"), AssetKey("serving_copy")]
# when a step ran, not what it computed
RUN_TIME_COLUMNS = {"fitted_at", "published_at"}


@pytest.fixture(scope="module")
def python_steps(spark_build, demo_build, tmp_path_factory):
    """The Python steps of one partition, materialized by Dagster on each
    target: RETENTION_TARGET=spark on the Spark build, =duckdb on a copy of
    the DuckDB build. Returns {target: (result, output folder)}."""
    from orchestration.definitions import ALL_ASSETS, ALL_CHECKS
    from orchestration.resources import build_resources

    spark_root, _ = spark_build
    root = tmp_path_factory.mktemp("python_steps")
    warehouse_copy = root / "warehouse.duckdb"
    shutil.copyfile(demo_build.warehouse, warehouse_copy)
    day = str(demo_build.scalar("select max(as_of_date) from marts.customer_lifecycle"))
    runs = {}
    for target in ("duckdb", "spark"):
        out = root / target
        values = {
            "RETENTION_TARGET": target,
            "SPARK_WAREHOUSE_DIR": str(spark_root / "spark"),
            "DUCKDB_PATH": str(warehouse_copy),
            "RETENTION_SERVING_PATH": str(out / "serving.duckdb"),
            "RETENTION_EXPORTS_DIR": str(out / "exports"),
            "RETENTION_TRANSACTIONS_PATH": str(demo_build.inputs["transactions"]),
            "RETENTION_CUSTOMERS_PATH": str(demo_build.inputs["customers"]),
            "RETENTION_DBT_VARS": json.dumps({"run_date": RUN_DATE}),
        }
        with environment(values):
            result = materialize([*ALL_ASSETS, *ALL_CHECKS], selection=PYTHON_STEPS, partition_key=day,
                                 resources=build_resources(), instance=DagsterInstance.ephemeral(),
                                 raise_on_error=False)
        runs[target] = (result, out / "exports" / day)
    return runs


def test_dagster_runs_the_python_steps_on_either_target(python_steps):
    for target, (result, _) in python_steps.items():
        assert result.success, target
        materialized = {event.asset_key for event in result.get_asset_materialization_events()}
        assert materialized == set(PYTHON_STEPS), target
        checks = {check.check_name: check.passed for check in result.get_asset_check_evaluations()}
        assert checks.get("clv_fit_succeeded") and checks.get("report_written"), (target, checks)
        assert checks.get("customer_clv_suite"), (target, checks)


def serving_columns(path: Path) -> dict[str, dict[str, str]]:
    """Each table of a serving copy: its columns and their types."""
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute("select table_name, column_name, data_type from information_schema.columns "
                                  "where table_schema = 'marts' order by table_name, ordinal_position").fetchall()
    tables = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


def serving_rows(path: Path, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """The rows of each table (those columns, in that order), sorted."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return {table: sorted((tuple(comparable(v) for v in row) for row in connection.execute(
                    f"select {', '.join(names)} from marts.{table}").fetchall()), key=sort_key)
                for table, names in columns.items()}


def test_the_serving_copies_of_both_targets_are_equal(python_steps):
    """Every mart, the CLV tables and marts.publication, with the same column
    types: the CLV fitted from the Spark summary (read in batches) equals the
    fit on DuckDB's. (Columns are matched by name: Spark puts a partition
    column last.)"""
    duckdb_path = python_steps["duckdb"][1].parent.parent / "serving.duckdb"
    spark_path = python_steps["spark"][1].parent.parent / "serving.duckdb"
    types = serving_columns(duckdb_path)
    assert {table: dict(sorted(columns.items())) for table, columns in serving_columns(spark_path).items()} == \
        {table: dict(sorted(columns.items())) for table, columns in types.items()}
    compared = {table: [name for name in columns if name not in RUN_TIME_COLUMNS] for table, columns in types.items()}
    duckdb_tables = serving_rows(duckdb_path, compared)
    spark_tables = serving_rows(spark_path, compared)
    assert {"customer_clv", "clv_model_parameters", "clv_holdout_report", "publication"} <= set(duckdb_tables)
    assert set(spark_tables) == set(duckdb_tables)
    assert len(duckdb_tables["customer_clv"]) > 1000
    differences = {}
    for name, expected in duckdb_tables.items():
        actual = spark_tables[name]
        if len(actual) != len(expected):
            differences[name] = f"{len(actual)} rows from Spark, {len(expected)} from DuckDB"
        elif not all(same(a, b) for left, right in zip(actual, expected) for a, b in zip(left, right)):
            differences[name] = next((left, right) for left, right in zip(actual, expected)
                                     if not all(same(a, b) for a, b in zip(left, right)))
    assert differences == {}


def test_the_call_sheet_files_of_both_targets_are_byte_equal(python_steps):
    duckdb_files = sorted(path.name for path in python_steps["duckdb"][1].glob("*.csv"))
    assert "call_sheet.csv" in duckdb_files
    for name in duckdb_files:
        expected = (python_steps["duckdb"][1] / name).read_bytes()
        assert (python_steps["spark"][1] / name).read_bytes() == expected, name


NUMBER = re.compile(r"\d+(?:\.\d+)?")


def test_the_reports_of_both_targets_are_equal(python_steps):
    """The same page, every number the same to its last shown digit (a sum
    of doubles may round the other way on a boundary: one unit apart at most)."""
    def page(target: str) -> tuple[list[str], list[str]]:
        text = (python_steps[target][1] / "report.html").read_text(encoding="utf-8")
        text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "(generated)", text)  # when it was written
        return NUMBER.split(text), NUMBER.findall(text)

    spark_text, spark_numbers = page("spark")
    duckdb_text, duckdb_numbers = page("duckdb")
    assert spark_text == duckdb_text
    assert len(spark_numbers) == len(duckdb_numbers) > 1000
    far = [(a, b) for a, b in zip(spark_numbers, duckdb_numbers)
           if a != b and abs(float(a) - float(b)) > 1.0001 * 10 ** -len(b.partition(".")[2])]
    assert far == []


def outcome_rows(outcome) -> list[tuple]:
    return sorted((item.expectation, item.column or "", item.success, item.observed_value, item.unexpected_count)
                  for item in outcome.outcomes)


def test_spark_is_read_in_batches_and_judged_by_the_same_suites(python_steps, spark_build):
    """One Spark session: a result streams in batches of the size asked for,
    and every Great Expectations suite (computed by GX's Spark engine) gives
    the outcomes it gives on DuckDB, expectation by expectation."""
    spark_root, _ = spark_build
    suites = load_suites()
    duckdb_warehouse = DuckDBWarehouse(python_steps["duckdb"][1].parents[2] / "warehouse.duckdb")
    expected = {name: outcome_rows(validate(suite, duckdb_warehouse, suite_parameters(suite, duckdb_warehouse),
                                            record=False)) for name, suite in suites.items()}
    with SparkWarehouse(spark_root / "spark") as warehouse:
        total = warehouse.query("select count(*) from intermediate.int_customer_btyd_summarised")[0][0]
        with warehouse.reader("select * from intermediate.int_customer_btyd_summarised", batch_rows=500) as reader:
            sizes = [batch.num_rows for batch in reader]
        actual = {name: outcome_rows(validate(suite, warehouse, suite_parameters(suite, warehouse), record=False))
                  for name, suite in suites.items()}
    assert sum(sizes) == total > 1000
    assert len(sizes) > 1 and max(sizes) <= 500
    assert len(expected) >= 6 and all(expected.values())
    assert actual == expected
