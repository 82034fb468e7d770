"""The real CDNOW purchase log (lifetimes package) as a second data set."""

from __future__ import annotations

import csv
import importlib.util

import duckdb
import pytest

from orchestration.demo_data import write_cdnow_transactions
from tests.conftest import build_warehouse

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("lifetimes") is None,
    reason="CDNOW ships in the lifetimes package: pip install --no-deps lifetimes==0.11.3 (make install does)",
)


@pytest.fixture(scope="module")
def cdnow_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("cdnow")
    paths = write_cdnow_transactions(root / "data")
    result = build_warehouse(root, {"transactions_path": str(paths["transactions"])}, with_tests=True)
    assert result.success, result.output[-6000:]
    return root, paths["transactions"]


def test_every_cdnow_transaction_is_used_or_rejected(cdnow_build):
    root, transactions = cdnow_build
    with open(transactions, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 69_659
    zero_amount_rows = sum(1 for r in rows if float(r["amount"]) == 0)
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as connection:
        rejects = dict(connection.execute(
            "select reject_reason, count(*) from marts.transaction_rejects group by 1").fetchall())
        used = connection.execute("select sum(count_lines) from intermediate.int_customer_days_aggregated").fetchone()[0]
        as_of = connection.execute("select max(as_of_date) from marts.customer_lifecycle").fetchone()[0]
    # CDNOW's only flaw for the warehouse: a few $0 purchases
    assert rejects == {"zero_amount": zero_amount_rows}
    assert used + zero_amount_rows == 69_659
    assert str(as_of) == "1998-06-30"


def test_every_cdnow_customer_is_accounted_for(cdnow_build):
    root, _ = cdnow_build
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as connection:
        count_lifecycle = connection.execute("select count(*) from marts.customer_lifecycle").fetchone()[0]
        count_rfm = connection.execute("select count(*) from marts.customer_rfm").fetchone()[0]
        only_rejected = connection.execute("""
            select count(distinct customer_id_raw) from marts.transaction_rejects
            where customer_id_raw not in (select customer_id from marts.customer_lifecycle)
        """).fetchone()[0]
        stages = dict(connection.execute(
            "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1").fetchall())
    assert count_lifecycle + only_rejected == 23_570
    assert count_rfm == count_lifecycle  # no customers source: nobody is a prospect
    assert "prospect" not in stages
    # by mid-1998 most of the 1997 first-time buyers have been silent for months
    assert stages["lost"] > count_lifecycle / 2
