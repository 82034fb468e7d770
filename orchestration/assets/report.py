"""The day's retention report for people: exports/<as_of_date>/report.html.

One self-contained HTML file (orchestration/report): the lifecycle funnel,
the RFM grid, the eight value classes, segment migration since last week,
the call sheet and its trend, churn and repurchase rates over time, the
cohort triangle, the CLV distribution and the top win-back targets, each a
chart with its numbers beside it, and every count drills down to its
customers inside the file. It is written for the newest day of the run (the
day the marts show, as the serving copy); a backfill's older days are in
the history marts, and `python -m orchestration.report.build --as-of-date`
writes the report of the day the marts show at any time.

It reads the CLV scores as they stand: for the day when the day's fit
succeeded, otherwise the section says why it is empty, and the rest of the
report is written all the same. A report that cannot be written never costs
the day either: the check `report_written` fails with the reason (severity
ERROR), and the call-sheet files and the serving copy are delivered.
"""

from datetime import date

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.assets.clv import CLV_KEYS
from orchestration.metadata import markdown_table
from orchestration.partitions import as_of_date_partitions, as_of_dates
from orchestration.report.build import REPORTED_MARTS, write_report
from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import RetentionSettings

REPORT_CHECK = "report_written"


@asset(
    name="retention_report",
    group_name="exports",
    deps=[*(AssetKey(["marts", mart]) for mart in REPORTED_MARTS), *CLV_KEYS],
    partitions_def=as_of_date_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    check_specs=[AssetCheckSpec(
        REPORT_CHECK, asset="retention_report",
        description="The day's report was written; when not, why (the rest of the day is delivered all the same).",
    )],
    description=(
        "The day's retention report as exports/<as_of_date>/report.html: one self-contained HTML file (charts, "
        "the numbers beside them, and a drill-down from every count to its customers) that opens offline."
    ),
)
def retention_report(context: AssetExecutionContext, settings: RetentionSettings):
    as_of_date = as_of_dates(context)[-1]
    try:
        with settings.warehouse() as warehouse:
            written = write_report(warehouse, date.fromisoformat(as_of_date), settings.exports_dir)
    except Exception as error:  # noqa: BLE001 - a report that cannot be written never costs the day
        reason = f"{type(error).__name__}: {error}"[:2000]
        context.log.error(f"The report of {as_of_date} was not written: {reason}")
        yield MaterializeResult(metadata={"as_of_date": as_of_date, "status": "failed", "reason": reason})
        yield AssetCheckResult(check_name=REPORT_CHECK, passed=False, severity=AssetCheckSeverity.ERROR,
                               description=f"The report of {as_of_date} was not written. {reason}"[:2000])
        return
    empty = markdown_table(["section", "why it is empty"], written.notes.items()) if written.notes else "(none)"
    yield MaterializeResult(metadata={
        "as_of_date": as_of_date,
        "status": "written",
        "path": MetadataValue.path(str(written.path)),
        "size_kib": round(written.size_bytes / 1024, 1),
        "customers": written.customers,
        "customers_in_drill_down": written.customers_embedded,
        "sections without data": MetadataValue.md(empty),
    })
    yield AssetCheckResult(check_name=REPORT_CHECK, passed=True,
                           description=f"{written.path} ({written.size_bytes / 1024:,.0f} KiB)")
