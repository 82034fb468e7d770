"""The Dagster graph end to end, in-process, on the demo data: one partition,
the same partition again, a BI reader during publication, an older day,
a run a blocking rule stops and a run whose CLV fit fails."""

from __future__ import annotations

import csv
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.assets.exports import ACTION_LISTS, SHEET_FILE
from tests.support.dagster_runs import LAST_DAY, Environment, run_partitions


CONSISTENCY_SQL = (
    "select (select as_of_date from marts.publication), "
    "(select max(as_of_date) from marts.customer_lifecycle), "
    "(select max(as_of_date) from marts.customer_rfm), "
    "(select max(as_of_date) from marts.call_sheet)"
)


@dataclass
class DailyRuns:
    env: Environment
    history_after_first_run: int
    last_result: object
    bi_open_connection_saw: tuple
    bi_polls: list
    bi_errors: list
    run_ids: list  # the three runs, in order


@pytest.fixture(scope="module")
def daily(tmp_path_factory, demo_dir) -> DailyRuns:
    """2026-06-29, then 2026-06-30 while a BI reader keeps a connection open on
    the serving copy and a poller opens fresh ones, then 2026-06-30 again."""
    env = Environment(tmp_path_factory.mktemp("daily"), demo_dir)
    with env:
        first = run_partitions("2026-06-29")
        assert first.success
        serving = env.values["RETENTION_SERVING_PATH"]
        open_reader = duckdb.connect(serving, read_only=True)
        polls, errors, done = [], [], threading.Event()

        def poll():
            while not done.is_set():
                try:
                    with duckdb.connect(serving, read_only=True) as connection:
                        polls.append(tuple(str(d) for d in connection.execute(CONSISTENCY_SQL).fetchone()))
                except Exception as error:  # a failed read is a failure of the design
                    errors.append(repr(error))
                time.sleep(0.05)

        poller = threading.Thread(target=poll)
        poller.start()
        try:
            second = run_partitions(LAST_DAY)
            assert second.success
        finally:
            done.set()
            poller.join()
        open_connection_saw = tuple(str(d) for d in open_reader.execute(CONSISTENCY_SQL).fetchone())
        open_reader.close()
        history_after_first = env.query(
            f"select count(*) from marts.customer_segment_history where as_of_date = '{LAST_DAY}'")[0][0]
        again = run_partitions(LAST_DAY)
        assert again.success
        yield DailyRuns(env, history_after_first, again, open_connection_saw, polls, errors,
                        [first.run_id, second.run_id, again.run_id])


def test_a_bi_reader_sees_one_whole_day_while_the_pipeline_publishes(daily):
    assert daily.bi_errors == []
    assert daily.bi_open_connection_saw == ("2026-06-29",) * 4
    assert tuple(str(d) for d in daily.env.query(CONSISTENCY_SQL, daily.env.values["RETENTION_SERVING_PATH"])[0]) \
        == (LAST_DAY,) * 4
    assert set(daily.bi_polls) <= {("2026-06-29",) * 4, (LAST_DAY,) * 4}
    assert ("2026-06-29",) * 4 in daily.bi_polls


def test_rematerializing_a_partition_leaves_one_copy_of_the_day(daily):
    env = daily.env
    customers = env.query("select count(*) from marts.customer_lifecycle")[0][0]
    per_day = env.query("select as_of_date, count(*), count(distinct customer_id) "
                        "from marts.customer_segment_history group by 1 order by 1")
    assert [(str(d), n == k) for d, n, k in per_day] == [("2026-06-29", True), (LAST_DAY, True)]
    assert per_day[-1][1] == customers == daily.history_after_first_run


def test_every_asset_of_the_graph_was_materialized(daily):
    result = daily.last_result
    materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert {"raw_transactions_file", "marts/customer_lifecycle", "marts/call_sheet", "marts/alert_log",
            "marts/segment_summary", "call_sheet_export", "retention_report", "serving_copy"} <= materialized


def test_every_run_writes_the_days_report(daily):
    """The report of the run's day, next to its call sheet files (its content: tests/test_report.py)."""
    report = Path(daily.env.values["RETENTION_EXPORTS_DIR"]) / LAST_DAY / "report.html"
    metadata = next(e for e in daily.last_result.get_asset_materialization_events()
                    if e.asset_key.to_user_string() == "retention_report").materialization.metadata
    assert metadata["path"].value == str(report)
    assert metadata["customers"].value == daily.env.query("select count(*) from marts.customer_lifecycle")[0][0]
    html = report.read_text(encoding="utf-8")
    assert f"Customer retention report, as of {LAST_DAY}" in html and 'id="customer-data"' in html


# columns a sales person needs in every file (CSV headers in words, Parquet typed)
SHEET_COLUMNS = {"sheet_rank", "customer_id", "action_list", "recommended_action", "recommended_channel",
                 "contact_status", "alert_reason", "is_new_alert", "value_at_stake_amount"}


@pytest.mark.parametrize("name", [SHEET_FILE, *ACTION_LISTS])
def test_export_files_are_the_call_sheet_and_its_list_views(daily, name):
    """call_sheet: the day's marts.call_sheet in sheet order; each list's file:
    its rows of the sheet, in the same order (so no customer is in two files)."""
    env, result = daily.env, daily.last_result
    where = "" if name == SHEET_FILE else f"and action_list = '{name}'"
    expected = [customer for (customer,) in env.query(
        f"select customer_id from marts.call_sheet where as_of_date = '{LAST_DAY}' {where} order by sheet_rank")]
    directory = Path(env.values["RETENTION_EXPORTS_DIR"]) / LAST_DAY
    csv = pd.read_csv(directory / f"{name}.csv", dtype=str, encoding="utf-8-sig")
    parquet = pd.read_parquet(directory / f"{name}.parquet")
    assert list(csv["Customer"]) == expected
    assert list(parquet["customer_id"]) == expected
    assert SHEET_COLUMNS <= set(parquet.columns)
    assert {"Rank", "Customer", "Action", "Channel", "Reason"} <= set(csv.columns)
    assert set(csv["New on the list"]) <= {"Yes", "No"}
    assert (directory / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(expected) > 0
    assert not list(directory.glob(".*.tmp")), "temporary files left behind"
    if name == SHEET_FILE:
        metadata = next(e for e in result.get_asset_materialization_events()
                        if e.asset_key.to_user_string() == "call_sheet_export").materialization.metadata
        assert metadata["row_count"].value == len(expected)


def test_serving_copy_holds_the_day(daily):
    env = daily.env
    serving = env.values["RETENTION_SERVING_PATH"]
    assert env.query("select as_of_date from marts.publication", serving)[0][0].isoformat() == LAST_DAY
    status, clv_day, message = env.query("select clv_status, clv_as_of_date, clv_message from marts.publication",
                                         serving)[0]
    assert (status, str(clv_day), message) == ("fitted", LAST_DAY, None)
    for mart in ["customer_lifecycle", "customer_rfm", "call_sheet", "segment_summary", "customer_segment_history"]:
        assert env.query(f"select count(*) from marts.{mart}", serving) == env.query(f"select count(*) from marts.{mart}")


def test_backfilling_an_older_day_never_rolls_the_serving_copy_back(daily):
    env = daily.env
    serving = env.values["RETENTION_SERVING_PATH"]
    with env:
        result = run_partitions("2026-06-20")
    assert result.success
    assert str(env.query("select as_of_date from marts.publication", serving)[0][0]) == LAST_DAY
    assert (Path(env.values["RETENTION_EXPORTS_DIR"]) / "2026-06-20" / "winback.csv").exists()
    # nor the warehouse's CLV scores: they stay those of the newest day
    assert str(env.query("select max(as_of_date) from marts.customer_clv")[0][0]) == LAST_DAY
    days = {str(d) for (d,) in env.query("select distinct as_of_date from marts.customer_segment_history")}
    assert days == {"2026-06-20", "2026-06-29", LAST_DAY}


def write_with_thousands_separators(good: Path, bad: Path) -> None:
    """The demo file with every amount written as "1,<amount>" (quoted, as a
    spreadsheet export would), read and written by a real CSV parser."""
    with good.open(newline="", encoding="utf-8") as source, bad.open("w", newline="", encoding="utf-8") as target:
        reader, writer = csv.reader(source), csv.writer(target, lineterminator="\n")
        header = next(reader)
        amount = header.index("amount")
        writer.writerow(header)
        for row in reader:
            if len(row) > amount:
                row[amount] = f"1,{row[amount]}"
            writer.writerow(row)


def test_a_blocking_rule_stops_the_marts_the_exports_and_the_serving_copy(daily, tmp_path):
    """Amounts with thousands separators: no row is usable, so the dbt test
    assert_transactions_usable (the same rule a plain dbt build applies)
    fails as a check on int_transactions_validated with the message that
    says what to do, and nothing downstream is rebuilt: a failed dbt step
    keeps the last good day for BI and sales (no export, no serving copy).
    (Any failing dbt test of the base step stops the run the same way; an
    unknown business_type, for one, is tests/test_bad_input.py's.)"""
    env = daily.env
    serving = env.values["RETENTION_SERVING_PATH"]
    good = Path(env.values["RETENTION_TRANSACTIONS_PATH"])
    write_with_thousands_separators(good, tmp_path / "transactions.csv")
    (tmp_path / "customers.csv").write_bytes((good.parent / "customers.csv").read_bytes())
    before = env.query("select * from marts.customer_lifecycle order by customer_id")
    before_serving = env.query("select * from marts.customer_lifecycle order by customer_id", serving)

    with Environment(env.root, tmp_path):
        result = run_partitions("2026-06-26")

    assert not result.success
    evaluation = next(e for e in result.get_asset_check_evaluations()
                      if e.check_name == "assert_transactions_usable")
    assert not evaluation.passed and evaluation.asset_key.path == ["intermediate", "int_transactions_validated"]
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "retention_dbt_base"
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert not materialized & {"marts/customer_lifecycle", "marts/transaction_rejects", "serving_copy"}
    assert not any(name.endswith("_export") for name in materialized)
    assert not (Path(env.values["RETENTION_EXPORTS_DIR"]) / "2026-06-26").exists()
    assert env.query("select * from marts.customer_lifecycle order by customer_id") == before
    assert env.query("select * from marts.customer_lifecycle order by customer_id", serving) == before_serving


def test_a_rerun_with_the_same_vars_starts_from_the_saved_dbt_parse(daily):
    """orchestration/dbt_parse_cache.py: every dbt invocation of the repeated
    run (base, daily: the freshness check starts no dbt) skips dbt's full re-parse."""
    target = Path(daily.env.values["DBT_TARGET_PATH"])
    logs = sorted(target.glob(f"*-{daily.last_result.run_id[:8]}-*/dbt.log"))
    assert {log.parent.name.split("-")[0] for log in logs} == {
        "retention_dbt_base", "retention_dbt_daily"}
    for log in logs:
        text = log.read_text()
        assert "Partial parsing enabled" in text and "Unable to do partial parsing" not in text, log


def test_a_new_day_parses_the_project_once_at_most(daily):
    """The partition window reaches dbt outside its vars (macros/definitions/as_of_dates.sql),
    so the daily invocation of a run starts from the parse its base invocation saved,
    and a new day's run (2026-06-30 after 2026-06-29) parses nothing in full."""
    target = Path(daily.env.values["DBT_TARGET_PATH"])

    def log(step: str, run_id: str) -> str:
        (path,) = target.glob(f"{step}-{run_id[:8]}-*/dbt.log")
        return path.read_text()

    first_run, new_day = daily.run_ids[:2]
    assert "Unable to do partial parsing" in log("retention_dbt_base", first_run)  # a new warehouse
    for text in (log("retention_dbt_daily", first_run), log("retention_dbt_base", new_day),
                 log("retention_dbt_daily", new_day)):
        assert "Partial parsing enabled" in text and "Unable to do partial parsing" not in text


def test_a_failed_clv_fit_still_publishes_the_day(daily, monkeypatch):
    """CLV never blocks the day: with the fit forced to fail, the run succeeds,
    the alert files and the serving copy are written, the serving copy keeps
    the last good CLV tables (their as_of_date says how old) and
    marts.publication says why. (Runs last: it publishes a newer day.)"""
    from orchestration.assets import clv as clv_asset
    from orchestration.clv.btyd import ClvFitError

    def failing_fit(*args, **kwargs):
        raise ClvFitError("forced failure for the test")

    monkeypatch.setattr(clv_asset, "run_clv", failing_fit)
    env, day = daily.env, "2026-07-01"
    serving = env.values["RETENTION_SERVING_PATH"]
    clv_before = env.query("select * from marts.customer_clv order by customer_id")
    assert clv_before
    with env:
        result = run_partitions(day)
    assert result.success
    check = next(e for e in result.get_asset_check_evaluations() if e.check_name == "clv_fit_succeeded")
    assert not check.passed and check.severity.value == "ERROR" and "forced failure" in check.description
    for name in [SHEET_FILE, *ACTION_LISTS]:
        assert (Path(env.values["RETENTION_EXPORTS_DIR"]) / day / f"{name}.csv").exists()
    (published, status, clv_day, message), = env.query(
        "select as_of_date, clv_status, clv_as_of_date, clv_message from marts.publication", serving)
    assert (str(published), status, str(clv_day)) == (day, "failed", LAST_DAY)
    assert "ClvFitError: forced failure for the test" in message
    assert env.query("select * from marts.customer_clv order by customer_id", serving) == clv_before
    assert str(env.query("select max(as_of_date) from marts.customer_lifecycle", serving)[0][0]) == day
