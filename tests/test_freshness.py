"""The freshness check, the project's one definition of a fresh feed: hours
from the newest usable transaction to now in the business time zone, or to
the end of a bundled data set's last day (var freshness_reference_date)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import AssetCheckSeverity

from orchestration.assets.quality import freshness_reference, transactions_freshness_result


def _warehouse(tmp_path, *rows: tuple[str, str | None]) -> str:
    """A warehouse holding only int_transactions_validated's two columns the check reads."""
    path = str(tmp_path / "warehouse.duckdb")
    with duckdb.connect(path) as connection:
        connection.execute("create schema intermediate")
        connection.execute("create table intermediate.int_transactions_validated"
                           " (ordered_at timestamp, reject_reason varchar)")
        connection.executemany("insert into intermediate.int_transactions_validated values (?, ?)", rows)
    return path


def test_a_data_set_with_a_known_last_day_is_measured_against_its_end(tmp_path):
    warehouse = _warehouse(tmp_path, ("2026-06-30 09:30:00", None), ("2026-06-01 10:00:00", None),
                           # a rejected row never makes the feed look fresher
                           ("2026-06-30 23:00:00", "ordered_at_in_future"))
    result = transactions_freshness_result(warehouse, {"freshness_reference_date": "2026-06-30"})
    assert result.passed
    assert result.metadata["hours_since_newest_transaction"].value == 14.5
    assert result.metadata["measured_against"].value == "the end of 2026-06-30, the data set's last day"


@pytest.mark.parametrize(("reference", "status", "severity"), [
    ("2026-07-01", "warn", AssetCheckSeverity.WARN),     # 38.5 h: over 36, under 72
    ("2026-07-03", "error", AssetCheckSeverity.ERROR),   # 86.5 h
])
def test_a_stale_feed_says_how_old_it_is_and_what_to_do(tmp_path, reference, status, severity):
    warehouse = _warehouse(tmp_path, ("2026-06-30 09:30:00", None))
    result = transactions_freshness_result(warehouse, {"freshness_reference_date": reference})
    assert not result.passed
    assert result.severity == severity
    assert result.metadata["status"].value == status
    assert "--as-of-date 2026-06-30" in result.description


def test_without_a_reference_date_the_feed_is_measured_against_now_in_the_business_time_zone(tmp_path):
    # five hours ago on the business's wall clock: fresh in Tokyo's time,
    # although the same wall-clock time is in the future in UTC
    tokyo_now = datetime.now(ZoneInfo("Asia/Tokyo")).replace(tzinfo=None)
    warehouse = _warehouse(tmp_path, ((tokyo_now - timedelta(hours=5)).isoformat(sep=" ", timespec="seconds"), None))
    result = transactions_freshness_result(warehouse, {"business_timezone": "Asia/Tokyo"})
    assert result.passed
    assert 4.9 <= result.metadata["hours_since_newest_transaction"].value <= 5.2
    reference, against = freshness_reference({"business_timezone": "Asia/Tokyo", "freshness_reference_date": ""})
    assert abs((reference - tokyo_now).total_seconds()) < 60 and against.endswith("(Asia/Tokyo)")


def test_no_usable_transaction_is_an_error(tmp_path):
    warehouse = _warehouse(tmp_path, ("2026-06-30 09:30:00", "amount_missing"))
    result = transactions_freshness_result(warehouse, {})
    assert not result.passed and result.severity == AssetCheckSeverity.ERROR
