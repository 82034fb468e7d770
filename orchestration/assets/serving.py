"""Publish the marts to the serving copy BI tools read.

BI tools never open the warehouse file the pipeline writes (DuckDB allows
one writer, and an open reader blocks it). After a successful run this asset
copies the marts into a new DuckDB file and renames it over the serving
file: a connection opened before the swap keeps reading the previous day, a
connection opened after it reads the new day, and nobody sees a mix. When
the run fails upstream this asset does not run, so the serving copy keeps
the last good day. It never goes back in time: a backfill of older days
updates the history in the warehouse but leaves a newer serving copy alone.

The CLV tables never hold the day back: they are copied as the warehouse
holds them (the last good fit, possibly older than the day; none before the
first good fit), and marts.publication says whether the day's fit succeeded
(clv_status), why not (clv_message) and which day the CLV tables show
(clv_as_of_date).
"""

import os
import uuid
from pathlib import Path

from dagster import AssetExecutionContext, BackfillPolicy, MaterializeResult, MetadataValue, asset

from orchestration.assets.clv import CLV_KEYS
from orchestration.assets.dbt import retention_dbt_daily
from orchestration.clv.store import clv_status
from orchestration.engine import Warehouse, as_warehouse
from orchestration.metadata import markdown_table
from orchestration.partitions import as_of_date_partitions
from orchestration.resources import WAREHOUSE_POOL
from orchestration.settings import RetentionSettings
from orchestration.warehouse import connect as warehouse_connection

# every model of models/marts (their asset keys are marts/<model>) and the CLV tables
MART_KEYS = sorted([*(key for key in retention_dbt_daily.keys if key.path[0] == "marts"), *CLV_KEYS], key=str)
MARTS = [key.path[-1] for key in MART_KEYS]


def published_as_of_date(serving_path: Path):
    """The day the serving copy shows, or None when there is none yet."""
    if not serving_path.exists():
        return None
    with warehouse_connection(str(serving_path), read_only=True) as connection:
        return connection.execute("select max(as_of_date) from marts.publication").fetchone()[0]


def publish(warehouse: Warehouse | str, serving_path: Path) -> tuple[object, dict[str, int], dict]:
    """Copy every mart into a new file and swap it in atomically.

    Returns the day the marts show, the row counts and the CLV status, or
    (day, {}, status) when the serving copy already shows a newer day and is
    left alone. The marts come from either engine (orchestration/engine.py):
    on Spark batch by batch into the new DuckDB file.
    """
    warehouse = as_warehouse(warehouse)
    as_of_date = warehouse.query("select max(as_of_date) from marts.customer_lifecycle")[0][0]
    clv = clv_status(warehouse, as_of_date)
    current = published_as_of_date(serving_path)
    if current is not None and current > as_of_date:
        return as_of_date, {}, clv
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex}.tmp")
    present = [mart for mart in MARTS if warehouse.relation_exists(f"marts.{mart}")]  # no CLV before a first fit
    row_counts = {}
    try:
        with warehouse_connection(temporary) as connection:
            for mart in present:
                row_counts[mart] = warehouse.copy_into(connection, f"marts.{mart}")
            connection.execute(
                "create table marts.publication as select cast(? as date) as as_of_date, "
                "current_timestamp as published_at, cast(? as varchar) as clv_status, "
                "cast(? as date) as clv_as_of_date, cast(? as varchar) as clv_message",
                [as_of_date, clv["clv_status"], clv["clv_as_of_date"], clv["clv_message"]],
            )
        os.replace(temporary, serving_path)
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
    return as_of_date, row_counts, clv


@asset(
    name="serving_copy",
    group_name="serving",
    deps=MART_KEYS,
    partitions_def=as_of_date_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description="The marts copied to the serving DuckDB file (RETENTION_SERVING_PATH) that BI tools read.",
)
def serving_copy(context: AssetExecutionContext, settings: RetentionSettings) -> MaterializeResult:
    serving_path = Path(settings.serving_path)
    with settings.warehouse() as warehouse:
        as_of_date, row_counts, clv = publish(warehouse, serving_path)
    if not row_counts:
        context.log.info(f"serving copy shows a day newer than {as_of_date}; left as it is")
    return MaterializeResult(metadata={
        "as_of_date": str(as_of_date),
        "published": bool(row_counts),
        "clv_status": clv["clv_status"],
        "clv_as_of_date": str(clv["clv_as_of_date"]),
        "path": MetadataValue.path(str(serving_path)),
        "row counts": MetadataValue.md(markdown_table(["mart", "rows"], row_counts.items())),
    })
