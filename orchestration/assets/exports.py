"""The day's alert lists for sales, as files: exports/<as_of_date>/<list>.csv and .parquet.

The lists come from marts.customer_alerts (one definition, in SQL, kept per
as-of date); these assets only write them, for every day of the run's
partition window (one day, or each day of a backfill). Each file is written
under a temporary name and renamed into place, so a failed run never leaves
a half-written file.
"""

import os
import uuid
from pathlib import Path

import duckdb
import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.partitions import as_of_date_partitions, as_of_dates
from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import RetentionSettings

ALERT_TYPES = ["repurchase_due", "churn_risk", "winback"]
CUSTOMER_ALERTS_KEY = AssetKey(["marts", "customer_alerts"])


def write_atomically(frame: pd.DataFrame, path: Path) -> None:
    """Write CSV (UTF-8, header) or Parquet to a temporary name, then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        if path.suffix == ".csv":
            frame.to_csv(temporary, index=False, encoding="utf-8")
        else:
            frame.to_parquet(temporary, index=False)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def read_alerts(warehouse: str, alert_type: str, as_of_date: str) -> pd.DataFrame:
    """One day's list; an error when that day was never computed (rather than an empty file)."""
    with duckdb.connect(warehouse, read_only=True) as connection:
        computed = connection.execute(
            "select count(*) from marts.customer_segment_history where as_of_date = cast(? as date)", [as_of_date]
        ).fetchone()[0]
        if not computed:
            raise RuntimeError(f"as-of date {as_of_date} is not in the warehouse: refusing to write an empty list")
        return connection.execute(
            "select * from marts.customer_alerts "
            "where as_of_date = cast(? as date) and alert_type = ? order by alert_rank",
            [as_of_date, alert_type],
        ).df()


def counts_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "(no customers on this list)"
    counts = frame.groupby(["rfm_segment", "lifecycle_stage"]).size().rename("customers").reset_index()
    lines = ["| rfm_segment | lifecycle_stage | customers |", "|---|---|---|"]
    lines += [f"| {r.rfm_segment} | {r.lifecycle_stage} | {r.customers} |" for r in counts.itertuples()]
    return "\n".join(lines)


def build_alert_export(alert_type: str):
    @asset(
        name=f"{alert_type}_export",
        group_name="exports",
        deps=[CUSTOMER_ALERTS_KEY],
        partitions_def=as_of_date_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        description=f"The {alert_type} list of marts.customer_alerts as CSV and Parquet files for sales.",
    )
    def alert_export(context: AssetExecutionContext, settings: RetentionSettings) -> MaterializeResult:
        written, alerts = [], pd.DataFrame()
        for as_of_date in as_of_dates(context):
            alerts = read_alerts(settings.warehouse_path, alert_type, as_of_date)
            directory = Path(settings.exports_dir) / as_of_date
            for path in (directory / f"{alert_type}.csv", directory / f"{alert_type}.parquet"):
                write_atomically(alerts, path)
                written.append(path)
        # the metadata describes the last (newest) day written
        return MaterializeResult(metadata={
            "as_of_date": as_of_date,
            "days_written": len(written) // 2,
            "row_count": len(alerts),
            "new_alerts": int(alerts["is_new_alert"].sum()) if len(alerts) else 0,
            "customers per segment and stage": MetadataValue.md(counts_table(alerts)),
            "csv": MetadataValue.path(str(written[-2])),
            "parquet": MetadataValue.path(str(written[-1])),
        })

    return alert_export


alert_exports = [build_alert_export(alert_type) for alert_type in ALERT_TYPES]
