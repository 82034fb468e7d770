"""Every dbt model, seed and test as Dagster assets and asset checks."""

from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.project import retention_project


class RetentionDbtTranslator(DagsterDbtTranslator):
    """Groups assets by the layer they live in: staging, intermediate, marts, reference (seeds)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "default"


@dbt_assets(
    manifest=retention_project.manifest_path,
    project=retention_project,
    dagster_dbt_translator=RetentionDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
)
def retention_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()
