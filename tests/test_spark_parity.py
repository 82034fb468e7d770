"""The same dbt project on Apache Spark: `dbt build --target spark` passes on
the demo (every model, seed, unit and data test), and every public mart
equals the DuckDB build's row by row (numbers to a relative 1e-9).

Spark runs in this process's machine through dbt-spark's session method
(pyspark in local mode, Java 17); its tables are Parquet files, which the
comparison reads with DuckDB (no second Spark session). Skipped with the
reason when Java is not installed.
"""

from __future__ import annotations

import json
import math
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse import run_dbt
from tests.conftest import RUN_DATE

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
