"""Each partition is an as-of date: the day every metric is computed for."""

import os

from dagster import DailyPartitionsDefinition

BUSINESS_TIMEZONE = os.environ.get("RETENTION_TIMEZONE", "UTC")

as_of_date_partitions = DailyPartitionsDefinition(
    start_date=os.environ.get("RETENTION_PARTITIONS_START", "2024-07-01"),
    timezone=BUSINESS_TIMEZONE,
)
