"""Regional file formats: semicolon-separated files, decimal commas,
day-first and month-first dates. Unset, dbt's on-run-start guard stops the
run with what the file looks like and the var to set (never guessing an
ambiguous day-month order); set, the file is read and the numbers and dates
are the ones written into it.

Each dbt run is small (a few dozen rows, staging and validation only)."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.warehouse import DbtResult
from tests.support.dbt_runs import run_dbt_in
from tests.conftest import RUN_DATE

# customer, order, day, amount: day 3, 7, 11 or 15 of every other month of 2024
# (only C3's days are above 12), amounts up to 4,000 with cents, C1 returns one order.
ORDERS = [
    (f"C{c}", f"C{c}-o{o}", date(2024, 1 + 2 * o, 3 + 4 * c), Decimal(1234 * c + 10 * o + 7) + Decimal("0.05") * o)
    for c in range(4) for o in range(5)
] + [("C1", "C1-r1", date(2024, 9, 20), Decimal("-1241.00"))]


def decimal_comma(amount: Decimal) -> str:
    """1234.50 -> '1.234,50'"""
    return f"{amount:,.2f}".translate(str.maketrans(",.", ".,"))


def cost_of(amount: Decimal) -> Decimal:
    return (amount / 10).quantize(Decimal("0.01"))


def write_orders(path: Path, orders, day_format: str, delimiter: str = ",", comma: bool = False) -> Path:
    """customer_id, order_id, ordered_at, amount, cost (a tenth of the amount)."""
    number = decimal_comma if comma else (lambda amount: f"{amount:.2f}")
    lines = [delimiter.join(["customer_id", "order_id", "ordered_at", "amount", "cost"])] + [
        delimiter.join([customer, order, day.strftime(day_format), number(amount), number(cost_of(amount))])
        for customer, order, day, amount in orders
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(root: Path, path: Path, **dbt_vars) -> DbtResult:
    """dbt run of the staging model and the validation on top, on a new
    warehouse under root, of a copy of the file in root (dbt reads it as
    path.name: tests/support/dbt_runs.py)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, root / path.name)
    return run_dbt_in(
        root,
        ["run", "--select", "+int_transactions_validated"],
        {"run_date": RUN_DATE, "transactions_path": str(root / path.name), **dbt_vars},
    )


def validated(root: Path) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute(
            "select order_id, ordered_at, amount, cost, reject_reason"
            " from intermediate.int_transactions_validated order by source_row_number"
        ).fetchall()


def tables(root: Path) -> list[tuple]:
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute("select table_schema, table_name from information_schema.tables").fetchall()


def test_a_semicolon_file_with_decimal_commas_and_day_first_dates_is_refused_then_read_with_the_vars(tmp_path):
    path = write_orders(tmp_path / "orders.csv", ORDERS, "%d/%m/%Y", delimiter=";", comma=True)

    refused = run(tmp_path / "unset", path)
    assert not refused.success
    assert f"transactions file '{path.name}' does not read with the configured formats" in refused.output
    assert (
        "ordered_at values such as '03/01/2024', '03/03/2024', '15/01/2024' look like day-first dates"
        " (a first number above 12 occurs): set --vars '{timestamp_formats: [\"%d/%m/%Y\"]}'"
    ) in refused.output
    assert (
        "amount values such as '7,00', '17,05', '27,10' use a decimal comma:"
        " set --vars '{transactions_decimal_separator: \",\"}'"
    ) in refused.output
    assert "Both together: --vars '{timestamp_formats: [\"%d/%m/%Y\"], transactions_decimal_separator: \",\"}'" \
        in refused.output
    assert tables(tmp_path / "unset") == []  # stopped before any model was built

    read = run(tmp_path / "set", path, transactions_delimiter=";", transactions_decimal_separator=",",
               timestamp_formats=["%d/%m/%Y"])
    assert read.success, read.output[-4000:]
    rows = validated(tmp_path / "set")
    assert [row[4] for row in rows] == [None] * len(ORDERS)
    assert [(order, ordered_at.date(), amount, cost) for order, ordered_at, amount, cost, _ in rows] == [
        (order, day, amount, cost_of(amount)) for _, order, day, amount in ORDERS
    ]
    # a few of the numbers as written: 1.241,00 / 3.719,05 / -1.241,00
    written = dict((order, amount) for order, _, amount, _, _ in rows)
    assert (written["C1-o0"], written["C3-o1"], written["C1-r1"]) == (
        Decimal("1241.00"), Decimal("3719.05"), Decimal("-1241.00"))


def test_month_first_dates_with_a_time_are_named_and_read_with_their_format(tmp_path):
    path = write_orders(tmp_path / "orders.csv", ORDERS, "%m/%d/%Y %H:%M")

    refused = run(tmp_path / "unset", path)
    assert not refused.success
    assert (
        f"transactions file '{path.name}' does not read with the configured formats: ordered_at values such as"
        " '01/03/2024 00:00', '03/03/2024 00:00', '01/15/2024 00:00' look like month-first dates"
        " (a second number above 12 occurs): set --vars '{timestamp_formats: [\"%m/%d/%Y %H:%M\"]}'"
    ) in refused.output
    assert "amount values" not in refused.output  # decimal points: nothing to say

    read = run(tmp_path / "set", path, timestamp_formats=["%m/%d/%Y %H:%M"])
    assert read.success, read.output[-4000:]
    rows = validated(tmp_path / "set")
    assert [(order, ordered_at, amount, reason) for order, ordered_at, amount, _, reason in rows] == [
        (order, datetime.combine(day, datetime.min.time()), amount, None) for _, order, day, amount in ORDERS
    ]


def test_ambiguous_day_month_dates_stop_naming_both_formats(tmp_path):
    # days 3, 7 and 11 only: 03-01-2024 is 3 January or 1 March, and nothing in the file says which
    orders = [order for order in ORDERS if order[2].day <= 12]
    path = write_orders(tmp_path / "orders.csv", orders, "%d-%m-%Y")
    refused = run(tmp_path / "unset", path)
    assert not refused.success
    assert (
        f"transactions file '{path.name}' does not read with the configured formats: ordered_at values such as"
        " '03-01-2024', '03-03-2024', '03-05-2024' are day-first or month-first dates and the order is ambiguous:"
        " no first or second number above 12 occurs in the first 1000 rows, so none is guessed."
        " Set the one the file uses: --vars '{timestamp_formats: [\"%d-%m-%Y\"]}' for day-first"
        " or --vars '{timestamp_formats: [\"%m-%d-%Y\"]}' for month-first"
    ) in refused.output
    assert "look like" not in refused.output


def test_both_orders_in_timestamp_formats_stop_the_run(tmp_path):
    path = write_orders(tmp_path / "orders.csv", ORDERS[:3], "%d-%m-%Y")
    refused = run(tmp_path / "both", path, timestamp_formats=["%Y%m%d", "%d-%m-%Y", "%m-%d-%Y"])
    assert not refused.success
    assert "var timestamp_formats lists both '%d-%m-%Y' and '%m-%d-%Y'" in refused.output
    assert "would be read in whichever comes first" in refused.output


def test_a_semicolon_file_read_as_one_column_names_the_delimiter_var(tmp_path):
    # a last row cut short: the sniffer settles on one column, the header keeps its semicolons
    path = write_orders(tmp_path / "orders.csv", ORDERS[:4], "%Y-%m-%d", delimiter=";", comma=True)
    path.write_text(path.read_text(encoding="utf-8") + "C9;C9-o1;2024-0", encoding="utf-8")
    refused = run(tmp_path / "unset", path)
    assert not refused.success
    assert f"transactions file '{path.name}' has no column 'customer_id'" in refused.output
    assert (
        "It looks semicolon-separated (';' in its header): set --vars '{transactions_delimiter: \";\"}'."
    ) in refused.output
    assert "read as a single column" in refused.output
