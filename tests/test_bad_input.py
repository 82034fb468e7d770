"""Bad input: a clear error that names the file and the column, and the
marts of the last good run stay as they were; inputs in other shapes
(renamed columns, Parquet, UTC offsets) are read correctly."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import RUN_DATE
from tests.support.dbt_runs import run_dbt_in

# the marts these cases compare, and what they read: an input's shape only
# reaches the rest of the graph through the same validated rows
SNAPSHOT_MARTS = ["customer_lifecycle", "customer_rfm", "customer_purchase_intervals", "transaction_rejects"]


def build_warehouse(root: Path, dbt_vars: dict):
    """`dbt build` of SNAPSHOT_MARTS and their parents, models and seeds only
    (the bad inputs are stopped by the on-run-start checks, before any test)."""
    return run_dbt_in(root, ["build", "--exclude-resource-type", "unit_test", "test",
                             "--select", *(f"+{mart}" for mart in SNAPSHOT_MARTS)],
                      {"run_date": RUN_DATE, **dbt_vars})


# A feed is given to dbt under one name in its run's directory, so that runs
# with the same settings share one saved parse (tests/support/dbt_runs.py).
FEED_CSV = "transactions.csv"

GOOD_ROWS = [
    ("A", "o1", "2026-06-01 10:00:00", "10.00"),
    ("A", "o2", "2026-06-11 10:00:00", "20.00"),
    ("A", "o3", "2026-06-21 10:00:00", "30.00"),
    ("B", "o4", "2026-06-15 09:00:00", "50.00"),
]


def write_csv(path: Path, header: list[str], rows) -> Path:
    path.write_text("\n".join([",".join(header), *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    return path


def mart_snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            mart: connection.execute(f"select * from marts.{mart} order by all").fetchall()
            for mart in SNAPSHOT_MARTS
        }


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory) -> Path:
    """A small warehouse built from good data (tests that rebuild it must fail)."""
    root = tmp_path_factory.mktemp("good")
    good = write_csv(root / "good.csv", ["customer_id", "order_id", "ordered_at", "amount"], GOOD_ROWS)
    result = build_warehouse(root, {"transactions_path": str(good)})
    assert result.success, result.output[-4000:]
    return root


def test_missing_required_column_stops_before_any_mart_is_replaced(good_warehouse):
    before = mart_snapshot(good_warehouse / "warehouse.duckdb")
    bad = write_csv(good_warehouse / FEED_CSV, ["customer_id", "order_id", "ordered_at"],
                    [r[:3] for r in GOOD_ROWS[:2]])
    result = build_warehouse(good_warehouse, {"transactions_path": str(bad)})
    assert not result.success
    assert f"transactions file '{bad.name}' has no column 'amount'" in result.output
    assert mart_snapshot(good_warehouse / "warehouse.duckdb") == before


def test_missing_file_names_the_path(good_warehouse):
    before = mart_snapshot(good_warehouse / "warehouse.duckdb")
    missing = good_warehouse / "nowhere" / "transactions.csv"
    result = build_warehouse(good_warehouse, {"transactions_path": str(missing)})
    assert not result.success
    assert f"transactions_path '{missing.relative_to(good_warehouse)}' matches no file" in result.output
    assert mart_snapshot(good_warehouse / "warehouse.duckdb") == before


def test_unreadable_file_names_the_file(good_warehouse):
    before = mart_snapshot(good_warehouse / "warehouse.duckdb")
    garbage = good_warehouse / "transactions.parquet"
    garbage.write_bytes(bytes(range(256)) * 4)
    result = build_warehouse(good_warehouse, {"transactions_path": str(garbage)})
    assert not result.success
    assert garbage.name in result.output
    assert mart_snapshot(good_warehouse / "warehouse.duckdb") == before


def test_a_file_read_as_one_column_gets_a_delimiter_hint(good_warehouse):
    # an unterminated quote in the only data row: the sniffer settles on one column
    semicolons = good_warehouse / FEED_CSV
    semicolons.write_text('customer_id,order_id,ordered_at,amount\n"A,o1\n', encoding="utf-8")
    result = build_warehouse(good_warehouse, {"transactions_path": str(semicolons)})
    assert not result.success
    assert f"transactions file '{semicolons.name}' has no column 'customer_id'" in result.output
    assert "read as a single column: check its delimiter and quoting" in result.output


def test_unknown_business_type_is_a_clear_error(good_warehouse):
    """A plain `dbt build` fails on the business rules' own test."""
    result = run_dbt_in(
        good_warehouse,
        ["build", "--exclude-resource-type", "unit_test", "--select", "+int_business_rules_resolved"],
        {"run_date": RUN_DATE, "transactions_path": str(good_warehouse / "good.csv"), "business_type": "bakery"},
    )
    assert not result.success
    assert "assert_business_type_is_a_preset" in result.output


def test_other_column_names_are_mapped_with_a_var(good_warehouse, tmp_path_factory):
    renamed_root = tmp_path_factory.mktemp("renamed")
    renamed = write_csv(renamed_root / "renamed.csv", ["Client", "OrderNo", "Timestamp", "Total"], GOOD_ROWS)
    result = build_warehouse(renamed_root, {
        "transactions_path": str(renamed),
        "transactions_columns": {"customer_id": "Client", "order_id": "OrderNo",
                                 "ordered_at": "Timestamp", "amount": "Total"},
    })
    assert result.success, result.output[-4000:]
    assert mart_snapshot(renamed_root / "warehouse.duckdb") == _without_source_file(
        mart_snapshot(good_warehouse / "warehouse.duckdb"))


def _without_source_file(snapshot):
    # transaction_rejects carries the file name; the good data has no rejects
    assert snapshot["transaction_rejects"] == []
    return snapshot


def test_parquet_input_gives_the_same_marts_as_csv(good_warehouse, tmp_path_factory):
    parquet_root = tmp_path_factory.mktemp("parquet")
    parquet = parquet_root / "transactions.parquet"
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select customer_id, order_id, cast(ordered_at as timestamp) as ordered_at, "
            f"cast(amount as decimal(12, 2)) as amount from read_csv('{good_warehouse / 'good.csv'}', all_varchar = true)) "
            f"to '{parquet}' (format parquet)"
        )
    result = build_warehouse(parquet_root, {"transactions_path": str(parquet)})
    assert result.success, result.output[-4000:]
    assert mart_snapshot(parquet_root / "warehouse.duckdb") == mart_snapshot(good_warehouse / "warehouse.duckdb")


def test_timestamps_with_offsets_land_on_the_business_day(tmp_path):
    rows = [
        ("A", "o1", "2026-06-30T23:30:00Z", "10.00"),        # 01:30 on 1 July in Berlin
        ("A", "o2", "2026-06-20 23:30:00", "10.00"),         # no offset: already local
        ("A", "o3", "2026-06-10T08:00:00+09:00", "10.00"),   # 01:00 on 10 June in Berlin
    ]
    path = write_csv(tmp_path / "tz.csv", ["customer_id", "order_id", "ordered_at", "amount"], rows)
    result = build_warehouse(tmp_path, {
        "transactions_path": str(path), "business_timezone": "Europe/Berlin", "as_of_date": "2026-07-01",
    })
    assert result.success, result.output[-4000:]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        dates = [str(d) for (d,) in connection.execute(
            "select purchase_date from marts.customer_purchase_intervals order by 1").fetchall()]
    assert dates == ["2026-06-10", "2026-06-20", "2026-07-01"]


def test_a_date_alone_is_never_read_as_a_time_with_an_offset(tmp_path):
    """'2026-06-05' ends in digits that look like a UTC offset ('-05'); west of UTC, reading them as
    one moved the purchase to the day before. Only a time of day can carry an offset."""
    rows = [
        ("A", "o1", "2026-06-05", "10.00"),                  # a date alone: that day
        ("A", "o2", "2026-06-20T02:00:00Z", "10.00"),        # 22:00 on 19 June in New York
        ("A", "o3", "2026-06-25 10:00-05", "10.00"),         # an offset after a time of day: 11:00 local
    ]
    path = write_csv(tmp_path / "dates.csv", ["customer_id", "order_id", "ordered_at", "amount"], rows)
    result = build_warehouse(tmp_path, {
        "transactions_path": str(path), "business_timezone": "America/New_York", "as_of_date": "2026-07-01",
    })
    assert result.success, result.output[-4000:]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        dates = [str(d) for (d,) in connection.execute(
            "select purchase_date from marts.customer_purchase_intervals order by 1").fetchall()]
    assert dates == ["2026-06-05", "2026-06-19", "2026-06-25"]


def test_rows_after_the_as_of_date_are_set_aside_not_lost(good_warehouse, tmp_path):
    result = build_warehouse(tmp_path, {
        "transactions_path": str(good_warehouse / "good.csv"), "as_of_date": "2026-06-12",
    })
    assert result.success, result.output[-4000:]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        rejects = connection.execute(
            "select order_id_raw, reject_reason from marts.transaction_rejects order by 1").fetchall()
        frequency = dict(connection.execute(
            "select customer_id, frequency from marts.customer_lifecycle").fetchall())
    assert rejects == [("o3", "after_as_of_date"), ("o4", "after_as_of_date")]
    assert frequency == {"A": 2}


def test_demo_copy_is_untouched_by_a_failed_run(demo_build, tmp_path):
    """A failing run on a copy of the full demo warehouse leaves every mart as it was."""
    shutil.copy(demo_build.warehouse, tmp_path / "warehouse.duckdb")
    before = mart_snapshot(tmp_path / "warehouse.duckdb")
    header = "order_id,ordered_at,amount\n"
    bad = tmp_path / FEED_CSV
    bad.write_text(header + "o1,2026-06-01,10\n", encoding="utf-8")
    result = build_warehouse(tmp_path, {"transactions_path": str(bad)})
    assert not result.success
    assert "has no column 'customer_id'" in result.output
    assert mart_snapshot(tmp_path / "warehouse.duckdb") == before
