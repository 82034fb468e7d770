"""Overlapping runs queue on the warehouse instead of colliding."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from orchestration.warehouse import PROJECT_DIR
from tests.conftest import RUN_DATE
from tests.pipeline import LAST_DAY, Environment


def test_two_overlapping_launches_both_succeed(tmp_path, demo_dir):
    """Two runs of the daily job started at the same moment against one
    warehouse file, as when the schedule fires during a backfill: the
    retention_warehouse pool (dagster.yaml) queues their warehouse steps, so
    neither fails on DuckDB's single-writer lock."""
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text((PROJECT_DIR / "dagster.yaml").read_text())
    env = Environment(tmp_path, demo_dir).values
    env = {**os.environ, **env, "DAGSTER_HOME": str(dagster_home)}
    launches = [
        subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "run", "--data-dir", str(tmp_path / f"data{i}"),
             "--as-of-date", day, "--var", f"run_date={RUN_DATE}"],
            cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for i, day in enumerate(["2026-06-29", LAST_DAY])
    ]
    outputs = [launch.communicate(timeout=600)[0] for launch in launches]
    for launch, output in zip(launches, outputs):
        assert launch.returncode == 0, output[-5000:]
        assert "Could not set lock" not in output
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        days = {str(d) for (d,) in connection.execute(
            "select distinct as_of_date from marts.customer_segment_history").fetchall()}
    assert days == {"2026-06-29", LAST_DAY}
