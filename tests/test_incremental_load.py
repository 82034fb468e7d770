"""The incremental load of int_transactions_validated and the customer-level
models (issue 13).

A feed of monthly files built from the demo transactions: one warehouse
loads it month by month as the files land (each build reads only the new
file and recomputes only the customers in it), another builds everything
at once. Every mart must be identical on the latest as-of date, the
validated rows identical but for the invocation that loaded them and when,
and the customer-level models identical but for when their rows were
computed. A file re-delivered with
other content, or removed, makes the next build read everything again.
"""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from pathlib import Path

import duckdb

from orchestration.warehouse import run_dbt
from tests.conftest import RUN_DATE, build_warehouse
from tests.support.dbt_runs import run_dbt_in

# incremental by customer (macros/incremental/customer_changes.sql)
CUSTOMER_MODELS = ["int_customer_days_aggregated", "int_purchase_occasions_numbered", "int_customer_states_accumulated"]
PLAN_LINE = re.compile(r"int_transactions_validated: (full|reload|append) \((.*)\)\s*$", re.MULTILINE)


def split_monthly(transactions: Path, feed: Path) -> list[Path]:
    """The demo transactions as one CSV per month of ordered_at (raw lines
    unchanged; rows whose date does not start with a year-month go to
    `unparsed.csv`), sorted by name = by month."""
    feed.mkdir(parents=True)
    with open(transactions, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        ordered_at = header.index("ordered_at")
        months: dict[str, list[list[str]]] = defaultdict(list)
        for row in reader:
            month = row[ordered_at][:7]
            months[month if re.fullmatch(r"\d{4}-\d{2}", month) else "unparsed"].append(row)
    files = []
    for month, rows in sorted(months.items()):
        path = feed / f"{month}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        files.append(path)
    return files


def plan_of(output: str) -> tuple[str, str]:
    found = PLAN_LINE.findall(output)
    assert found, output[-3000:]
    return found[-1]


def public_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for (name,) in connection.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]


def latest_rows(connection, table: str) -> list[tuple]:
    columns = [name for (name,) in connection.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
        [table]).fetchall()]
    where = ("where as_of_date = (select max(as_of_date) from marts.{0})".format(table)
             if "as_of_date" in columns else "")
    return connection.execute(f"select * from marts.{table} {where} order by all").fetchall()


def test_a_feed_loaded_file_by_file_equals_a_full_refresh(demo_dir, tmp_path):
    feed = tmp_path / "feed"
    files = split_monthly(demo_dir / "transactions.csv", feed)
    assert len(files) > 12
    held_back = files[-2:-1]  # a month lands later (the last file, unparsed.csv, is there from the start)
    for path in held_back:
        path.rename(path.with_suffix(".later"))
    dbt_vars = {"transactions_path": str(feed / "*.csv"), "customers_path": str(demo_dir / "customers.csv")}

    incremental = tmp_path / "incremental"
    first = build_warehouse(incremental, dbt_vars, with_tests=False)
    assert first.success, first.output[-6000:]
    assert plan_of(first.output)[0] == "full"
    for path in held_back:
        path.with_suffix(".later").rename(path)
        result = build_warehouse(incremental, dbt_vars, with_tests=False)
        assert result.success, result.output[-6000:]
        mode, reason = plan_of(result.output)
        # the demo has rows dated after the run date in some file: that file is read again too
        assert mode == "append" and reason.startswith("1 new file(s)"), (mode, reason)
        for model in CUSTOMER_MODELS:
            assert f"{model}: customers (customers with rows written after" in result.output, model

    full = tmp_path / "full"
    result = build_warehouse(full, dbt_vars, with_tests=False)
    assert result.success, result.output[-6000:]

    with duckdb.connect() as connection:
        connection.execute(f"attach '{incremental / 'warehouse.duckdb'}' as incremental (read_only)")
        connection.execute(f"attach '{full / 'warehouse.duckdb'}' as full_refresh (read_only)")
        validated = ("select * exclude (load_invocation_id, loaded_at) from {}.intermediate.int_transactions_validated "
                     "order by source_file, source_row_number")
        assert (connection.execute(validated.format("incremental")).fetchall()
                == connection.execute(validated.format("full_refresh")).fetchall())
        for model in CUSTOMER_MODELS:
            rows = f"select * exclude (built_at) from {{}}.intermediate.{model} order by all"
            assert (connection.execute(rows.format("incremental")).fetchall()
                    == connection.execute(rows.format("full_refresh")).fetchall()), model
    with duckdb.connect(str(incremental / "warehouse.duckdb"), read_only=True) as a, \
            duckdb.connect(str(full / "warehouse.duckdb"), read_only=True) as b:
        tables = public_tables(b)
        assert set(public_tables(a)) == set(tables) and "customer_lifecycle" in tables
        for table in tables:
            assert latest_rows(a, table) == latest_rows(b, table), table


def test_a_changed_or_removed_file_reads_everything_again(demo_dir, tmp_path):
    feed = tmp_path / "feed"
    files = split_monthly(demo_dir / "transactions.csv", feed)
    dbt_vars = {"transactions_path": str(feed / "*.csv"), "customers_path": str(demo_dir / "customers.csv")}
    root = tmp_path / "warehouse"

    def load():
        return run_dbt(["run", "--select", "+int_transactions_validated"], {"run_date": RUN_DATE, **dbt_vars},
                       root / "warehouse.duckdb", root / "target")

    assert load().success

    # a month re-delivered with one line fewer: read again, and its line is gone
    changed = files[3]
    lines = changed.read_text(encoding="utf-8").splitlines(keepends=True)
    changed.write_text("".join(lines[:-1]), encoding="utf-8")
    os.utime(changed, (changed.stat().st_atime, changed.stat().st_mtime + 60))
    result = load()
    assert result.success, result.output[-6000:]
    mode, reason = plan_of(result.output)
    assert mode == "reload" and "changed since it was loaded" in reason, (mode, reason)
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from intermediate.int_transactions_validated where source_file = ?",
            [str(changed)]).fetchone()[0] == len(lines) - 2

    # a month removed from the feed: its rows leave the warehouse
    files[4].unlink()
    result = load()
    assert result.success, result.output[-6000:]
    assert plan_of(result.output) == ("reload", f"{files[4]} is no longer in the feed")
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute(
            "select count(*) from intermediate.int_transactions_validated where source_file = ?",
            [str(files[4])]).fetchone()[0] == 0


def test_a_changed_setting_recomputes_every_customer(demo_dir, tmp_path):
    """A var the customer-level models are computed with changes: the models
    that read it compute every customer again, and the result equals a fresh
    build with the new setting."""
    dbt_vars = {"run_date": RUN_DATE, "transactions_path": str(demo_dir / "transactions.csv")}
    select = ["build", "--select", "+int_customer_states_accumulated", "--exclude-resource-type", "test", "unit_test"]

    def build(root: Path, extra: dict) -> str:
        result = run_dbt_in(root, select, {**dbt_vars, **extra})
        assert result.success, result.output[-6000:]
        return result.output

    root = tmp_path / "changed"
    build(root, {})
    output = build(root, {"occasion_min_net_amount": 20})
    for model in CUSTOMER_MODELS[1:]:
        assert f"{model}: rebuild (a setting it is computed with has changed)" in output, model
    fresh = tmp_path / "fresh"
    build(fresh, {"occasion_min_net_amount": 20})
    with duckdb.connect() as connection:
        connection.execute(f"attach '{root / 'warehouse.duckdb'}' as changed (read_only)")
        connection.execute(f"attach '{fresh / 'warehouse.duckdb'}' as fresh (read_only)")
        for model in CUSTOMER_MODELS:
            rows = f"select * exclude (built_at) from {{}}.intermediate.{model} order by all"
            changed = connection.execute(rows.format("changed")).fetchall()
            assert changed and changed == connection.execute(rows.format("fresh")).fetchall(), model
