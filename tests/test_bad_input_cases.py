"""Bad input, tried on purpose: each case of the README's "what happens when"
table is fed through the pipeline's steps in the daily job's order (dbt
staging views, the blocking raw-data suite, then the rest of dbt) on a copy
of a warehouse built from good data. Every case ends in one clear outcome:

- stopped:  dbt refuses the input before any table is replaced;
- blocked:  the raw-data suite fails a critical expectation, so nothing
            downstream is rebuilt;
- accepted: the data flows on; odd rows are quarantined with a reason or
            flagged by a warning, never dropped.

Where the run stops or is blocked, the marts are exactly the good ones.
(test_definitions.py checks that the raw suite is a blocking Dagster check.)
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.quality.runner import SuiteOutcome, load_suites, project_dbt_vars, suite_parameters, validate
from orchestration.warehouse import run_dbt
from tests.conftest import RUN_DATE, build_warehouse

HEADER = ["customer_id", "order_id", "ordered_at", "amount", "currency"]
MARTS = ["customer_lifecycle", "customer_rfm", "customer_purchase_intervals"]


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
    raw: SuiteOutcome | None = None
    staging: SuiteOutcome | None = None

    def failed(self, suite: SuiteOutcome, severity: str) -> set[str]:
        return {f"{item.expectation}({item.column or ''})" for item in suite.failures if item.severity == severity}


def feed(good: Path, root: Path, path: Path, **dbt_vars) -> Outcome:
    """The daily job's order on a copy of the good warehouse: staging views,
    the raw and staging suites (results recorded), then the rest of dbt
    unless a critical raw expectation failed."""
    root.mkdir(parents=True, exist_ok=True)
    warehouse = root / "warehouse.duckdb"
    shutil.copy(good / "warehouse.duckdb", warehouse)
    run_vars = {"run_date": RUN_DATE, "transactions_path": str(path), **dbt_vars}
    staged = run_dbt(["run", "--select", "path:models/staging"], run_vars, warehouse, root / "target")
    if not staged.success:
        return Outcome("stopped", staged.output, warehouse)
    suites, project_vars = load_suites(), project_dbt_vars(run_vars)
    raw, staging = (
        validate(suites[name], warehouse, suite_parameters(suites[name], warehouse, project_vars))
        for name in ("raw_transactions", "stg_raw__transactions")
    )
    if raw.critical_failures:
        return Outcome("blocked", raw.summary(), warehouse, raw, staging)
    built = run_dbt(["build", "--exclude", "path:models/staging", "--exclude-resource-type", "unit_test"],
                    run_vars, warehouse, root / "target")
    return Outcome("accepted" if built.success else "stopped", built.output, warehouse, raw, staging)


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A warehouse built from 30 good lines, with one recorded raw validation
    (the 'previous load' that row counts are compared with)."""
    root = tmp_path_factory.mktemp("good_load")
    path = write_csv(root / "good.csv", good_rows())
    assert build_warehouse(root, {"transactions_path": str(path)}, with_tests=False).success
    suite = load_suites()["raw_transactions"]
    outcome = validate(suite, root / "warehouse.duckdb",
                       suite_parameters(suite, root / "warehouse.duckdb", project_dbt_vars({"run_date": RUN_DATE})))
    assert outcome.success, outcome.summary()
    return root


def assert_marts_untouched(outcome: Outcome, good: Path):
    assert marts(outcome.warehouse) == marts(good / "warehouse.duckdb")


def test_an_empty_file_stops_the_run(good, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    outcome = feed(good, tmp_path / "run", empty)
    assert outcome.stage == "stopped"
    assert f"transactions file '{empty}' has no data rows" in outcome.message
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
    assert f"transactions file '{path}' has no column 'amount' (required as amount)" in outcome.message
    assert_marts_untouched(outcome, good)


def test_a_renamed_column_stops_the_run_with_the_mapping_to_use(good, tmp_path):
    path = write_csv(tmp_path / "renamed.csv", good_rows(), ["customer_id", "order_id", "ordered_at", "total", "currency"])
    outcome = feed(good, tmp_path / "run", path)
    assert outcome.stage == "stopped"
    assert "has no column 'amount'" in outcome.message
    assert "Its columns are: customer_id, order_id, ordered_at, total, currency" in outcome.message
    assert "transactions_columns: {amount: <your column>}" in outcome.message
    assert_marts_untouched(outcome, good)


def test_amounts_with_thousands_separators_are_blocked_by_the_raw_suite(good, tmp_path):
    rows = [row[:3] + [f'"1,{row[3]}"'] + row[4:] for row in good_rows()]
    outcome = feed(good, tmp_path / "run", write_csv(tmp_path / "separators.csv", rows))
    assert outcome.stage == "blocked"
    assert "expect_column_values_to_not_be_null(amount)" in outcome.failed(outcome.raw, "critical")
    failure = next(item for item in outcome.raw.failures if item.column == "amount")
    assert failure.unexpected_percent == 100.0
    assert failure.sample and {"source_file", "source_row_number"} <= set(failure.sample[0])
    assert_marts_untouched(outcome, good)


def test_a_mixed_currency_file_without_rates_is_blocked_and_converted_with_them(good, tmp_path):
    rows = [row[:4] + ["USD" if i % 2 else "EUR"] for i, row in enumerate(good_rows())]
    path = write_csv(tmp_path / "mixed.csv", rows)
    blocked = feed(good, tmp_path / "without_rates", path)
    assert blocked.stage == "blocked"
    assert "expect_column_unique_value_count_to_be_between(currency)" in blocked.failed(blocked.raw, "critical")
    assert next(item for item in blocked.raw.failures if item.column == "currency").observed_value == "2"
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
