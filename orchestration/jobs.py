"""The daily job: every asset, one as-of date partition (or a range, as one run)."""

from dagster import AssetSelection, define_asset_job

from orchestration.partitions import as_of_date_partitions
from orchestration.resources import WAREHOUSE_RUN_TAG

daily_retention_job = define_asset_job(
    name="daily_retention",
    selection=AssetSelection.all(),
    partitions_def=as_of_date_partitions,
    tags={WAREHOUSE_RUN_TAG: "writer"},
    description=("Build the warehouse for an as-of date, export the alert lists, write the report and publish the "
                 "serving copy."),
)
