"""Data quality as Dagster asset checks.

- One check per Great Expectations suite in expectations/, on the asset the
  suite's meta names (`<suite>_suite`). A suite marked blocking stops what is
  downstream when a critical expectation fails: the raw-data suite keeps the
  marts at their last good state and the day's exports unwritten; the mart
  suites keep the serving copy and the exports at the last good day. Failures
  of warning-severity expectations show as WARN and block nothing.
- `transactions_freshness` on the raw file: hours from the newest usable
  transaction in int_transactions_validated (the one typed copy of the
  file, so the check reads no file and starts no dbt process) to now, in the
  business time zone (thresholds in dbt vars), as WARN or ERROR; it never
  blocks, since as-of marts stay correct on an older feed.

Every check validates inside the warehouse and so runs in the warehouse pool.
"""


from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from orchestration.assets.dbt import RAW_TRANSACTIONS_KEY
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
from orchestration.engine import Warehouse, as_warehouse
from orchestration.warehouse import PROJECT_DIR, project_dbt_vars

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
        with settings.warehouse() as warehouse:
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


VALIDATED_TRANSACTIONS = "intermediate.int_transactions_validated"
VALIDATED_TRANSACTIONS_KEY = AssetKey(["intermediate", "int_transactions_validated"])


def transactions_freshness_result(warehouse: Warehouse | str | Path, dbt_vars: dict) -> AssetCheckResult:
    """The freshness of the feed: the newest usable order (local time of var
    business_timezone) against now in that time zone, judged by vars
    transactions_freshness_warn_after_hours / _error_after_hours."""
    project_vars = project_dbt_vars(dbt_vars)
    warn_after = float(project_vars["transactions_freshness_warn_after_hours"])
    error_after = float(project_vars["transactions_freshness_error_after_hours"])
    warehouse = as_warehouse(warehouse)
    if not relation_exists(warehouse, VALIDATED_TRANSACTIONS):
        return AssetCheckResult(
            passed=False, severity=AssetCheckSeverity.WARN,
            description=f"{VALIDATED_TRANSACTIONS} does not exist yet: no transaction has been loaded.",
        )
    newest = warehouse.query(
        f"select max(ordered_at) from {VALIDATED_TRANSACTIONS} where reject_reason is null")[0][0]
    # ordered_at is the business's local time; so is now
    now = datetime.now(ZoneInfo(project_vars["business_timezone"])).replace(tzinfo=None)
    if newest is None:
        return AssetCheckResult(
            passed=False, severity=AssetCheckSeverity.ERROR,
            description="no usable transaction at all: see the checks on int_transactions_validated.",
        )
    hours = (now - newest).total_seconds() / 3600
    status = "error" if hours > error_after else "warn" if hours > warn_after else "pass"
    return AssetCheckResult(
        passed=status == "pass",
        severity=AssetCheckSeverity.ERROR if status == "error" else AssetCheckSeverity.WARN,
        description=f"newest transaction {newest:%Y-%m-%d %H:%M:%S}, {hours:.1f} h before "
                    f"{now:%Y-%m-%d %H:%M:%S} ({project_vars['business_timezone']}): {status}",
        metadata={
            "status": status,
            "newest_transaction_at": f"{newest:%Y-%m-%d %H:%M:%S}",
            "hours_since_newest_transaction": round(hours, 1),
            "warn_after_hours": warn_after,
            "error_after_hours": error_after,
        },
    )


@asset_check(
    asset=RAW_TRANSACTIONS_KEY,
    name="transactions_freshness",
    description="Hours since the newest usable transaction (read from int_transactions_validated), "
                "dbt vars transactions_freshness_warn_after_hours / _error_after_hours. Never blocks.",
    additional_deps=[VALIDATED_TRANSACTIONS_KEY],
    pool=WAREHOUSE_POOL,
)
def transactions_freshness(context: AssetCheckExecutionContext, settings: RetentionSettings) -> AssetCheckResult:
    with settings.warehouse() as warehouse:
        return transactions_freshness_result(warehouse, settings.dbt_vars())


SUITE_CHECKS = [build_suite_check(suite) for suite in load_suites().values()]
QUALITY_CHECKS = [*SUITE_CHECKS, transactions_freshness]
