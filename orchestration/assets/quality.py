"""Data quality as Dagster asset checks.

- One check per Great Expectations suite in expectations/, on the asset the
  suite's meta names (`<suite>_suite`). A suite marked blocking stops what is
  downstream when a critical expectation fails: the raw-data suite keeps the
  marts at their last good state and the day's exports unwritten; the mart
  suites keep the serving copy and the exports at the last good day. Failures
  of warning-severity expectations show as WARN and block nothing.
- `transactions_freshness` on the raw file: dbt source freshness of
  source raw.transactions (thresholds in dbt vars), as WARN or ERROR; it never
  blocks, since as-of marts stay correct on an older feed.

Every check validates inside the warehouse and so runs in the warehouse pool.
"""


import json
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_dbt import DbtCliResource

from orchestration.assets.dbt import RAW_TRANSACTIONS_KEY
from orchestration.dbt_parse_cache import target_with_saved_parse
from orchestration.metadata import markdown_table
from orchestration.quality.runner import (
    RESULTS_TABLE,
    SuiteFile,
    SuiteOutcome,
    load_suites,
    relation_exists,
    suite_parameters,
    validate,
)
from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import RetentionSettings
from orchestration.warehouse import PROJECT_DIR

PARTITION_TAGS = ("dagster/partition", "dagster/asset_partition_range_end")


def _as_of_date(context: AssetCheckExecutionContext) -> str | None:
    tags = context.run.tags
    return next((tags[tag] for tag in PARTITION_TAGS if tags.get(tag)), None)


def suite_check_result(outcome: SuiteOutcome) -> AssetCheckResult:
    """The check result of a suite run: what failed, what was observed, and a
    few offending rows of each failed expectation."""
    failures = outcome.failures
    table = markdown_table(["severity", "expectation", "column", "observed", "unexpected"], [
        (item.severity, item.expectation, item.column or "", item.error or item.observed_value or "",
         "" if item.unexpected_count is None else f"{item.unexpected_count} ({item.unexpected_percent:.2f} %)")
        for item in failures
    ])
    metadata = {
        "suite_file": MetadataValue.path(str(outcome.suite.path.relative_to(PROJECT_DIR))),
        "relation": outcome.suite.relation,
        "expectations_met": f"{len(outcome.outcomes) - len(failures)}/{len(outcome.outcomes)}",
        "results_table": RESULTS_TABLE,
        "validation_run_id": outcome.run_id,
    }
    if failures:
        metadata["failed_expectations"] = MetadataValue.md(table)
        metadata["offending_rows"] = MetadataValue.json(
            {f"{item.expectation}({item.column or ''})": item.sample for item in failures}
        )
    return AssetCheckResult(
        passed=outcome.success,
        severity=AssetCheckSeverity.ERROR if outcome.critical_failures else AssetCheckSeverity.WARN,
        metadata=metadata,
        description=outcome.summary()[:2000],
    )


def build_suite_check(suite: SuiteFile):
    @asset_check(
        asset=AssetKey(list(suite.asset_key)),
        name=f"{suite.name}_suite",
        description=f"Great Expectations suite expectations/{suite.path.name}: {suite.description}",
        blocking=suite.blocking,
        pool=WAREHOUSE_POOL,
    )
    def _suite_check(context: AssetCheckExecutionContext, settings: RetentionSettings) -> AssetCheckResult:
        warehouse = Path(settings.warehouse_path)
        if not relation_exists(warehouse, suite.relation):
            # e.g. marts.customer_clv before the first good CLV fit: nothing to validate yet
            return AssetCheckResult(
                passed=False, severity=AssetCheckSeverity.WARN,
                description=f"{suite.relation} does not exist yet: nothing to validate.",
            )
        outcome = validate(
            suite,
            warehouse,
            suite_parameters(suite, warehouse),
            as_of_date=_as_of_date(context),
            run_id=context.run.run_id,
        )
        context.log.info(outcome.summary())
        return suite_check_result(outcome)

    return _suite_check


@asset_check(
    asset=RAW_TRANSACTIONS_KEY,
    name="transactions_freshness",
    description="dbt source freshness of raw.transactions: hours since the newest plausible order "
                "(dbt vars transactions_freshness_warn_after_hours / _error_after_hours). Never blocks.",
    pool=WAREHOUSE_POOL,
)
def transactions_freshness(
    context: AssetCheckExecutionContext, dbt: DbtCliResource, settings: RetentionSettings
) -> AssetCheckResult:
    settings.ensure_demo_data()
    dbt_vars = settings.dbt_vars()
    with target_with_saved_parse(dbt_vars, f"transactions_freshness-{context.run.run_id[:8]}") as target:
        invocation = dbt.cli(
            ["source", "freshness", "--select", "source:raw.transactions", "--vars", json.dumps(dbt_vars)],
            raise_on_error=False,
            target_path=target,
        )
        invocation.wait()
    try:
        results = invocation.get_artifact("sources.json")["results"]
    except FileNotFoundError:
        results = []
    if not results or "max_loaded_at_time_ago_in_s" not in results[0]:
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description="dbt source freshness did not run: see the run log.",
            metadata={"error": str((results[0].get("message") if results else None)
                                   or invocation.get_error() or "no result")[:2000]},
        )
    result = results[0]
    status = result["status"]
    hours = result["max_loaded_at_time_ago_in_s"] / 3600
    criteria = result.get("criteria", {})
    return AssetCheckResult(
        passed=status == "pass",
        severity=AssetCheckSeverity.ERROR if status in ("error", "runtime error") else AssetCheckSeverity.WARN,
        description=f"newest transaction {result['max_loaded_at']}, {hours:.1f} h before {result['snapshotted_at']}: {status}",
        metadata={
            "status": status,
            "newest_transaction_at": result["max_loaded_at"],
            "hours_since_newest_transaction": round(hours, 1),
            "warn_after_hours": (criteria.get("warn_after") or {}).get("count"),
            "error_after_hours": (criteria.get("error_after") or {}).get("count"),
        },
    )


SUITE_CHECKS = [build_suite_check(suite) for suite in load_suites().values()]
QUALITY_CHECKS = [*SUITE_CHECKS, transactions_freshness]
