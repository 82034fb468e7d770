"""The README's main command: build the demo and print the day's summary."""

from __future__ import annotations

import re

import duckdb

from orchestration import cli
from tests.conftest import RUN_DATE


def test_main_job_builds_the_demo_and_prints_a_summary(tmp_path, monkeypatch, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))

    exit_code = cli.main([
        "run", "--quiet", "--data-dir", str(tmp_path / "data"),
        "--var", f"run_date={RUN_DATE}",
    ])
    out = capsys.readouterr().out

    assert exit_code == 0, out[-4000:]
    assert (tmp_path / "data" / "demo" / "transactions.csv").exists()
    assert f"Warehouse file: {warehouse}" in out
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        stages = dict(connection.execute(
            "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1").fetchall())
        churn_risk = connection.execute(
            "select count(*) from marts.customer_lifecycle where warning_band = 'churn_risk'").fetchone()[0]
        segments = dict(connection.execute(
            "select rfm_segment, count(*) from marts.customer_rfm group by 1").fetchall())
    for stage, count in stages.items():
        assert re.search(rf"^\s+{stage}\s+{count:,}$", out, re.MULTILINE), stage
    for segment, count in segments.items():
        assert re.search(rf"^\s+{segment}\s+{count:,}$", out, re.MULTILINE), segment
    assert f"Churn risk (act now):        {churn_risk:,}" in out


def test_main_job_reports_a_failed_build(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    exit_code = cli.main(["run", "--quiet", "--transactions", str(tmp_path / "missing.csv")])
    captured = capsys.readouterr()
    assert exit_code != 0
    assert "matches no file" in captured.out
    assert "The build failed" in captured.err


def test_var_values_are_yaml_but_dates_stay_text():
    assert cli._parse_var("as_of_date=2026-06-30") == ("as_of_date", "2026-06-30")
    assert cli._parse_var("lost_window_days=45") == ("lost_window_days", 45)
    assert cli._parse_var("rfm_frequency_breakpoints=[1, 2, 3, 5]") == ("rfm_frequency_breakpoints", [1, 2, 3, 5])
