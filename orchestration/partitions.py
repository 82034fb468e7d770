"""Each partition is an as-of date: the day every metric is computed for."""

import os
from datetime import timedelta

from dagster import AssetExecutionContext, DailyPartitionsDefinition

from orchestration.warehouse import business_timezone

# the dbt var business_timezone: a day of the partitions is a day of the marts
BUSINESS_TIMEZONE = business_timezone()

as_of_date_partitions = DailyPartitionsDefinition(
    start_date=os.environ.get("RETENTION_PARTITIONS_START", "2024-07-01"),
    timezone=BUSINESS_TIMEZONE,
)


# the tags of a run over a range of partitions (a single-run backfill), as the
# Dagster UI writes them; the CLI's `backfill` and the tests launch ranges with them
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def as_of_dates(context: AssetExecutionContext) -> list[str]:
    """The as-of dates of a run's partition window (one day, or each day of a backfill), oldest first."""
    window = context.partition_time_window
    count = (window.end - window.start).days
    return [(window.start + timedelta(days=offset)).date().isoformat() for offset in range(count)]
