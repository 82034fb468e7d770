"""Every dbt model, seed and test as Dagster assets and asset checks.

Two groups of dbt nodes, each one dbt invocation:
- the as-of independent nodes (staging views, the incremental load of
  int_transactions_validated, customer-days, occasions, states, seeds): one
  unpartitioned @dbt_assets. The blocking rules on a load are dbt tests on
  int_transactions_validated, so they stop everything below it inside this
  one invocation; the raw-data suites warn on that table afterwards;
- everything from int_as_of_dates_resolved downstream: partitioned by as-of
  date. A run for a partition window passes it to dbt (as the environment
  variables RETENTION_AS_OF_DATE_START / _END, see build()), so a backfill of
  any range is one run and one pass of SQL (BackfillPolicy.single_run).
Both write the one DuckDB file, so both run in the warehouse pool. dbt unit
tests do not depend on the data, so runs leave them out
(--exclude-resource-type unit_test, as dbt recommends outside development);
`make test` runs them. (No
fetch_column_metadata(): it opens the warehouse inside the Dagster process
and holds DuckDB's write lock against the next dbt run; column docs come
from the yml through the manifest.)
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_parse_cache import target_with_saved_parse
from orchestration.environment import environment
from orchestration.partitions import as_of_date_partitions, as_of_dates
from orchestration.project import retention_project
from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import RetentionSettings

AS_OF_DEPENDENT = "int_as_of_dates_resolved+"
BUILD = ["build", "--exclude-resource-type", "unit_test"]


def raw_file_key(name: str) -> AssetKey:
    """The asset of the input file that dbt source raw.<name> declares
    (orchestration/assets/raw.py): raw_transactions_file, raw_customers_file, ..."""
    return AssetKey(f"raw_{name}_file")


RAW_TRANSACTIONS_KEY = raw_file_key("transactions")


class RetentionDbtTranslator(DagsterDbtTranslator):
    """Groups assets by layer (staging, intermediate, marts, reference for
    seeds); a dbt source raw.<name> is the raw file's asset, so each staging
    model depends on its file."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source" and dbt_resource_props["source_name"] == "raw":
            return raw_file_key(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "default"


def build(context: AssetExecutionContext, dbt: DbtCliResource, settings: RetentionSettings,
          as_of_window: tuple[str, str] | None = None):
    """`dbt build` of the op's selection with the settings' vars, starting
    from the saved parse of those vars (orchestration/dbt_parse_cache.py).

    The partition window goes to dbt as the environment variables
    RETENTION_AS_OF_DATE_START / _END (macros/definitions/as_of_dates.sql),
    not as vars: both invocations of a run then share the vars, and the
    daily one starts from the parse the base one saved instead of parsing
    the whole project again (about 7 s)."""
    settings.ensure_demo_data()
    # DuckDB creates the warehouse file but not its folder (run_dbt makes it
    # for the parse; a removed warehouse/ folder must not fail the next run)
    Path(settings.warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    dbt_vars = settings.dbt_vars()
    name = f"{context.op_execution_context.op.name}-{context.run.run_id[:8]}"
    with target_with_saved_parse(dbt_vars, name) as target, as_of_window_environment(as_of_window):
        yield from dbt.cli([*BUILD, "--vars", json.dumps(dbt_vars)], context=context, target_path=target).stream()


AS_OF_WINDOW_ENV = ("RETENTION_AS_OF_DATE_START", "RETENTION_AS_OF_DATE_END")


def as_of_window_environment(window: tuple[str, str] | None):
    """The dbt subprocess started inside sees the window (first, last day) in
    AS_OF_WINDOW_ENV, or neither variable."""
    return environment(dict(zip(AS_OF_WINDOW_ENV, window or (None, None))))


TRANSLATOR = RetentionDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=retention_project.manifest_path,
    project=retention_project,
    exclude=AS_OF_DEPENDENT,
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
    name="retention_dbt_base",
)
def retention_dbt_base(context: AssetExecutionContext, dbt: DbtCliResource, settings: RetentionSettings):
    yield from build(context, dbt, settings)


@dbt_assets(
    manifest=retention_project.manifest_path,
    project=retention_project,
    select=AS_OF_DEPENDENT,
    partitions_def=as_of_date_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
    name="retention_dbt_daily",
)
def retention_dbt_daily(context: AssetExecutionContext, dbt: DbtCliResource, settings: RetentionSettings):
    days = as_of_dates(context)
    first_day, last_day = days[0], days[-1]
    context.log.info(f"as-of dates {first_day} .. {last_day} in one dbt run")
    yield from build(context, dbt, settings, as_of_window=(first_day, last_day))
