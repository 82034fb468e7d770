"""Files a sales person opens in Excel (orchestration/sales_files.py), and the
customers' contact details that go into them: the optional name, email,
phone and owner columns of the customers file reach
intermediate.int_customer_contacts_resolved, one row per customer.

The writer tests need no warehouse; the two dbt builds are small (the demo
generator with 40 customers, dbt's tests left out, then the tests of the two
models concerned)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from orchestration import sales_files
from orchestration.demo_data import generate_demo_data
from orchestration.sales_files import (
    SALES_LABELS,
    label_for,
    sales_frame,
    write_parquet,
    write_sales_csv,
    write_sales_files,
)
from orchestration.warehouse import run_dbt
from tests.conftest import RUN_DATE


def call_sheet() -> pd.DataFrame:
    """A few rows typed as DuckDB's .df() gives them for marts.customer_alerts."""
    return pd.DataFrame({
        "customer_id": pd.array(["C00001", "C00002", "C00003"], dtype="str"),
        "customer_name": pd.array(["Jürgen Müller", None, "O'Brien, Siobhán"], dtype="str"),
        "phone": pd.array(["+49 30 1234567", "0049 40 2222", None], dtype="str"),
        "as_of_date": pd.to_datetime(["2026-06-30"] * 3).astype("datetime64[us]"),
        "last_purchase_date": pd.to_datetime(["2026-06-23", None, "2025-12-01"]).astype("datetime64[us]"),
        "is_new_alert": np.array([True, False, True]),
        "has_email": pd.array([True, None, False], dtype="boolean"),
        "days_since_last_purchase": np.array([7, 8, 211], dtype="int64"),
        "expected_interval_days": [5.0, 12.345678901234567, np.nan],
        "first_life_days": [30.04, 29.96, 400.0],
        "recency_ratio": [1.4285714285714286, 2.0 / 3.0, np.nan],
        "retainability": [0.5, 0.87549999, None],
        "p_alive": [0.12345678901234568, 1.0, 0.0],
        "value_at_stake_amount": [1234.5, 2.675, -0.004],
        "margin_amount": [0.1 + 0.2, 1e7 / 3, None],
        "priority": np.array([1, 2, 3], dtype="int32"),
        "expected_purchases": [1.23456789, 0.5, 2.0],
        "frequency": [1.0, 2.0, np.nan],  # an integer count that came back as float (null)
        "recommended_action": pd.array(["Personal call", "Coupon", "=HYPERLINK(\"http://x\")"], dtype="str"),
    })


def read_csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def as_dicts(path: Path) -> list[dict[str, str]]:
    header, *rows = read_csv_rows(path)
    return [dict(zip(header, row)) for row in rows]


# --- the writer ----------------------------------------------------------


def test_the_csv_is_utf8_with_a_bom_comma_separated_and_keeps_accents(tmp_path):
    path = write_sales_csv(call_sheet(), tmp_path / "call_sheet.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\xef\xbb\xbf") == 1
    text = raw[3:].decode("utf-8")
    assert text.splitlines()[0].startswith("Customer,Name,Phone,As of,Last purchase,New on the list,")
    assert "Jürgen Müller" in text
    assert '"O\'Brien, Siobhán"' in text  # the comma in the name is quoted, not a new column
    assert all(len(row) == len(call_sheet().columns) for row in read_csv_rows(path))


def test_headers_are_words_the_callers_labels_win_and_unknown_columns_are_spelt_out(tmp_path):
    frame = call_sheet()[["customer_id", "recommended_action", "days_since_last_purchase", "p_alive"]]
    frame = frame.assign(value_trend_score=[1, 2, 3])
    path = write_sales_csv(frame, tmp_path / "a.csv", labels={"p_alive": "Still buying (probability)"})
    assert read_csv_rows(path)[0] == [
        "Customer", "Action", "Days since last purchase", "Still buying (probability)", "Value trend score",
    ]
    assert label_for("customer_id") == "Customer"
    assert label_for("customer_id", {"customer_id": "Kunde"}) == "Kunde"
    assert label_for("brand_new_column") == "Brand new column"
    for column in ["customer_id", "customer_name", "email", "phone", "account_owner", "as_of_date", "action_list",
                   "recommended_action", "recommended_channel", "contact_status", "sheet_rank", "priority",
                   "alert_reason", "is_new_alert", "value_at_stake_amount", "expected_future_margin_amount",
                   "days_since_last_purchase", "expected_interval_days", "last_purchase_date", "lifecycle_stage",
                   "warning_band", "rfm_segment", "value_class", "value_class_tier", "profit_tier", "margin_amount",
                   "revenue_amount", "second_lifetime_value_amount", "retainability", "response_likelihood",
                   "reason_category", "state_entered_date"]:
        assert column in SALES_LABELS
    assert len(set(SALES_LABELS.values())) == len(SALES_LABELS)  # no two columns share a header


def test_two_columns_with_one_header_are_refused(tmp_path):
    frame = pd.DataFrame({"customer_id": ["C1"], "customer": ["C1"]})
    with pytest.raises(ValueError, match="Customer"):
        write_sales_csv(frame, tmp_path / "a.csv", labels={"customer": "Customer"})
    assert list(tmp_path.iterdir()) == []


def test_figures_are_rounded_as_people_write_them(tmp_path):
    rows = as_dicts(write_sales_csv(call_sheet(), tmp_path / "a.csv"))
    column = lambda label: [row[label] for row in rows]  # noqa: E731
    assert column("Value at stake") == ["1234.50", "2.68", "0.00"]  # cents, half up, no "-0.00"
    assert column("Margin") == ["0.30", "3333333.33", ""]  # no thousands separator
    assert column("Days since last purchase") == ["7", "8", "211"]  # integer column: whole days
    assert column("Usual interval (days)") == ["5.0", "12.3", ""]  # one decimal
    assert column("First-life days") == ["30.0", "30.0", "400.0"]
    assert column("Recency ratio") == ["1.43", "0.67", ""]
    assert column("Retainability") == ["0.500", "0.875", ""]
    assert column("Probability still a customer") == ["0.123", "1.000", "0.000"]
    assert column("Priority") == ["1", "2", "3"]
    assert column("Expected purchases") == ["1.23", "0.50", "2.00"]
    assert column("Purchases") == ["1", "2", ""]  # whole numbers stay whole
    text = (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    assert "12.345678901234567" not in text and "0.30000000000000004" not in text
    for row in rows:
        for cell in row.values():
            assert not re.fullmatch(r"-?\d*\.\d{4,}", cell), cell  # no long floats
            assert not re.fullmatch(r"-?[\d.]+e[+-]?\d+", cell, re.IGNORECASE), cell  # no exponents


def test_a_numeric_column_is_rounded_at_once_exactly_as_value_by_value():
    """The column-at-once path (sales_files.fixed_cells) gives the cells the
    exact per-value rounding gives, ties and float noise included."""
    rng = np.random.default_rng(13)
    decimals = rng.integers(0, 5, 20_000)
    values = np.concatenate([
        [round(value, int(places)) for value, places in zip(rng.normal(0, 5_000, 20_000), decimals)],
        rng.normal(0, 1, 5_000),
        [2.675, -2.675, 0.125, -0.005, 0.005, 1.005, 999999.995, 0.1 + 0.2, -0.0, 0.0, 1e15, -3e13,
         np.nan, np.inf, -np.inf],
    ])
    series = pd.Series(values)
    for places in (0, 1, 2, 3):
        by_value = [sales_files.fixed(value, places) if np.isfinite(value) else "" for value in values]
        assert sales_files.fixed_cells(series, places).tolist() == by_value, places
    nullable = pd.Series([1, None, 10**17 + 1], dtype="Int64", name="frequency")
    assert sales_files.sales_cells(nullable).tolist() == ["1", "", "100000000000000001"]


def test_booleans_are_yes_no_dates_iso_and_nulls_empty(tmp_path):
    rows = as_dicts(write_sales_csv(call_sheet(), tmp_path / "a.csv"))
    assert [row["New on the list"] for row in rows] == ["Yes", "No", "Yes"]
    assert [row["Has email"] for row in rows] == ["Yes", "", "No"]
    assert [row["As of"] for row in rows] == ["2026-06-30"] * 3
    assert [row["Last purchase"] for row in rows] == ["2026-06-23", "", "2025-12-01"]
    assert [row["Name"] for row in rows] == ["Jürgen Müller", "", "O'Brien, Siobhán"]
    raw = (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    for word in ("nan", "NaN", "NaT", "None", "<NA>", "True", "False", "00:00:00"):
        assert word not in raw


def test_other_value_types_are_written_plainly(tmp_path):
    frame = pd.DataFrame({
        "ordered_at": pd.to_datetime(["2026-06-30 14:05:00", None]),
        "state_entered_date": [dt.date(2026, 1, 2), None],
        "lost_since": pd.to_datetime(["2026-06-01", "2026-06-02"]).tz_localize("Europe/Berlin"),
        "revenue_amount": [Decimal("10.005"), None],
        "is_lost": [1, 0],
        "flag": [True, None],
        "gap": pd.to_timedelta([1.25, None], unit="D"),
        "days_gap": pd.to_timedelta([1.25, None], unit="D"),
        "share_of_wallet": [0.12345, 1.0],
    })
    rows = as_dicts(write_sales_csv(frame, tmp_path / "a.csv"))
    assert rows == [
        {"Ordered at": "2026-06-30 14:05:00", "In this state since": "2026-01-02", "Lost since": "2026-06-01",
         "Revenue": "10.01", "Lost": "Yes", "Flag": "Yes", "Gap": "1.3", "Days gap": "1.3",
         "Share of wallet": "0.123"},
        {"Ordered at": "", "In this state since": "", "Lost since": "2026-06-02",
         "Revenue": "", "Lost": "No", "Flag": "", "Gap": "", "Days gap": "", "Share of wallet": "1.000"},
    ]


def test_text_excel_would_run_as_a_formula_is_defused(tmp_path):
    frame = pd.DataFrame({"alert_reason": ["=1+1", "@SUM(A1)", "+49 30 1234", "-5", "-2.5", "Overdue: 7 days", None]})
    assert list(sales_frame(frame)["Reason"]) == ["'=1+1", "'@SUM(A1)", "'+49 30 1234", "-5", "-2.5",
                                                  "Overdue: 7 days", ""]


def test_the_csv_frame_is_all_text_and_the_input_is_untouched():
    frame = call_sheet()
    before = frame.copy()
    cells = sales_frame(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert all(isinstance(cell, str) for column in cells.columns for cell in cells[column])


def test_parquet_keeps_the_typed_columns(tmp_path):
    frame = call_sheet()
    path = write_parquet(frame, tmp_path / "a.parquet")
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, frame)
    assert back["days_since_last_purchase"].dtype == "int64"
    assert back["is_new_alert"].dtype == bool
    assert str(back["as_of_date"].dtype) == "datetime64[us]"
    assert back["expected_interval_days"].iloc[1] == 12.345678901234567


def test_both_files_are_written_atomically_and_leave_no_temporary_file(tmp_path):
    directory = tmp_path / "exports" / "2026-06-30"
    csv_path, parquet_path = write_sales_files(call_sheet(), directory, "churn_risk")
    assert (csv_path, parquet_path) == (directory / "churn_risk.csv", directory / "churn_risk.parquet")
    assert sorted(path.name for path in directory.iterdir()) == ["churn_risk.csv", "churn_risk.parquet"]
    # a rewrite replaces the files in place
    write_sales_files(call_sheet().head(1), directory, "churn_risk")
    assert len(as_dicts(csv_path)) == 1 and len(pd.read_parquet(parquet_path)) == 1
    assert sorted(path.name for path in directory.iterdir()) == ["churn_risk.csv", "churn_risk.parquet"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = write_sales_csv(call_sheet(), tmp_path / "a.csv")
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(sales_files.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_sales_csv(call_sheet().head(1), path)
    with pytest.raises(OSError, match="disk full"):
        write_parquet(call_sheet(), tmp_path / "a.parquet")
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["a.csv"]


def test_an_empty_list_is_a_header_only_file(tmp_path):
    path = write_sales_csv(call_sheet().head(0), tmp_path / "a.csv")
    assert read_csv_rows(path) == [sales_frame(call_sheet()).columns.tolist()]


# --- contact details from the customers file --------------------------------


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory) -> dict[str, Path]:
    return generate_demo_data(tmp_path_factory.mktemp("small_demo"), n_customers=40)


def build(root: Path, transactions: Path, customers: Path, **dbt_vars) -> list[tuple]:
    """The customers' two models and their dbt tests, nothing else (the rest
    of the project does not read them differently); the contacts as
    (customer_id, customer_name, email, phone, account_owner)."""
    dbt_vars = {"run_date": RUN_DATE, "transactions_path": str(transactions), "customers_path": str(customers),
                **dbt_vars}
    result = run_dbt(["build", "--select", "stg_raw__customers", "int_customer_contacts_resolved"],
                     dbt_vars, root / "warehouse.duckdb", root / "target")
    assert result.success, result.output[-6000:]
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute(
            "select customer_id, customer_name, email, phone, account_owner"
            " from intermediate.int_customer_contacts_resolved order by customer_id"
        ).fetchall()


def test_a_customers_file_without_contact_columns_gives_nulls(tmp_path, small_demo):
    contacts = build(tmp_path, small_demo["transactions"], small_demo["customers"])
    with open(small_demo["customers"], newline="", encoding="utf-8") as handle:
        ids = sorted({row["customer_id"] for row in csv.DictReader(handle)})
    assert [row[0] for row in contacts] == ids
    assert {row[1:] for row in contacts} == {(None, None, None, None)}


def test_contact_columns_of_the_customers_file_reach_the_contacts_model(tmp_path, small_demo):
    with open(small_demo["customers"], newline="", encoding="utf-8") as handle:
        demo = list(csv.DictReader(handle))
    header = ["customer_id", "signed_up_at", "channel", "Kundenname", "Email", "phone", "Betreuer"]
    rows = [[row["customer_id"], row["signed_up_at"], row["channel"], "", "", "", ""] for row in demo
            if row["customer_id"] not in ("C00001", "C00002", "C00003")]
    rows += [
        # C00001 twice: the newer row's name and owner, the older row's email and phone (blank in the newer)
        ["C00001", "2024-01-10", "store", "Anna Alt", "anna@old.example", "+49 30 111", "Olaf"],
        ["C00001", "2025-02-01", "web", "Anna Neu", "", "  ", "Petra"],
        # C00002 as " c00002 ": one customer with C00002; same date: the alphabetically first value
        [" c00002 ", "2025-03-01", "web", "Berta Zahn", "b@example.com", "0049 40 222", ""],
        ["C00002", "2025-03-01", "web", "Bernd Zahn", "a@example.com", "", ""],
        # C00003: a row without a date counts as older than a dated one
        ["C00003", "", "store", "Jürgen Müller", "j@old.example", "", "Olaf"],
        ["C00003", "2025-05-05", "store", "", "j@new.example", "", ""],
    ]
    customers = tmp_path / "customers.csv"
    with open(customers, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)

    contacts = build(tmp_path / "build", small_demo["transactions"], customers,
                     customers_columns={"customer_name": "Kundenname", "account_owner": "Betreuer"})

    by_id = {row[0]: row[1:] for row in contacts}
    assert len(by_id) == len(contacts) == len({row["customer_id"] for row in demo})
    assert by_id["C00001"] == ("Anna Neu", "anna@old.example", "+49 30 111", "Petra")
    assert by_id["C00002"] == ("Bernd Zahn", "a@example.com", "0049 40 222", None)
    assert by_id["C00003"] == ("Jürgen Müller", "j@new.example", None, "Olaf")
    assert {row for key, row in by_id.items() if key not in ("C00001", "C00002", "C00003")} == {
        (None, None, None, None)}

    # and on to the file a sales person opens
    with duckdb.connect(str(tmp_path / "build" / "warehouse.duckdb"), read_only=True) as connection:
        frame = connection.execute(
            "select * from intermediate.int_customer_contacts_resolved where customer_name is not null"
            " order by customer_id").df()
    csv_path, _ = write_sales_files(frame, tmp_path / "exports", "contacts")
    assert as_dicts(csv_path) == [
        {"Customer": "C00001", "Name": "Anna Neu", "Email": "anna@old.example", "Phone": "'+49 30 111",
         "Account owner": "Petra"},
        {"Customer": "C00002", "Name": "Bernd Zahn", "Email": "a@example.com", "Phone": "0049 40 222",
         "Account owner": ""},
        {"Customer": "C00003", "Name": "Jürgen Müller", "Email": "j@new.example", "Phone": "",
         "Account owner": "Olaf"},
    ]


def test_a_customers_file_in_another_case_names_each_buyer_once(tmp_path, small_demo):
    """Ids of the customers file are normalised like the transactions': a file
    spelling every buyer's id in lower case ("c00002" for buyer "C00002") adds
    no prospect, the customer base is one row per customer, and the sign-up
    date reaches the buyer."""
    with open(small_demo["customers"], newline="", encoding="utf-8") as handle:
        demo = list(csv.DictReader(handle))
    customers = tmp_path / "customers.csv"
    with open(customers, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(demo[0]))
        writer.writeheader()
        for number, row in enumerate(demo):
            written = row["customer_id"].lower() if number % 2 == 0 else f" {row['customer_id'].lower()} "
            writer.writerow({**row, "customer_id": written})
    dbt_vars = {"run_date": RUN_DATE, "transactions_path": str(small_demo["transactions"]),
                "customers_path": str(customers)}
    result = run_dbt(["build", "--select", "+int_customer_rhythm_summarised",
                      "--exclude-resource-type", "unit_test", "test"],
                     dbt_vars, tmp_path / "warehouse.duckdb", tmp_path / "target")
    assert result.success, result.output[-6000:]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        rows, ids, lower, buyers, buyers_dated = connection.execute(
            "select count(*), count(distinct customer_id), count(*) filter (where customer_id <> upper(customer_id)),"
            " count(*) filter (where frequency > 0),"
            " count(*) filter (where frequency > 0 and signed_up_date is not null)"
            " from intermediate.int_customer_rhythm_summarised"
            " where as_of_date = (select max(as_of_date) from intermediate.int_customer_rhythm_summarised)").fetchone()
    expected = len({row["customer_id"].upper() for row in demo})
    assert (rows, ids, lower) == (expected, expected, 0)
    assert buyers_dated == buyers > 0
