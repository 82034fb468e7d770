"""The README's main command: build the demo and print the day's summary."""

from __future__ import annotations

import re

import duckdb

from orchestration import cli
from tests.conftest import RUN_DATE


def test_main_job_builds_the_demo_and_prints_a_summary(tmp_path, monkeypatch, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    monkeypatch.setenv("DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("RETENTION_SERVING_PATH", str(tmp_path / "serving.duckdb"))
    monkeypatch.setenv("RETENTION_EXPORTS_DIR", str(tmp_path / "exports"))

    exit_code = cli.main([
        "run", "--data-dir", str(tmp_path / "data"),
        "--var", f"run_date={RUN_DATE}",
    ])
    out = capsys.readouterr().out

    assert exit_code == 0, out[-4000:]
    assert (tmp_path / "data" / "demo" / "transactions.csv").exists()
    assert f"Warehouse file: {warehouse}" in out
    assert (tmp_path / "serving.duckdb").exists()
    assert sorted(p.name for p in (tmp_path / "exports" / "2026-06-30").iterdir()) == [
        "churn_risk.csv", "churn_risk.parquet", "repurchase_due.csv", "repurchase_due.parquet",
        "winback.csv", "winback.parquet",
    ]
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
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(cli, "PROJECT_DIR", tmp_path)  # the default instance goes under the project
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("RETENTION_SERVING_PATH", str(tmp_path / "serving.duckdb"))
    monkeypatch.setenv("RETENTION_EXPORTS_DIR", str(tmp_path / "exports"))
    exit_code = cli.main(["run", "--transactions", str(tmp_path / "missing.csv"), "--as-of-date", "2026-06-30"])
    captured = capsys.readouterr()
    assert exit_code != 0
    assert "matches no file" in captured.err
    assert "The run failed" in captured.err
    assert not (tmp_path / "serving.duckdb").exists()
    assert not (tmp_path / "exports").exists()
    assert (tmp_path / ".dagster_home" / "dagster.yaml").exists(), "runs go to a persistent instance"


def test_var_values_are_yaml_but_dates_stay_text():
    assert cli._parse_var("as_of_date=2026-06-30") == ("as_of_date", "2026-06-30")
    assert cli._parse_var("lost_window_days=45") == ("lost_window_days", 45)
    assert cli._parse_var("rfm_frequency_breakpoints=[1, 2, 3, 5]") == ("rfm_frequency_breakpoints", [1, 2, 3, 5])


def test_a_failed_step_is_reported_with_the_exception_that_caused_it():
    from dagster._utils.error import SerializableErrorInfo

    cause = SerializableErrorInfo("as-of date 2026-06-29 is not in the warehouse\n", [], "RuntimeError")
    wrapper = SerializableErrorInfo('Error occurred while executing op "winback_export":\n', [],
                                    "DagsterExecutionStepExecutionError", cause=cause)
    text = cli.failure_text(wrapper)
    assert text.startswith('Error occurred while executing op "winback_export":')
    assert "caused by RuntimeError: as-of date 2026-06-29 is not in the warehouse" in text
