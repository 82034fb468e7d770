"""The day's call sheet for sales, as files: exports/<as_of_date>/call_sheet.csv
and one file per action list (seeds/action_lists.csv, named after the list),
each as CSV for Excel and Parquet for tools.

Everything comes from marts.call_sheet (one definition, in SQL, kept per
as-of date): the per-list files are views of the sheet (its rows of that
list, in sheet order), so a customer is in at most one file a day. These
assets only write them, for every day of the run's partition window (one
day, or each day of a backfill). The CSV is what a sales person opens in
Excel (orchestration/sales_files.py: UTF-8 with a BOM, headers in words,
money in cents, Yes/No); the contact columns (name, e-mail, phone, account
owner) are in it when the customers file has them. The Parquet file keeps
every typed column of the mart. Files are written under a temporary name and
renamed into place, so a failed run never leaves a half-written file.
"""

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
from orchestration.sales_files import sales_frame, write_cells_csv, write_parquet
from orchestration.settings import RetentionSettings
from orchestration.vocabularies import ACTION_LISTS

CALL_SHEET_KEY = AssetKey(["marts", "call_sheet"])
SHEET_FILE = "call_sheet"
CONTACT_COLUMNS = ["customer_name", "email", "phone", "account_owner"]
# coded values a sales person reads in words in the CSV (underscores become spaces);
# the Parquet file keeps the codes
CODE_COLUMNS = ["action_list", "recommended_channel", "contact_status", "profit_tier", "reason_category",
                "lifecycle_stage", "rfm_segment"]
# the CSV's columns, in the order a sales person reads them; the Parquet
# file has every column of the mart
SALES_COLUMNS = [
    "sheet_rank", "customer_id", *CONTACT_COLUMNS, "action_list", "recommended_action",
    "recommended_channel", "channel_rank", "contact_status", "channel_note", "alert_reason",
    "is_new_alert", "value_at_stake_amount", "expected_future_margin_amount", "second_lifetime_value_amount",
    "profit_tier", "reason_category", "lifecycle_stage", "rfm_segment", "days_since_last_purchase",
    "expected_interval_days", "last_purchase_date", "state_entered_date", "as_of_date",
]


def ensure_computed(connection: duckdb.DuckDBPyConnection, as_of_date: str) -> None:
    """An error when the day was never computed (rather than an empty list)."""
    computed = connection.execute(
        "select count(*) from marts.customer_segment_history where as_of_date = cast(? as date)", [as_of_date]
    ).fetchone()[0]
    if not computed:
        raise RuntimeError(f"as-of date {as_of_date} is not in the warehouse: refusing to write an empty list")


def read_call_sheet(connection: duckdb.DuckDBPyConnection, as_of_date: str) -> pd.DataFrame:
    """One day of marts.call_sheet in sheet order, without the control group
    (contact_status 'holdout': not to be contacted, so not in sales' files;
    they stay in the mart and in marts.alert_log)."""
    ensure_computed(connection, as_of_date)
    return connection.execute(
        "select * from marts.call_sheet where as_of_date = cast(? as date) "
        "and contact_status <> 'holdout' order by sheet_rank",
        [as_of_date],
    ).df()


def sales_columns(frame: pd.DataFrame) -> list[str]:
    """The CSV's columns: SALES_COLUMNS, without contact columns nobody filled
    in, and without the churn reason when no customer has one on file."""
    def says_something(column: str) -> bool:
        if column in CONTACT_COLUMNS:
            return bool(frame[column].notna().any())
        if column == "reason_category":
            return bool((frame[column].fillna("unknown") != "unknown").any())
        return True

    return [column for column in SALES_COLUMNS if column in frame.columns and says_something(column)]


def in_words(frame: pd.DataFrame) -> pd.DataFrame:
    """The CSV's copy of the frame with coded values in words."""
    words = frame.copy()
    for column in CODE_COLUMNS:
        if column in words.columns and words[column].notna().any():
            words[column] = words[column].map(lambda value: value.replace("_", " ") if isinstance(value, str) else value)
    return words


def write_day(sheet: pd.DataFrame, directory: Path) -> list[Path]:
    """The sheet and its per-list views as CSV (for people) and Parquet
    (typed). The sheet's cells are formatted once and each list's CSV takes
    its rows, so a column reads the same in every file of the day (and a
    365-day backfill formats each day once, not four times)."""
    written = []
    cells = sales_frame(in_words(sheet[sales_columns(sheet)]))
    for name in [SHEET_FILE, *ACTION_LISTS]:
        rows = (sheet["action_list"] == name).to_numpy() if name != SHEET_FILE else slice(None)
        written.append(write_cells_csv(cells[rows], directory / f"{name}.csv"))
        written.append(write_parquet(sheet[rows].reset_index(drop=True), directory / f"{name}.parquet"))
    return written


def counts_table(sheet: pd.DataFrame) -> str:
    if sheet.empty:
        return "(nobody to contact)"
    counts = (
        sheet.groupby(["action_list", "recommended_channel", "contact_status"], dropna=False)
        .size().rename("customers").reset_index()
    )
    return markdown_table([*counts.columns], counts.itertuples(index=False))


@asset(
    name="call_sheet_export",
    group_name="exports",
    deps=[CALL_SHEET_KEY],
    partitions_def=as_of_date_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    description=(
        "marts.call_sheet of each day of the run as exports/<as_of_date>/call_sheet.csv and one file per "
        "action list (" + ", ".join(ACTION_LISTS) + "): CSV for Excel, Parquet with the typed columns."
    ),
)
def call_sheet_export(context: AssetExecutionContext, settings: RetentionSettings) -> MaterializeResult:
    days = as_of_dates(context)
    in_days = "as_of_date in (" + ", ".join(f"date '{day}'" for day in days) + ")"
    relations = {"marts.call_sheet": in_days, "marts.customer_segment_history": in_days}
    with settings.warehouse() as warehouse, warehouse.duckdb_copy(relations) as connection:
        for as_of_date in days:
            sheet = read_call_sheet(connection, as_of_date)
            directory = Path(settings.exports_dir) / as_of_date
            write_day(sheet, directory)
    # the metadata describes the last (newest) day written
    today = sheet[sheet["contact_status"] == "contact_today"]
    return MaterializeResult(metadata={
        "as_of_date": as_of_date,
        "days_written": len(days),
        "row_count": len(sheet),
        "contact_today": len(today),
        "waiting": len(sheet) - len(today),
        "new_alerts": int(sheet["is_new_alert"].sum()) if len(sheet) else 0,
        "csv": MetadataValue.path(str(directory / f"{SHEET_FILE}.csv")),
        "parquet": MetadataValue.path(str(directory / f"{SHEET_FILE}.parquet")),
        "customers per list, channel and status": MetadataValue.md(counts_table(sheet)),
    })
