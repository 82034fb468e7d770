"""Overlapping runs queue on the warehouse instead of colliding."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from orchestration.demo_data import generate_demo_data
from orchestration.warehouse import PROJECT_DIR
from tests.conftest import RUN_DATE
from tests.support.dagster_runs import LAST_DAY, Environment


def test_two_overlapping_launches_both_succeed(tmp_path):
    """A backfill and a daily run started at the same moment against one
    warehouse file, as when the schedule fires while someone backfills: the
    retention_warehouse pool (dagster.yaml) queues their warehouse steps, so
    neither fails on DuckDB's single-writer lock. (A small demo of 200
    customers: the two whole jobs run one after the other, and what is
    tested is the queueing, not the data; a run costs its fixed ~50 s
    either way.)"""
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text((PROJECT_DIR / "dagster.yaml").read_text())
    small_demo = generate_demo_data(tmp_path / "small_demo", n_customers=200)["transactions"].parent
    env = Environment(tmp_path, small_demo).values
    env = {**os.environ, **env, "DAGSTER_HOME": str(dagster_home)}
    commands = [
        ["backfill", "--start", "2026-06-27", "--end", "2026-06-29"],
        ["run", "--as-of-date", LAST_DAY],
    ]
    small_input = ["--transactions", str(small_demo / "transactions.csv"),
                   "--customers", str(small_demo / "customers.csv"),
                   "--var", f"run_date={RUN_DATE}", "--var", f"freshness_reference_date={LAST_DAY}"]
    launches = [
        subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", *command, *small_input],
            cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for command in commands
    ]
    outputs = [launch.communicate(timeout=600)[0] for launch in launches]
    for launch, output in zip(launches, outputs):
        assert launch.returncode == 0, output[-5000:]
        assert "Could not set lock" not in output
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        days = {str(d) for (d,) in connection.execute(
            "select distinct as_of_date from marts.customer_segment_history").fetchall()}
    assert days == {"2026-06-27", "2026-06-28", "2026-06-29", LAST_DAY}
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        # the small demo's buyers, not the bundled demo's 1,500 (--transactions, not --data-dir)
        assert connection.execute("select count(distinct customer_id) from marts.customer_rfm").fetchone()[0] <= 200
    for day in sorted(days):
        assert (tmp_path / "exports" / day / "winback.csv").exists()
