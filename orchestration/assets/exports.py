"""The day's alert lists for sales, as files: exports/<as_of_date>/<list>.csv and .parquet.

The lists come from marts.customer_alerts (one definition, in SQL, kept per
as-of date); these assets only write them, for every day of the run's
partition window (one day, or each day of a backfill). Each file is written
under a temporary name and renamed into place, so a failed run never leaves
a half-written file.

The win-back file of the run's latest day is marts.winback_candidates
(ranked by second lifetime value x retainability, winback_rank order). That
mart is a snapshot of the latest day only, so the older days of a backfill
range keep what they had before: the winback list of marts.customer_alerts
(lost customers by alert_rank, other columns), with a log line saying so.
The same holds for the latest day when an overlapping run for a newer day
replaced the snapshot before this export ran.
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

from orchestration.metadata import markdown_table
from orchestration.partitions import as_of_date_partitions, as_of_dates
from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import RetentionSettings

ALERT_TYPES = ["repurchase_due", "churn_risk", "winback"]
CUSTOMER_ALERTS_KEY = AssetKey(["marts", "customer_alerts"])
WINBACK_CANDIDATES_KEY = AssetKey(["marts", "winback_candidates"])


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


def ensure_computed(connection: duckdb.DuckDBPyConnection, as_of_date: str) -> None:
    """An error when the day was never computed (rather than an empty list)."""
    computed = connection.execute(
        "select count(*) from marts.customer_segment_history where as_of_date = cast(? as date)", [as_of_date]
    ).fetchone()[0]
    if not computed:
        raise RuntimeError(f"as-of date {as_of_date} is not in the warehouse: refusing to write an empty list")


def read_alerts(warehouse: str, alert_type: str, as_of_date: str) -> pd.DataFrame:
    """One day's list of marts.customer_alerts."""
    with duckdb.connect(warehouse, read_only=True) as connection:
        ensure_computed(connection, as_of_date)
        return connection.execute(
            "select * from marts.customer_alerts "
            "where as_of_date = cast(? as date) and alert_type = ? order by alert_rank",
            [as_of_date, alert_type],
        ).df()


def read_winback_candidates(warehouse: str, as_of_date: str) -> pd.DataFrame | None:
    """The ranked win-back candidates of the run's latest day, or None when the
    snapshot marts hold another day: a run for a newer day, queued on the
    warehouse pool, replaced them before this export ran."""
    with duckdb.connect(warehouse, read_only=True) as connection:
        ensure_computed(connection, as_of_date)
        snapshot = connection.execute("select max(as_of_date) from marts.winback_candidates").fetchone()[0]
        if str(snapshot) != as_of_date:
            return None
        return connection.execute(
            "select * from marts.winback_candidates where as_of_date = cast(? as date) order by winback_rank",
            [as_of_date],
        ).df()


def counts_table(frame: pd.DataFrame, columns: tuple[str, str] = ("rfm_segment", "lifecycle_stage")) -> str:
    if frame.empty:
        return "(no customers on this list)"
    counts = frame.groupby(list(columns), dropna=False).size().rename("customers").reset_index()
    return markdown_table([*columns, "customers"], counts.itertuples(index=False))


def build_alert_export(alert_type: str):
    is_winback = alert_type == "winback"

    @asset(
        name=f"{alert_type}_export",
        group_name="exports",
        deps=[CUSTOMER_ALERTS_KEY, WINBACK_CANDIDATES_KEY] if is_winback else [CUSTOMER_ALERTS_KEY],
        partitions_def=as_of_date_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        description=(
            "marts.winback_candidates (latest day of the run; older days of a backfill: the winback list "
            "of marts.customer_alerts) as CSV and Parquet files for sales."
            if is_winback else
            f"The {alert_type} list of marts.customer_alerts as CSV and Parquet files for sales."
        ),
    )
    def alert_export(context: AssetExecutionContext, settings: RetentionSettings) -> MaterializeResult:
        written, alerts = [], pd.DataFrame()
        days = as_of_dates(context)
        for as_of_date in days:
            latest = is_winback and as_of_date == days[-1]
            alerts = read_winback_candidates(settings.warehouse_path, as_of_date) if latest else None
            if alerts is None:
                if is_winback:
                    context.log.info(
                        f"winback {as_of_date}: marts.winback_candidates holds another day (it is a snapshot of "
                        "a run's latest day), so the file is the winback list of marts.customer_alerts"
                    )
                alerts = read_alerts(settings.warehouse_path, alert_type, as_of_date)
            directory = Path(settings.exports_dir) / as_of_date
            for path in (directory / f"{alert_type}.csv", directory / f"{alert_type}.parquet"):
                write_atomically(alerts, path)
                written.append(path)
        # the metadata describes the last (newest) day written
        metadata = {
            "as_of_date": as_of_date,
            "days_written": len(written) // 2,
            "row_count": len(alerts),
            "csv": MetadataValue.path(str(written[-2])),
            "parquet": MetadataValue.path(str(written[-1])),
        }
        if "winback_rank" in alerts.columns:  # the candidates, not a customer_alerts list
            metadata["unknown_reasons"] = int((~alerts["is_reason_known"]).sum()) if len(alerts) else 0
            metadata["customers per reason and tier"] = MetadataValue.md(
                counts_table(alerts, ("reason_category", "value_tier"))
            )
        else:
            metadata["new_alerts"] = int(alerts["is_new_alert"].sum()) if len(alerts) else 0
            metadata["customers per segment and stage"] = MetadataValue.md(counts_table(alerts))
        return MaterializeResult(metadata=metadata)

    return alert_export


alert_exports = [build_alert_export(alert_type) for alert_type in ALERT_TYPES]
