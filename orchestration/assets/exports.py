"""The day's alert lists for sales, as files: exports/<as_of_date>/<list>.csv and .parquet.

The lists come from marts.customer_alerts (one definition, in SQL); these
assets only write them. Each file is written under a temporary name and
renamed into place, so a failed run never leaves a half-written file. A
backfill writes the files of its last day (earlier days are in
marts.customer_segment_history).
"""

import os
import uuid
from datetime import timedelta
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

from orchestration.partitions import as_of_date_partitions
from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import RetentionSettings

ALERT_TYPES = ["repurchase_due", "churn_risk", "winback"]
CUSTOMER_ALERTS_KEY = AssetKey(["marts", "customer_alerts"])


def last_as_of_date(context: AssetExecutionContext) -> str:
    return (context.partition_time_window.end - timedelta(days=1)).date().isoformat()


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
    with duckdb.connect(warehouse, read_only=True) as connection:
        shown = connection.execute("select max(as_of_date) from marts.customer_lifecycle").fetchone()[0]
        if str(shown) != as_of_date:
            raise RuntimeError(f"the marts show {shown}, not {as_of_date}: refusing to export another day")
        return connection.execute(
            "select * from marts.customer_alerts where alert_type = ? order by alert_rank",
            [alert_type],
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
        as_of_date = last_as_of_date(context)
        alerts = read_alerts(settings.warehouse_path, alert_type, as_of_date)
        directory = Path(settings.exports_dir) / as_of_date
        paths = [directory / f"{alert_type}.csv", directory / f"{alert_type}.parquet"]
        for path in paths:
            write_atomically(alerts, path)
        return MaterializeResult(metadata={
            "as_of_date": as_of_date,
            "row_count": len(alerts),
            "new_alerts": int(alerts["is_new_alert"].sum()) if len(alerts) else 0,
            "customers per segment and stage": MetadataValue.md(counts_table(alerts)),
            "csv": MetadataValue.path(str(paths[0])),
            "parquet": MetadataValue.path(str(paths[1])),
        })

    return alert_export


alert_exports = [build_alert_export(alert_type) for alert_type in ALERT_TYPES]
