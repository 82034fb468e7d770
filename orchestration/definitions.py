"""Assembles the Dagster definitions; each concern lives in its own module."""

from dagster import Definitions

from orchestration.assets.dbt import retention_dbt_assets
from orchestration.resources import dbt_resource

defs = Definitions(
    assets=[retention_dbt_assets],
    resources={"dbt": dbt_resource},
)
