"""The raw input as an asset, so the graph starts where the data does."""

from pathlib import Path

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.assets.dbt import RAW_TRANSACTIONS_KEY
from orchestration.settings import RetentionSettings
from orchestration.warehouse import connect as warehouse_connection


@asset(key=RAW_TRANSACTIONS_KEY, group_name="raw", description="The transactions file(s) the warehouse reads.")
def raw_transactions_file(context: AssetExecutionContext, settings: RetentionSettings) -> MaterializeResult:
    settings.ensure_demo_data()
    path = settings.transactions_path
    with warehouse_connection() as connection:
        files = [row[0] for row in connection.execute("select file from glob(?)", [path]).fetchall()]
    if not files:
        raise FileNotFoundError(f"RETENTION_TRANSACTIONS_PATH {path!r} matches no file")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(path),
        "files": len(files),
        "bytes": sum(Path(f).stat().st_size for f in files),
        "demo_data": settings.uses_demo_data(),
    })
