"""The README's main command: build the demo and print the day's summary."""

from __future__ import annotations

import re
from types import SimpleNamespace

import duckdb
import pandas as pd

from orchestration import cli
from orchestration.progress import RunProgress
from orchestration.summary import clv_line
from tests.conftest import RUN_DATE

# "  <step label>   12.3 s  <what it produced>": the line of a finished step
STEP_LINE = re.compile(r"^  (\S+(?: \S+)?)\s+\d+\.\d s\b", re.MULTILINE)
# "  churn_risk (act now)   29 customers, 22 new": the summary's call-sheet lists
LIST_LINE = re.compile(r"^  (repurchase_due|churn_risk|winback) \([^)]*\)\s+([\d,]+) ", re.MULTILINE)
PROGRESS_LINE = re.compile(r"^  \.\.\. \S+ running \(\d+ s")


def _isolate(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("RETENTION_SERVING_PATH", str(tmp_path / "serving.duckdb"))
    monkeypatch.setenv("RETENTION_EXPORTS_DIR", str(tmp_path / "exports"))


def test_main_job_builds_the_demo_and_prints_a_short_summary(tmp_path, monkeypatch, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    _isolate(monkeypatch, tmp_path)

    exit_code = cli.main([
        "run", "--data-dir", str(tmp_path / "data"),
        "--var", f"run_date={RUN_DATE}",
    ])
    captured = capsys.readouterr()
    out = captured.out

    assert exit_code == 0, out[-4000:] + captured.err[-4000:]
    assert (tmp_path / "data" / "demo" / "transactions.csv").exists()
    assert f"Warehouse file: {warehouse}" in out
    assert (tmp_path / "serving.duckdb").exists()
    exports = tmp_path / "exports" / "2026-06-30"
    assert sorted(p.name for p in exports.iterdir()) == [
        "call_sheet.csv", "call_sheet.parquet", "churn_risk.csv", "churn_risk.parquet",
        "report.html", "repurchase_due.csv", "repurchase_due.parquet", "winback.csv", "winback.parquet",
    ]
    assert f"Report (open in a browser): {exports / 'report.html'}" in out
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        stages = dict(connection.execute(
            "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1").fetchall())
        segments = dict(connection.execute(
            "select rfm_segment, count(*) from marts.customer_rfm group by 1").fetchall())
    for stage, count in stages.items():
        assert re.search(rf"^\s+{stage}\s+{count:,}$", out, re.MULTILINE), stage
    for segment, count in segments.items():
        assert re.search(rf"^\s+{segment}\s+{count:,}$", out, re.MULTILINE), segment

    # one definition per figure: each list count is the number of rows of its file
    lists = {name: int(count.replace(",", "")) for name, count in LIST_LINE.findall(out)}
    assert sorted(lists) == ["churn_risk", "repurchase_due", "winback"], out
    for name, count in lists.items():
        assert count == len(pd.read_csv(exports / f"{name}.csv", encoding="utf-8-sig")), name
    assert sum(lists.values()) == len(pd.read_csv(exports / "call_sheet.csv", encoding="utf-8-sig"))
    assert "CLV: fitted on 2026-06-30" in out

    # quiet by default: one line per step, no Dagster events, no dbt log lines, no leak report
    # (besides a progress line every 10 s of a long step, as many as the machine is slow)
    lines = [line for line in out.splitlines() if not PROGRESS_LINE.match(line)]
    assert len(lines) < 80, out
    steps = STEP_LINE.findall(out)
    assert len(steps) == len(set(steps)), steps
    for step in ("raw_transactions_file", "retention_dbt_base", "retention_dbt_daily",
                 "customer_clv_fit", "call_sheet_export", "retention_report",
                 "serving_copy", "check transactions_freshness", "check customer_rfm_suite"):
        assert step in steps, (step, out)
    assert re.search(r"^  retention_dbt_daily\s+\d+\.\d s  \d+ dbt models and seeds, \d+ tests passed$", out,
                     re.MULTILINE), out
    assert "DEBUG" not in out and "STEP_START" not in out, out
    assert "START sql" not in out and "PASS unique_" not in out, out  # dbt's own log lines
    # the bundled data set is measured against its own last day: a newcomer's first run shows no failure
    # the demo's duplicate lines (there by design) are quarantined: a warning, not a failure
    assert re.search(r"^Data quality checks \(.*\): \d+ passed, 0 failed, 1 warning$", out, re.MULTILINE), out
    assert re.search(r"^  check raw_transactions_suite\s+\d+\.\d s  warning$", out, re.MULTILINE), out
    assert re.search(r"^  raw_transactions_suite\s+warning \(handled, worth a look\)", out, re.MULTILINE), out
    assert "FAILED" not in out, out
    assert "nanobind" not in captured.err


def test_main_job_reports_a_failed_build(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(cli, "PROJECT_DIR", tmp_path)  # the default instance goes under the project
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    _isolate(monkeypatch, tmp_path)
    command = ["run", "--transactions", str(tmp_path / "missing.csv"), "--as-of-date", "2026-06-30"]
    exit_code = cli.main(command)
    captured = capsys.readouterr()
    assert exit_code != 0
    # the one message that says what went wrong, not Dagster's wrapper or a stack
    assert f"FileNotFoundError: RETENTION_TRANSACTIONS_PATH '{tmp_path / 'missing.csv'}' matches no file" in captured.err
    assert "Error occurred while executing" not in captured.err and "Traceback" not in captured.err
    assert "The run failed" in captured.err
    assert re.search(r"^  raw_transactions_file\s+\d+\.\d s  FAILED$", captured.out, re.MULTILINE), captured.out
    assert len((captured.out + captured.err).splitlines()) < 20, captured.out + captured.err
    assert not (tmp_path / "serving.duckdb").exists()
    assert not (tmp_path / "exports").exists()
    assert (tmp_path / ".dagster_home" / "dagster.yaml").exists(), "runs go to a persistent instance"

    # --verbose: Dagster's own log of the run instead of the step lines
    assert cli.main([*command, "--verbose"]) != 0
    verbose = capsys.readouterr()
    verbose_text = verbose.out + verbose.err
    assert "STEP_START" in verbose_text and "RUN_FAILURE" in verbose_text
    assert len(verbose_text.splitlines()) > 2 * len((captured.out + captured.err).splitlines())


def test_var_values_are_yaml_but_dates_stay_text():
    assert cli._parse_var("as_of_date=2026-06-30") == ("as_of_date", "2026-06-30")
    assert cli._parse_var("lost_window_days=45") == ("lost_window_days", 45)
    assert cli._parse_var("rfm_frequency_breakpoints=[1, 2, 3, 5]") == ("rfm_frequency_breakpoints", [1, 2, 3, 5])


def test_a_failed_step_is_reported_with_the_exception_that_caused_it():
    from dagster._utils.error import SerializableErrorInfo

    # as Dagster serialises them: "<module>.<class>: <message>"
    cause = SerializableErrorInfo("RuntimeError: as-of date 2026-06-29 is not in the warehouse\n", [], "RuntimeError")
    wrapper = SerializableErrorInfo(
        'dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op "winback_export":\n',
        [], "DagsterExecutionStepExecutionError", cause=cause)
    assert cli.failure_text(wrapper) == "RuntimeError: as-of date 2026-06-29 is not in the warehouse"


def test_a_failed_dbt_step_is_reported_with_dbt_messages():
    from dagster._utils.error import SerializableErrorInfo

    dbt_error = SerializableErrorInfo(
        "dagster_dbt.errors.DagsterDbtCliRuntimeError: The dbt CLI process with command\n\n"
        "`dbt build --select ...`\n\nfailed with exit code `1`. Check the stdout in the Dagster compute logs "
        "for the full information about the error, or view the dbt debug log: target/x/dbt.log.\n\n"
        "Errors parsed from dbt logs:\n\n"
        "\x1b[31mFailure in test unique_customer_rfm_customer_id (models/marts/_marts__models.yml)\x1b[0m\n"
        "  Got 2 results, configured to fail if != 0\n\n"
        "\x1b[31mFailure in test unique_customer_rfm_customer_id (models/marts/_marts__models.yml)\x1b[0m\n"
        "  Got 2 results, configured to fail if != 0\n",
        [], "DagsterDbtCliRuntimeError")
    wrapper = SerializableErrorInfo(
        'dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op '
        '"retention_dbt_daily":\n', [], "DagsterExecutionStepExecutionError", cause=dbt_error)
    assert cli.failure_text(wrapper) == (
        "Failure in test unique_customer_rfm_customer_id (models/marts/_marts__models.yml)\n"
        "  Got 2 results, configured to fail if != 0\n"
        "(dbt's debug log: target/x/dbt.log)"
    )


def test_a_long_step_prints_plain_progress_lines(capsys):
    """No carriage returns or TTY tricks: a log file or CI shows each line."""
    import sys

    now = [0.0]
    progress = RunProgress(sys.stdout, {"retention_dbt_daily": ("retention_dbt_daily", 155)}, every=10,
                           clock=lambda: now[0])

    def event(kind, **data):
        dagster_event = SimpleNamespace(event_type_value=kind, message="", event_specific_data=SimpleNamespace(**data))
        return SimpleNamespace(step_key="retention_dbt_daily", dagster_event=dagster_event, user_message="")

    progress(event("STEP_START"))
    now[0] = 5.0
    progress.tick()  # too early
    for day in ("2026-06-29", "2026-06-30"):  # one model, two partitions of a backfill: one node
        progress(event("ASSET_MATERIALIZATION", materialization=SimpleNamespace(
            asset_key=("marts", "x"), partition=day, metadata={"unique_id": "model.x"})))
    now[0] = 12.0
    progress.tick()
    now[0] = 15.0
    progress.tick()  # the next line only after another 10 s
    progress(event("STEP_SUCCESS", duration_ms=16_000))
    out = capsys.readouterr().out
    assert out == (
        "  ... retention_dbt_daily running (12 s, 1 of 155 dbt nodes done)\n"
        "  retention_dbt_daily  16.0 s  1 dbt models and seeds\n"
    )


def test_the_clv_line_reads_the_serving_copys_publication(tmp_path):
    serving = tmp_path / "serving.duckdb"
    with duckdb.connect(str(serving)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.publication as select date '2026-06-30' as as_of_date")
    assert clv_line(serving) is None  # before the CLV columns exist
    with duckdb.connect(str(serving)) as connection:
        connection.execute(
            "create or replace table marts.publication as select date '2026-06-30' as as_of_date, "
            "'failed' as clv_status, date '2026-06-29' as clv_as_of_date, 'ClvFitError: no convergence' as clv_message")
    assert clv_line(serving) == (
        "CLV: FAILED for 2026-06-30 (ClvFitError: no convergence); the serving copy keeps the CLV of 2026-06-29")
    assert clv_line(tmp_path / "missing.duckdb") is None


def test_a_warning_is_counted_apart_from_the_failures():
    def evaluation(name, passed, severity):
        return SimpleNamespace(check_name=name, passed=passed, severity=SimpleNamespace(value=severity),
                               description=f"{name}\nwhat it found")

    evaluations = [evaluation("a_check", True, "ERROR"), evaluation("duplicates_suite", False, "WARN"),
                   evaluation("freshness", False, "ERROR")]
    text = cli.render_checks(evaluations)
    assert text.splitlines()[0].endswith(": 1 passed, 1 failed, 1 warning"), text
    assert re.search(r"^  freshness\s+FAILED \(ERROR\): what it found$", text, re.MULTILINE), text
    assert re.search(r"^  duplicates_suite\s+warning \(handled, worth a look\): what it found$", text, re.MULTILINE), text
    assert "a_check" not in text
    assert cli.render_checks(evaluations[:1]).splitlines()[0].endswith(": 1 passed, 0 failed")
