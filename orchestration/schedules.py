"""Materialize the latest complete day every morning in the business's time zone
(dbt var business_timezone, read by the partitions). On by default under `dagster dev`."""

import os

from dagster import DefaultScheduleStatus, build_schedule_from_partitioned_job

from orchestration.jobs import daily_retention_job

daily_retention_schedule = build_schedule_from_partitioned_job(
    daily_retention_job,
    hour_of_day=int(os.environ.get("RETENTION_SCHEDULE_HOUR", "6")),
    minute_of_hour=int(os.environ.get("RETENTION_SCHEDULE_MINUTE", "0")),
    default_status=DefaultScheduleStatus.RUNNING,
)
