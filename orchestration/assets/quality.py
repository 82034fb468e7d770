"""Data quality as Dagster asset checks.

- One check per Great Expectations suite in expectations/, on the asset the
  suite's meta names (`<suite>_suite`). A suite marked blocking stops what is
  downstream when a critical expectation fails: the raw-data suite keeps the
  marts at their last good state and the day's exports unwritten; the mart
  suites keep the serving copy and the exports at the last good day. Failures
  of warning-severity expectations show as WARN and block nothing.
- `transactions_freshness` on the raw file, the project's one definition of
  freshness: hours from the newest usable transaction in
  int_transactions_validated (the one typed copy of the file, so the check
  reads no file and starts no dbt process) to now in the business time zone,
  or to the end of a bundled data set's last day (var
  freshness_reference_date); thresholds in dbt vars, WARN or ERROR, with
  what to do about a stale feed. It never blocks, since as-of marts stay
  correct on an older feed.

Every check validates inside the warehouse and so runs in the warehouse pool.
"""


from datetime import date, datetime, time, timedelta
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


def freshness_reference(project_vars: dict) -> tuple[datetime, str]:
    """The moment freshness is measured against, in the business's local time,
    and how to say it: now in var business_timezone, or, for a data set with
    a known last day (var freshness_reference_date: the bundled demo and
    CDNOW), the end of that day."""
    timezone = project_vars["business_timezone"]
    reference_date = str(project_vars.get("freshness_reference_date") or "").strip()
    if reference_date:
        end_of_day = datetime.combine(date.fromisoformat(reference_date) + timedelta(days=1), time())
        return end_of_day, f"the end of {reference_date}, the data set's last day"
    now = datetime.now(ZoneInfo(timezone)).replace(tzinfo=None)
    return now, f"now, {now:%Y-%m-%d %H:%M:%S} ({timezone})"


def transactions_freshness_result(warehouse: Warehouse | str | Path, dbt_vars: dict) -> AssetCheckResult:
    """The freshness of the feed, the project's one definition: hours from the
    newest usable order (int_transactions_validated, local time of var
    business_timezone) to freshness_reference(), judged by vars
    transactions_freshness_warn_after_hours / _error_after_hours. A stale feed
    says what to do about it."""
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
    if newest is None:
        return AssetCheckResult(
            passed=False, severity=AssetCheckSeverity.ERROR,
            description="no usable transaction at all: see the checks on int_transactions_validated.",
        )
    reference, against = freshness_reference(project_vars)
    hours = (reference - newest).total_seconds() / 3600
    status = "error" if hours > error_after else "warn" if hours > warn_after else "pass"
    description = f"newest transaction {newest:%Y-%m-%d %H:%M:%S}, {hours:.1f} h before {against}: {status}"
    if status != "pass":
        description += (
            f"\nthe feed is {hours / 24:.1f} days behind: marts of a later day read the missing orders "
            f"as customers gone quiet."
            f"\nif the feed is late, deliver the last day it covers: --as-of-date {newest:%Y-%m-%d} "
            f"(or that partition in Dagster); if it stopped, check the export that writes it."
            f"\na data set that ends on a known day sets var freshness_reference_date to it."
        )
    return AssetCheckResult(
        passed=status == "pass",
        severity=AssetCheckSeverity.ERROR if status == "error" else AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "status": status,
            "newest_transaction_at": f"{newest:%Y-%m-%d %H:%M:%S}",
            "measured_against": against,
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
