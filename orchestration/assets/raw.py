"""The raw input as an asset, so the graph starts where the data does."""

from pathlib import Path

from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, MetadataValue, asset

from orchestration.assets.dbt import RAW_TRANSACTIONS_KEY, raw_file_key
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


# The optional files (dbt sources raw.customers, raw.service_costs,
# raw.churn_reasons): declared so the graph shows where their staging models
# read from; read by dbt only, never materialized here.
OPTIONAL_RAW_FILES = [
    AssetSpec(raw_file_key(name), group_name="raw", description=description)
    for name, description in [
        ("customers", "The optional customers file (RETENTION_CUSTOMERS_PATH, var customers_path)."),
        ("service_costs", "The optional cost-to-serve file (var service_costs_path)."),
        ("churn_reasons", "The optional churn-reasons file (var churn_reasons_path)."),
    ]
]
