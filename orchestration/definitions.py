"""Assembles the Dagster definitions; each concern lives in its own module."""

from dagster import Definitions

from orchestration.assets.clv import customer_clv_fit
from orchestration.assets.dbt import retention_dbt_base, retention_dbt_daily
from orchestration.assets.exports import call_sheet_export
from orchestration.assets.quality import QUALITY_CHECKS
from orchestration.assets.raw import OPTIONAL_RAW_FILES, raw_transactions_file
from orchestration.assets.report import retention_report
from orchestration.assets.serving import serving_copy
from orchestration.jobs import daily_retention_job
from orchestration.resources import build_resources
from orchestration.schedules import daily_retention_schedule

ALL_ASSETS = [
    raw_transactions_file,
    retention_dbt_base,
    retention_dbt_daily,
    customer_clv_fit,
    call_sheet_export,
    retention_report,
    serving_copy,
]
ALL_CHECKS = QUALITY_CHECKS

defs = Definitions(
    assets=[*ALL_ASSETS, *OPTIONAL_RAW_FILES],
    asset_checks=ALL_CHECKS,
    jobs=[daily_retention_job],
    schedules=[daily_retention_schedule],
    resources=build_resources(),
)
