"""Tests for orchestration/demo_data.py (synthetic shop data + CDNOW conversion)."""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from orchestration import demo_data

END_DATE = date(2026, 6, 30)

TRANSACTION_HEADER = "customer_id,order_id,line_id,ordered_at,amount,quantity,product_id,currency,cost"
CUSTOMER_HEADER = "customer_id,signed_up_at,channel"
CDNOW_HEADER = "customer_id,order_id,ordered_at,amount,quantity"


# --------------------------------------------------------------------------
# Reading the generated files
# --------------------------------------------------------------------------

def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


TIMESTAMP_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


@functools.lru_cache(maxsize=None)
def _timestamp(text: str) -> datetime | None:
    """`YYYY-MM-DD HH:MM:SS` as a datetime, None when unparseable."""
    if not TIMESTAMP_SHAPE.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=None)
def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _is_valid(row: dict[str, str]) -> bool:
    """The rules a staging model applies (before removing duplicates)."""
    stamp = _timestamp(row["ordered_at"])
    amount = _amount(row["amount"])
    return (
        row["customer_id"].strip() != ""
        and stamp is not None
        and stamp.date() <= END_DATE
        and amount is not None
        and amount != 0
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return demo_data.generate_demo_data(tmp_path_factory.mktemp("demo_a"))


@pytest.fixture(scope="module")
def transactions(generated):
    return _read_rows(generated["transactions"])


@pytest.fixture(scope="module")
def valid(transactions):
    """Valid rows with exact duplicates removed, in file order."""
    seen = set()
    rows = []
    for row in transactions:
        key = tuple(row.values())
        if _is_valid(row) and key not in seen:
            seen.add(key)
            rows.append(row)
    return rows


@pytest.fixture(scope="module")
def sales(valid):
    return [row for row in valid if Decimal(row["amount"]) > 0]


@pytest.fixture(scope="module")
def returns(valid):
    return [row for row in valid if Decimal(row["amount"]) < 0]


def _purchase_days(sales) -> dict[str, set[str]]:
    days = defaultdict(set)
    for row in sales:
        days[row["customer_id"]].add(row["ordered_at"][:10])
    return days


# --------------------------------------------------------------------------
# Files, determinism
# --------------------------------------------------------------------------

def test_returns_paths_and_exact_headers(generated):
    assert set(generated) == {"transactions", "customers"}
    assert generated["transactions"].name == "transactions.csv"
    assert generated["customers"].name == "customers.csv"
    transactions_bytes = generated["transactions"].read_bytes()
    assert transactions_bytes.split(b"\n", 1)[0] == TRANSACTION_HEADER.encode()
    assert generated["customers"].read_bytes().split(b"\n", 1)[0] == CUSTOMER_HEADER.encode()
    assert b"\r" not in transactions_bytes
    assert transactions_bytes.endswith(b"\n")


def test_same_arguments_give_identical_bytes(generated, tmp_path):
    again = demo_data.generate_demo_data(tmp_path / "again")
    for name in ("transactions", "customers"):
        assert again[name].read_bytes() == generated[name].read_bytes(), name


def test_different_seed_gives_different_data(tmp_path):
    small = dict(n_customers=150)
    a = demo_data.generate_demo_data(tmp_path / "a", seed=1, **small)
    a2 = demo_data.generate_demo_data(tmp_path / "a2", seed=1, **small)
    b = demo_data.generate_demo_data(tmp_path / "b", seed=2, **small)
    assert a["transactions"].read_bytes() == a2["transactions"].read_bytes()
    assert a["transactions"].read_bytes() != b["transactions"].read_bytes()
    assert a["customers"].read_bytes() != b["customers"].read_bytes()


def test_other_end_date_and_history_are_respected(tmp_path):
    end = date(2024, 1, 31)
    paths = demo_data.generate_demo_data(tmp_path, n_customers=100, end_date=end, history_days=365)
    days = [
        _timestamp(row["ordered_at"]).date()
        for row in _read_rows(paths["transactions"])
        if _timestamp(row["ordered_at"]) and row["ordered_at"] != "2099-01-01 10:00:00"
    ]
    assert max(days) <= end
    assert min(days) >= date(2023, 1, 31)


# --------------------------------------------------------------------------
# Valid rows
# --------------------------------------------------------------------------

def test_no_valid_row_after_end_date(transactions, valid):
    assert max(_timestamp(row["ordered_at"]).date() for row in valid) <= END_DATE
    late = [row["ordered_at"] for row in transactions
            if _timestamp(row["ordered_at"]) and _timestamp(row["ordered_at"]).date() > END_DATE]
    assert late and set(late) == {"2099-01-01 10:00:00"}


def test_history_spans_the_requested_days(valid):
    days = [_timestamp(row["ordered_at"]).date() for row in valid]
    assert (END_DATE - min(days)).days >= 720
    assert min(days) >= date(2024, 6, 30)


def test_valid_rows_are_well_formed(valid):
    for row in valid:
        assert all(value == value.strip() for value in row.values()), row
        assert row["customer_id"][0] == "C" and len(row["customer_id"]) == 6
        assert row["order_id"][0] in "OR" and len(row["order_id"]) == 8
        assert row["product_id"][0] == "P" and len(row["product_id"]) == 5
        assert row["currency"] == "EUR"
        assert 8 <= _timestamp(row["ordered_at"]).hour <= 21
        amount, cost, quantity = Decimal(row["amount"]), Decimal(row["cost"]), int(row["quantity"])
        assert amount.as_tuple().exponent == -2 and cost.as_tuple().exponent == -2
        assert quantity != 0 and (amount > 0) == (quantity > 0) == (cost > 0)
    keys = Counter((row["order_id"], row["line_id"]) for row in valid)
    assert max(keys.values()) == 1


def test_products_have_fixed_unit_price_and_cost(sales):
    prices, costs = defaultdict(set), defaultdict(set)
    for row in sales:
        quantity = int(row["quantity"])
        prices[row["product_id"]].add(Decimal(row["amount"]) / quantity)
        costs[row["product_id"]].add(Decimal(row["cost"]) / quantity)
    assert 150 <= len(prices) <= 200
    for product, unit_prices in prices.items():
        (price,) = unit_prices
        (cost,) = costs[product]
        assert Decimal(3) <= price <= Decimal(150)
        assert Decimal("0.39") * price <= cost <= Decimal("0.81") * price


def test_rows_are_sorted_apart_from_bad_rows(transactions):
    # Bad rows, including the second copy of a duplicated row, sit anywhere.
    copies = Counter(tuple(row.values()) for row in transactions)
    keys = [
        (row["ordered_at"], row["order_id"], int(row["line_id"]))
        for row in transactions
        if _is_valid(row) and copies[tuple(row.values())] == 1
    ]
    assert keys == sorted(keys)


def test_multi_line_orders_exist_with_distinct_products(sales):
    lines = defaultdict(list)
    for row in sales:
        lines[row["order_id"]].append(row)
    sizes = Counter(len(rows) for rows in lines.values())
    assert set(sizes) == {1, 2, 3, 4}
    for rows in lines.values():
        assert sorted(int(r["line_id"]) for r in rows) == list(range(1, len(rows) + 1))
        assert len({r["product_id"] for r in rows}) == len(rows)
        assert len({(r["customer_id"], r["ordered_at"]) for r in rows}) == 1


def test_same_day_second_orders_exist(sales):
    orders_per_day = defaultdict(set)
    for row in sales:
        orders_per_day[(row["customer_id"], row["ordered_at"][:10])].add(row["order_id"])
    second_orders = [key for key, orders in orders_per_day.items() if len(orders) >= 2]
    share = len(second_orders) / len(orders_per_day)
    assert len(second_orders) >= 10
    assert 0.02 <= share <= 0.10


def test_one_time_and_frequent_buyers_exist(sales):
    counts = [len(days) for days in _purchase_days(sales).values()]
    assert sum(1 for n in counts if n == 1) >= 50
    assert sum(1 for n in counts if n >= 10) >= 50


def test_new_one_time_buyers_and_churners_exist(sales):
    days = _purchase_days(sales)
    new = [c for c, d in days.items() if len(d) == 1 and (END_DATE - date.fromisoformat(min(d))).days < 30]
    lapsed = [c for c, d in days.items()
              if len(d) >= 5 and (END_DATE - date.fromisoformat(max(d))).days >= 120]
    assert len(new) >= 20
    assert len(lapsed) >= 20


# --------------------------------------------------------------------------
# Returns
# --------------------------------------------------------------------------

def test_returns_mirror_an_earlier_sale_line(sales, returns):
    sale_lines = defaultdict(list)
    for row in sales:
        sale_lines[(row["customer_id"], row["product_id"])].append(row)
    assert 0.02 <= len({r["order_id"] for r in returns}) / len({r["order_id"] for r in sales}) <= 0.08
    for ret in returns:
        assert ret["order_id"].startswith("R")
        candidates = [
            sale for sale in sale_lines[(ret["customer_id"], ret["product_id"])]
            if sale["amount"] == ret["amount"].lstrip("-")
            and sale["quantity"] == ret["quantity"].lstrip("-")
            and sale["cost"] == ret["cost"].lstrip("-")
            and 0 <= (_timestamp(ret["ordered_at"]).date() - _timestamp(sale["ordered_at"]).date()).days <= 20
            and sale["ordered_at"] < ret["ordered_at"]
        ]
        assert candidates, ret


def test_fully_refunded_single_purchase_customers(sales, returns):
    sale_orders = defaultdict(set)
    sale_total = defaultdict(Decimal)
    for row in sales:
        sale_orders[row["customer_id"]].add(row["order_id"])
        sale_total[row["customer_id"]] += Decimal(row["amount"])
    returned = defaultdict(Decimal)
    for row in returns:
        returned[row["customer_id"]] += Decimal(row["amount"])
    refunded = [
        customer for customer, orders in sale_orders.items()
        if len(orders) == 1 and returned[customer] == -sale_total[customer]
    ]
    assert len(refunded) >= 5


def test_same_day_returns_exist(sales, returns):
    purchase_days = _purchase_days(sales)
    same_day = {r["customer_id"] for r in returns if r["ordered_at"][:10] in purchase_days[r["customer_id"]]}
    assert len(same_day) >= 3


# --------------------------------------------------------------------------
# Bad rows
# --------------------------------------------------------------------------

def test_each_kind_of_bad_row_appears_at_least_three_times(transactions):
    kinds = Counter()
    for row in transactions:
        if row["customer_id"] == "":
            kinds["empty customer_id"] += 1
        elif row["customer_id"].strip() == "":
            kinds["blank customer_id"] += 1
        if row["ordered_at"] in ("not a date", "2026-13-45 10:00:00"):
            kinds["unparseable ordered_at"] += 1
            assert _timestamp(row["ordered_at"]) is None
        if row["ordered_at"] == "2099-01-01 10:00:00":
            kinds["future ordered_at"] += 1
        if row["amount"] in ("abc", "12,50.x"):
            kinds["unparseable amount"] += 1
            assert _amount(row["amount"]) is None
        if row["amount"] == "0.00":
            kinds["zero amount"] += 1
    for kind in ("empty customer_id", "blank customer_id", "unparseable ordered_at",
                 "future ordered_at", "unparseable amount", "zero amount"):
        assert kinds[kind] >= 3, kind
    for literal in ("not a date", "2026-13-45 10:00:00"):
        assert any(row["ordered_at"] == literal for row in transactions), literal
    for literal in ("abc", "12,50.x"):
        assert any(row["amount"] == literal for row in transactions), literal
    bad = sum(1 for row in transactions if not _is_valid(row))
    assert 0.002 <= bad / len(transactions) <= 0.01


def test_exact_duplicate_lines_exist(generated, valid):
    lines = generated["transactions"].read_text(encoding="utf-8").splitlines()
    duplicated = [line for line, count in Counter(lines).items() if count > 1]
    assert len(duplicated) >= 3
    valid_lines = {",".join(row.values()) for row in valid}
    assert all(line in valid_lines for line in duplicated)


def test_bad_rows_are_scattered(transactions):
    positions = [i for i, row in enumerate(transactions) if not _is_valid(row)]
    n = len(transactions)
    assert positions[0] < n // 4 and positions[-1] > 3 * n // 4


# --------------------------------------------------------------------------
# customers.csv
# --------------------------------------------------------------------------

def test_customers_cover_buyers_and_prospects(generated, valid, sales):
    customers = _read_rows(generated["customers"])
    ids = [row["customer_id"] for row in customers]
    assert len(ids) == len(set(ids))
    buyers = {row["customer_id"] for row in valid}
    assert buyers <= set(ids)
    prospects = set(ids) - buyers
    assert 40 <= len(prospects) <= 60
    assert min(prospects) > max(buyers)
    first_purchase = {c: min(d) for c, d in _purchase_days(sales).items()}
    for row in customers:
        assert row["channel"] in {"web", "store", "referral", "marketplace"}
        signed_up = date.fromisoformat(row["signed_up_at"])
        assert signed_up <= END_DATE
        if row["customer_id"] in first_purchase:
            assert signed_up <= date.fromisoformat(first_purchase[row["customer_id"]])


# --------------------------------------------------------------------------
# CDNOW
# --------------------------------------------------------------------------

def test_cdnow_conversion(tmp_path):
    if importlib.util.find_spec("lifetimes") is None:
        pytest.skip("the 'lifetimes' package (which ships CDNOW_master.txt) is not installed; "
                    "run `pip install --no-deps lifetimes==0.11.3` to enable this test")
    paths = demo_data.write_cdnow_transactions(tmp_path)
    assert set(paths) == {"transactions"}
    lines = paths["transactions"].read_text(encoding="utf-8").splitlines()
    assert lines[0] == CDNOW_HEADER
    assert lines[1] == "00001,T000001,1997-01-01,11.77,1"
    assert lines[2] == "00002,T000002,1997-01-12,12.00,1"
    rows = _read_rows(paths["transactions"])
    assert len(rows) == 69_659
    assert len({row["customer_id"] for row in rows}) == 23_570
    assert rows[-1]["order_id"] == "T069659"
    assert any(row["amount"] == "0.00" for row in rows)
    assert min(row["ordered_at"] for row in rows) >= "1997-01-01"
    assert max(row["ordered_at"] for row in rows) <= "1998-06-30"


def test_cdnow_missing_source_raises(tmp_path, monkeypatch):
    monkeypatch.setattr(demo_data.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install --no-deps lifetimes==0.11.3"):
        demo_data.write_cdnow_transactions(tmp_path)


def test_cdnow_explicit_source(tmp_path):
    source = tmp_path / "mini.txt"
    source.write_bytes(b" customer_id  date number_of_cds  dollar_value\r\n"
                       b" 00007 19970102  2   29.33\r\n 00003 19980630  1    0.00\r\n")
    paths = demo_data.write_cdnow_transactions(tmp_path / "out", source=source)
    assert paths["transactions"].read_text(encoding="utf-8") == (
        CDNOW_HEADER + "\n"
        "00007,T000001,1997-01-02,29.33,2\n"
        "00003,T000002,1998-06-30,0.00,1\n"
    )


# --------------------------------------------------------------------------
# Simulated response to contacts
# --------------------------------------------------------------------------

def test_contact_responses_only_add_answers_to_contacts(generated, tmp_path):
    """With the effect on, the file is the one without it plus the answers:
    each at most RESPONSE_MAX_DELAY_DAYS after one of the customer's
    contacts, at most one per customer, never after the end date."""
    customers = [f"C{number:05d}" for number in range(1, 401)]
    contacts = [(customer, date(2026, 5, 1 + number % 28)) for number, customer in enumerate(customers)]
    contacts += [(customer, "2026-06-10") for customer in customers[:100]]  # a reminder
    contacts += [("C00999", date(2026, 6, 29))]  # an answer after the end date is not written
    paths = demo_data.generate_demo_data(tmp_path, contacts=contacts, contact_response_rate=0.5)
    base = generated["transactions"].read_text(encoding="utf-8")
    with_effect = paths["transactions"].read_text(encoding="utf-8")
    assert with_effect.startswith(base)
    assert paths["customers"].read_bytes() == generated["customers"].read_bytes()

    answers = list(csv.DictReader(with_effect[len(base):].splitlines(), fieldnames=TRANSACTION_HEADER.split(",")))
    assert all(row["order_id"].startswith(demo_data.RESPONSE_ORDER_PREFIX) and _is_valid(row) for row in answers)
    answered = Counter(row["customer_id"] for row in answers)
    assert set(answered.values()) == {1}
    contacted_on = defaultdict(list)
    for customer, day in contacts:
        contacted_on[customer].append(date.fromisoformat(str(day)))
    for row in answers:
        day = _timestamp(row["ordered_at"]).date()
        assert day <= END_DATE
        assert any(1 <= (day - contact).days <= demo_data.RESPONSE_MAX_DELAY_DAYS
                   for contact in contacted_on[row["customer_id"]])
    # about half of the 400 first contacts answered, plus half of the unanswered reminders
    assert 170 <= len(answered) <= 260

    # the same call gives the same bytes; no rate, no answers
    again = demo_data.generate_demo_data(tmp_path / "again", contacts=contacts, contact_response_rate=0.5)
    assert again["transactions"].read_bytes() == paths["transactions"].read_bytes()
    off = demo_data.generate_demo_data(tmp_path / "off", contacts=contacts, contact_response_rate=0)
    assert off["transactions"].read_text(encoding="utf-8") == base
    with pytest.raises(ValueError, match="contact_response_rate"):
        demo_data.generate_demo_data(tmp_path / "bad", contacts=contacts, contact_response_rate=1.5)
