"""A backfill of 14 as-of dates is one run and one pass of SQL, and gives
exactly what 14 single-day runs give: the segment history and the retention
KPIs (with a 7-day window, so the backfill fills its window figures from the
8th day on). The control group and the outcomes over a backfilled range:
tests/test_uplift.py."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pandas as pd

from orchestration.warehouse import PROJECT_DIR
from tests.conftest import RUN_DATE
from tests.support.dagster_runs import LAST_DAY, Environment, run_partitions


def test_backfill_of_14_days_in_one_run_matches_14_single_day_runs(tmp_path, demo_dir):
    first, last = "2026-06-17", LAST_DAY
    window = {"retention_window_days": 7}
    kpis_sql = "select * from marts.retention_kpis order by as_of_date, group_type, group_value"
    with Environment(tmp_path / "backfill", demo_dir, **window) as env:
        (tmp_path / "backfill").mkdir()
        result = run_partitions(first, last)
        assert result.success
        backfilled = pd.DataFrame(env.query(
            "select customer_id, as_of_date, lifecycle_stage, rfm_segment, value_class, warning_band, is_lost "
            "from marts.customer_segment_history order by all"))
        with duckdb.connect(env.warehouse, read_only=True) as connection:
            backfilled_kpis = connection.execute(kpis_sql).df()
        dbt_steps = [e for e in result.all_events if e.is_step_start and "dbt" in e.step_key]
        assert len(dbt_steps) == 2, "a range must be one dbt run per dbt asset group (base, daily), not one per day"

    # the same 14 days one by one
    single_root = tmp_path / "single"
    single_root.mkdir()
    dbt_vars = {"transactions_path": str(demo_dir / "transactions.csv"),
                "customers_path": str(demo_dir / "customers.csv"), "run_date": RUN_DATE, **window}
    completed = subprocess.run(
        [sys.executable, "-m", "tests.support.single_day_runs", str(single_root / "warehouse.duckdb"),
         str(single_root / "target"), json.dumps(dbt_vars), first, last],
        cwd=PROJECT_DIR, capture_output=True, text=True,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    with duckdb.connect(str(single_root / "warehouse.duckdb"), read_only=True) as connection:
        one_by_one = pd.DataFrame(connection.execute(
            "select customer_id, as_of_date, lifecycle_stage, rfm_segment, value_class, warning_band, is_lost "
            "from marts.customer_segment_history order by all").fetchall())
        one_by_one_kpis = connection.execute(kpis_sql).df()

    assert backfilled[1].nunique() == 14
    assert backfilled.groupby(1).size().equals(one_by_one.groupby(1).size())
    pd.testing.assert_frame_equal(backfilled, one_by_one)

    # the KPIs: every day of the range, window figures from the 8th day on
    days = backfilled_kpis["as_of_date"].dt.strftime("%Y-%m-%d")
    assert days.nunique() == 14
    filled = days >= "2026-06-24"
    assert not backfilled_kpis.loc[~filled, "is_window_start_known"].any()
    assert backfilled_kpis.loc[filled, "is_window_start_known"].all()
    headline = backfilled_kpis[filled & (backfilled_kpis["group_type"] == "all")]
    assert headline["churn_rate"].notna().all() and headline["repurchase_rate"].notna().all()
    assert (headline["count_active_at_window_start"] > 0).all()
    pd.testing.assert_frame_equal(backfilled_kpis, one_by_one_kpis)
