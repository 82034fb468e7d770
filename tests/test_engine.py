"""The warehouse interface of the Python steps (orchestration/engine.py), on
DuckDB: writes replace what they say, several writes are one transaction,
results stream in batches, and the target comes from RETENTION_TARGET.
(Spark's implementation is proved against this one in test_spark_parity.py.)"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from orchestration.engine import DuckDBWarehouse, SparkWarehouse, as_warehouse, open_warehouse, target_from_env

TYPES = {"as_of_date": "date", "customer_id": "varchar", "amount": "double"}


def frame(day: str, *customers: str) -> pd.DataFrame:
    return pd.DataFrame({"as_of_date": [date.fromisoformat(day)] * len(customers), "customer_id": list(customers),
                         "amount": [1.5] * len(customers)})


def rows(warehouse: DuckDBWarehouse) -> list[tuple]:
    return warehouse.query("select cast(as_of_date as varchar), customer_id from marts.scores order by all")


def test_writes_replace_all_rows_one_day_or_nothing(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    warehouse.write("marts.scores", frame("2026-06-29", "a", "b"), TYPES, "none")
    warehouse.write("marts.scores", frame("2026-06-30", "a"), TYPES, "none")
    warehouse.write("marts.scores", frame("2026-06-30", "c"), TYPES, "as_of_date")
    assert rows(warehouse) == [("2026-06-29", "a"), ("2026-06-29", "b"), ("2026-06-30", "c")]
    warehouse.write("marts.scores", frame("2026-06-30", "d"), TYPES, "all")
    assert rows(warehouse) == [("2026-06-30", "d")]
    assert warehouse.query("select typeof(amount) from marts.scores") == [("DOUBLE",)]


def test_several_writes_are_one_transaction(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    warehouse.write("marts.scores", frame("2026-06-29", "a"), TYPES, "none")
    broken = frame("2026-06-30", "x").drop(columns=["amount"])
    with pytest.raises(ValueError, match="lacks columns"):
        warehouse.write_many([("marts.scores", frame("2026-06-30", "b"), TYPES, "all"),
                              ("marts.other", broken, TYPES, "none")])
    assert rows(warehouse) == [("2026-06-29", "a")]
    assert not warehouse.relation_exists("marts.other")


def test_results_stream_in_batches_and_decimals_read_as_floats(tmp_path):
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    warehouse.write("marts.scores", frame("2026-06-30", *(f"c{n}" for n in range(2500))), TYPES, "none")
    with warehouse.reader("select * from marts.scores", batch_rows=1000) as reader:
        sizes = [batch.num_rows for batch in reader]
    assert sum(sizes) == 2500 and len(sizes) > 1
    read = warehouse.frame("select cast(amount as decimal(18, 2)) as amount from marts.scores")
    assert read["amount"].dtype == "float64" and read["amount"].iloc[0] == 1.5


def test_the_target_comes_from_retention_target(monkeypatch, tmp_path):
    monkeypatch.delenv("RETENTION_TARGET", raising=False)
    assert target_from_env() == "duckdb"
    assert isinstance(open_warehouse(duckdb_file=tmp_path / "w.duckdb"), DuckDBWarehouse)
    monkeypatch.setenv("RETENTION_TARGET", "Spark")
    assert isinstance(open_warehouse(), SparkWarehouse)  # the session starts on first use, not here
    monkeypatch.setenv("RETENTION_TARGET", "snowflake")
    with pytest.raises(ValueError, match="RETENTION_TARGET='snowflake': expected one of duckdb, spark"):
        target_from_env()
    assert isinstance(as_warehouse(str(tmp_path / "w.duckdb")), DuckDBWarehouse)
