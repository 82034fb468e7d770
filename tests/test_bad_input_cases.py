"""Bad input, tried on purpose: each case of docs/quality.md's "what happens when"
table is fed through the pipeline's steps in the daily job's order (dbt
staging views, the raw-data suite's warnings, then the rest of `dbt build`)
on a copy of a warehouse built from good data. The build is the part of the daily
job a feed can change: the load and the models between it and the marts
compared here, with their dbt tests (the rest of the graph reads the same
validated rows, and tests/test_demo_build.py builds all of it). Every case
ends in one clear outcome:

- stopped:  dbt refuses the input before any table is replaced;
- blocked:  a blocking rule on the load (an error-severity dbt test on
            int_transactions_validated, macros/definitions/transaction_guards.sql)
            fails, so nothing below it is rebuilt: a plain `dbt build` stops
            exactly as the Dagster job does;
- accepted: the data flows on; odd rows are quarantined with a reason or
            flagged by a warning, never dropped.

Where the run stops or is blocked, the marts are exactly the good ones.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.quality.runner import SuiteOutcome, load_suites, suite_parameters, validate
from orchestration.warehouse import run_dbt
from tests.conftest import RUN_DATE, build_warehouse
from tests.support.dbt_runs import relative_to, run_dbt_in

HEADER = ["customer_id", "order_id", "ordered_at", "amount", "currency"]
GUARDS = ["assert_transactions_usable", "assert_transaction_currencies_have_rates",
          "assert_transaction_amounts_plausible", "assert_transaction_row_count_holds"]
MARTS = ["customer_lifecycle", "customer_rfm", "customer_purchase_intervals"]
# what a feed can change and these cases read: the load, its log and rejects, the marts above
# (cautious: a test between a rebuilt model and one left out would compare a new table with an old one)
FEED_BUILD = ["build", "--exclude-resource-type", "unit_test", "--indirect-selection", "cautious",
              "--select", "+transaction_rejects", "+int_transaction_loads_recorded", *(f"+{mart}" for mart in MARTS)]


def good_rows(customers: int = 6, orders: int = 5, prefix: str = "C") -> list[list[str]]:
    """customers x orders distinct lines in EUR over June 2026."""
    return [
        [f"{prefix}{c}", f"{prefix}{c}-o{o}", f"2026-06-{1 + o * 5 + c % 3:02d} 10:00:00", f"{10 + c + o}.50", "EUR"]
        for c in range(customers) for o in range(orders)
    ]


def write_csv(path: Path, rows, header=HEADER) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([",".join(header), *(",".join(row) for row in rows)]) + "\n", encoding="utf-8")
    return path


def marts(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {mart: connection.execute(f"select * from marts.{mart} order by all").fetchall() for mart in MARTS}


def rejects(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return dict(connection.execute(
            "select reject_reason, count(*) from marts.transaction_rejects group by 1").fetchall())


@dataclass
class Outcome:
    stage: str
    message: str
    warehouse: Path
    path: str  # the feed's transactions_path, as dbt was given it (relative to the run's directory)
    raw: SuiteOutcome | None = None
    staging: SuiteOutcome | None = None

    def failed(self, suite: SuiteOutcome, severity: str) -> set[str]:
        return {f"{item.expectation}({item.column or ''})" for item in suite.failures if item.severity == severity}


def feed(good: Path, root: Path, path: Path, **dbt_vars) -> Outcome:
    """The daily job's order on a copy of the good warehouse: `dbt build` of
    FEED_BUILD (the load of int_transactions_validated, then its blocking rules, which
    may stop it: "blocked"), then the raw and staging suites on the loaded
    rows (warnings, results recorded) when the load went through."""
    root.mkdir(parents=True, exist_ok=True)
    warehouse = root / "warehouse.duckdb"
    shutil.copy(good / "warehouse.duckdb", warehouse)
    if path.is_file():  # one name for every feed's file: their runs share one saved parse
        path = Path(shutil.copy(path, root / f"transactions{path.suffix}"))
    feed_path = str(relative_to(str(path), root))
    run_vars = {"run_date": RUN_DATE, "transactions_path": feed_path, **dbt_vars}
    built = run_dbt_in(root, FEED_BUILD, run_vars)
    if not built.success:
        blocked = any(f"ERROR {guard} " in built.output for guard in GUARDS)
        return Outcome("blocked" if blocked else "stopped", built.output, warehouse, feed_path)
    suites = load_suites()
    raw, staging = (
        validate(suites[name], warehouse, suite_parameters(suites[name], warehouse))
        for name in ("raw_transactions", "stg_raw__transactions")
    )
    assert not raw.critical_failures, "the raw suite only warns: the blocking rules are dbt tests"
    return Outcome("accepted", built.output, warehouse, feed_path, raw, staging)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A warehouse built from 30 good lines, with one recorded raw validation
    (the 'previous load' that row counts are compared with)."""
    root = tmp_path_factory.mktemp("good_load")
    path = write_csv(root / "good.csv", good_rows())
    assert build_warehouse(root, {"transactions_path": str(path)}, with_tests=False).success
    suite = load_suites()["raw_transactions"]
    outcome = validate(suite, root / "warehouse.duckdb", suite_parameters(suite, root / "warehouse.duckdb"))
    assert outcome.success, outcome.summary()
    return root


def assert_marts_untouched(outcome: Outcome, good: Path):
    assert marts(outcome.warehouse) == marts(good / "warehouse.duckdb")


def test_an_empty_file_stops_the_run(good, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    outcome = feed(good, tmp_path / "run", empty)
    assert outcome.stage == "stopped"
    assert f"transactions file '{outcome.path}' has no data rows" in outcome.message
    assert_marts_untouched(outcome, good)


def test_a_header_only_file_stops_the_run(good, tmp_path):
    outcome = feed(good, tmp_path / "run", write_csv(tmp_path / "header.csv", []))
    assert outcome.stage == "stopped"
    assert "has no data rows (an empty file or a header only)" in outcome.message
    assert_marts_untouched(outcome, good)


def test_a_missing_required_column_stops_the_run_naming_it(good, tmp_path):
    rows = [row[:3] + row[4:] for row in good_rows()]
    path = write_csv(tmp_path / "no_amount.csv", rows, ["customer_id", "order_id", "ordered_at", "currency"])
    outcome = feed(good, tmp_path / "run", path)
    assert outcome.stage == "stopped"
    assert f"transactions file '{outcome.path}' has no column 'amount' (required as amount)" in outcome.message
    assert_marts_untouched(outcome, good)


def test_a_renamed_column_stops_the_run_with_the_mapping_to_use(good, tmp_path):
    path = write_csv(tmp_path / "renamed.csv", good_rows(), ["customer_id", "order_id", "ordered_at", "total", "currency"])
    outcome = feed(good, tmp_path / "run", path)
    assert outcome.stage == "stopped"
    assert "has no column 'amount'" in outcome.message
    assert "Its columns are: customer_id, order_id, ordered_at, total, currency" in outcome.message
    assert "transactions_columns: {amount: <your column>}" in outcome.message
    assert_marts_untouched(outcome, good)


def test_amounts_with_thousands_separators_are_blocked_naming_the_reason_samples_and_var(good, tmp_path):
    rows = [row[:3] + [f'"1,{row[3]}"'] + row[4:] for row in good_rows()]
    path = write_csv(tmp_path / "separators.csv", rows)
    outcome = feed(good, tmp_path / "run", path)
    assert outcome.stage == "blocked", outcome.message[-3000:]
    assert "ERROR assert_transactions_usable" in outcome.message
    assert f"transactions file '{outcome.path}': 0 of 30 rows are usable, none at all." in outcome.message
    assert "Rejected rows per reason: unparseable_amount 30." in outcome.message
    assert "e.g. amount '1,10.50' (row 1), '1,11.50' (row 2), '1,12.50' (row 3)" in outcome.message
    assert "transactions_decimal_separator" in outcome.message and "min_usable_row_share" in outcome.message
    assert_marts_untouched(outcome, good)


def test_a_share_of_unusable_rows_above_the_var_is_blocked_and_the_var_lets_it_through(good, tmp_path):
    rows = good_rows()
    for row in rows[:3]:  # 3 of 30 rows (10 %) without a customer
        row[0] = ""
    path = write_csv(tmp_path / "some_bad.csv", rows)
    blocked = feed(good, tmp_path / "blocked", path)
    assert blocked.stage == "blocked"
    assert "27 of 30 rows are usable, fewer than var min_usable_row_share (0.99) requires" in blocked.message
    assert "transactions_columns: {customer_id: <your column>}" in blocked.message
    assert_marts_untouched(blocked, good)

    accepted = feed(good, tmp_path / "accepted", path, min_usable_row_share=0.8)
    assert accepted.stage == "accepted", accepted.message[-3000:]
    assert rejects(accepted.warehouse) == {"missing_customer_id": 3}


def test_a_feed_that_collapses_against_the_last_good_load_is_blocked(good, tmp_path):
    path = write_csv(tmp_path / "partial.csv", good_rows()[:9])
    outcome = feed(good, tmp_path / "run", path)
    assert outcome.stage == "blocked"
    assert "ERROR assert_transaction_row_count_holds" in outcome.message
    assert "has 9 rows, fewer than var min_row_count_ratio (0.5) x the 30 rows of the last good load" in outcome.message
    assert_marts_untouched(outcome, good)


def test_implausible_amounts_are_blocked(good, tmp_path):
    rows = good_rows()
    rows[0][3] = "1050000000"  # cents read as units, 1 of 30 rows > 0.1 %
    outcome = feed(good, tmp_path / "run", write_csv(tmp_path / "huge.csv", rows))
    assert outcome.stage == "blocked"
    assert "1 of 30 amounts are beyond var max_plausible_amount (1000000), e.g. amount '1050000000' (row 1)" \
        in outcome.message
    assert_marts_untouched(outcome, good)


def test_a_mixed_currency_file_without_rates_is_blocked_and_converted_with_them(good, tmp_path):
    rows = [row[:4] + ["USD" if i % 2 else "EUR"] for i, row in enumerate(good_rows())]
    path = write_csv(tmp_path / "mixed.csv", rows)
    blocked = feed(good, tmp_path / "without_rates", path)
    assert blocked.stage == "blocked"
    assert "ERROR assert_transaction_currencies_have_rates" in blocked.message
    assert "assert_transactions_usable" not in blocked.message.split("Completed with")[-1], "one cause, one message"
    assert "has amounts in USD (15 rows) besides the reporting currency EUR" in blocked.message
    assert_marts_untouched(blocked, good)

    converted = feed(good, tmp_path / "with_rates", path, reporting_currency="EUR", currency_rates={"USD": 0.5})
    assert converted.stage == "accepted", converted.message[-3000:]
    with duckdb.connect(str(converted.warehouse), read_only=True) as connection:
        monetary = connection.execute("select sum(monetary) from marts.customer_rfm").fetchone()[0]
    expected = sum(float(row[3]) * (0.5 if i % 2 else 1.0) for i, row in enumerate(good_rows()))
    assert float(monetary) == pytest.approx(expected)


def test_non_utf8_bytes_stop_the_run_and_the_encoding_var_reads_them(good, tmp_path):
    path = tmp_path / "latin1.csv"
    lines = [",".join(HEADER + ["product_id"])] + [",".join(row + ["Müsli"]) for row in good_rows()]
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    outcome = feed(good, tmp_path / "run", path)
    assert outcome.stage == "stopped"
    assert "not utf-8 encoded" in outcome.message
    assert_marts_untouched(outcome, good)


def test_timestamps_in_two_formats_are_both_read(good, tmp_path):
    rows = good_rows()
    for row in rows[::2]:  # 2026-06-06 10:00:00 -> 06.06.2026 10:00:00
        day, time = row[2].split(" ")
        year, month, dom = day.split("-")
        row[2] = f"{dom}.{month}.{year} {time}"
    outcome = feed(good, tmp_path / "run", write_csv(tmp_path / "two_formats.csv", rows))
    assert outcome.stage == "accepted", outcome.message[-3000:]
    assert rejects(outcome.warehouse) == {}
    assert_marts_untouched(outcome, good)


def test_a_days_file_delivered_twice_is_counted_once(good, tmp_path):
    days = tmp_path / "daily"
    rows = good_rows()
    by_day: dict[str, list] = {}
    for row in rows:
        by_day.setdefault(row[2][:10], []).append(row)
    for day, day_rows in by_day.items():
        write_csv(days / f"transactions_{day}.csv", day_rows)
    twice = sorted(by_day)[3]
    write_csv(days / f"transactions_{twice}_resent.csv", by_day[twice])
    outcome = feed(good, tmp_path / "run", days / "*.csv")
    assert outcome.stage == "accepted", outcome.message[-3000:]
    assert rejects(outcome.warehouse) == {"duplicate_line": len(by_day[twice])}
    duplicates = next(item for item in outcome.raw.failures if item.expectation == "unexpected_rows_expectation")
    assert (duplicates.severity, duplicates.observed_value) == ("warning", str(len(by_day[twice])))
    assert_marts_untouched(outcome, good)


def test_a_file_truncated_mid_row_stops_the_run(good, tmp_path):
    path = write_csv(tmp_path / "truncated.csv", good_rows())
    path.write_text(path.read_text() + "C9,C9-o1,2026-06-0", encoding="utf-8")
    outcome = feed(good, tmp_path / "run", path)
    assert outcome.stage == "stopped"
    assert "read as a single column" in outcome.message
    assert "is complete" in outcome.message
    assert_marts_untouched(outcome, good)


def test_ten_times_the_usual_row_count_flows_on_with_a_warning(good, tmp_path):
    rows = good_rows() + good_rows(customers=54, prefix="N")  # 30 + 270 = 10x the previous load
    outcome = feed(good, tmp_path / "run", write_csv(tmp_path / "tenfold.csv", rows))
    assert outcome.stage == "accepted", outcome.message[-3000:]
    warnings = [item for item in outcome.raw.failures if item.expectation == "expect_table_row_count_to_be_between"]
    assert [(item.severity, item.observed_value) for item in warnings] == [("warning", "300")]
    with duckdb.connect(str(outcome.warehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from marts.customer_rfm").fetchone()[0] == 60


def test_a_customer_id_in_another_case_or_with_spaces_is_the_same_customer(good, tmp_path):
    rows = good_rows()
    rows[0][0] = " c0 "
    rows[1][0] = "c0"
    outcome = feed(good, tmp_path / "run", write_csv(tmp_path / "case.csv", rows))
    assert outcome.stage == "accepted", outcome.message[-3000:]
    assert_marts_untouched(outcome, good)
    normalised = next(item for item in outcome.staging.failures if item.severity == "warning")
    assert normalised.observed_value == "2"


def test_rejected_rows_never_depend_on_an_as_of_date(tmp_path):
    """No usable row, so no as-of date resolves: built without the guard
    (models only), transaction_rejects still holds every raw row."""
    rows = [[""] + row[1:] for row in good_rows()]
    path = write_csv(tmp_path / "no_customers.csv", rows)
    warehouse = tmp_path / "warehouse.duckdb"
    built = run_dbt(["run", "--select", "+transaction_rejects"],
                    {"run_date": RUN_DATE, "transactions_path": str(path)}, warehouse, tmp_path / "target")
    assert built.success, built.output[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert connection.execute("select count(*) from intermediate.int_as_of_dates_resolved").fetchone()[0] == 0
        assert connection.execute(
            "select reject_reason, count(*), count(as_of_date) from marts.transaction_rejects group by 1"
        ).fetchall() == [("missing_customer_id", 30, 0)]


def test_a_load_of_bundled_sample_data_is_never_the_row_count_baseline(tmp_path):
    """After `make demo` on the same warehouse, your own (smaller) feed is
    not refused as a collapse: the demo's load is marked as sample data."""
    sample = write_csv(tmp_path / "sample.csv", good_rows())
    assert build_warehouse(tmp_path, {"transactions_path": str(sample), "transactions_is_sample": True},
                           with_tests=False).success
    own = write_csv(tmp_path / "own.csv", good_rows(customers=2, prefix="O"))
    built = run_dbt_in(tmp_path, FEED_BUILD, {"run_date": RUN_DATE, "transactions_path": str(own)})
    assert built.success, built.output[-3000:]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute(
            "select is_sample_data, count_raw_rows from intermediate.int_transaction_loads_recorded order by loaded_at"
        ).fetchall() == [(True, 30), (False, 10)]
