"""Write exports/<as_of_date>/report.html from the warehouse.

    python -m orchestration.report.build --as-of-date 2026-06-30

writes the report of the day the marts show (the Dagster asset
retention_report does the same after every run). The file is written under
a temporary name and renamed into place: a failed write never leaves half
a report.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from orchestration.clv.store import TABLES as CLV_TABLES
from orchestration.engine import Warehouse, as_warehouse
from orchestration.report import data as report_data
from orchestration.report.page import render
from orchestration.report.svg import number
from orchestration.vocabularies import ACTIVE_LIFECYCLE_STAGES
from orchestration.warehouse import table_exists

REPORT_FILE = "report.html"
# the dbt marts the report reads (besides the CLV tables and two reference seeds)
REPORTED_MARTS = [
    "customer_profile", "customer_lifecycle", "customer_rfm", "customer_value", "customer_segment_history",
    "customer_segment_transitions", "customer_purchase_intervals", "call_sheet", "retention_kpis",
    "cohort_retention", "winback_candidates",
]


def report_relations(as_of_date: date) -> dict[str, str | None]:
    """Every relation the report reads, with the rows it needs: of the marts
    kept per as-of date the history up to the day, of the others (one day,
    or small) every row."""
    day = f"date '{as_of_date.isoformat()}'"
    history = {"customer_segment_history", "call_sheet", "retention_kpis"}
    return {
        **{f"marts.{mart}": f"as_of_date <= {day}" if mart in history else None
           for mart in [*REPORTED_MARTS, *CLV_TABLES]},
        "marts.customer_segment_transitions": f"to_date <= {day}",  # pairs of days, from_date -> to_date
        "reference.rfm_segments": None,
        "reference.value_classes": None,
    }


@dataclass(frozen=True)
class WrittenReport:
    path: Path
    size_bytes: int
    customers: int
    customers_embedded: int
    notes: dict[str, str]


def _reference_order(connection: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [value for (value,) in connection.execute(sql).fetchall()]


def _summary(connection: duckdb.DuckDBPyConnection, data: report_data.ReportData) -> dict[str, str]:
    """The figures at the top of the page."""
    stages = data.counts["lifecycle_stage"].set_index("lifecycle_stage")["customers"]
    sheet = data.counts["call_sheet"]
    today = int(sheet.loc[sheet["contact_status"] == "contact_today", "customers"].sum()) if len(sheet) else 0
    newly_lost = connection.execute(
        "select count_newly_lost_customers from marts.retention_kpis where group_type = 'all' and as_of_date = ?",
        [data.as_of_date]).fetchone()
    return {
        "customers": number(data.customers_total),
        "active (not lost, not prospect)": number(sum(int(stages.get(stage, 0)) for stage in ACTIVE_LIFECYCLE_STAGES)),
        "lost": number(int(stages.get("lost", 0))),
        "newly lost today": number(newly_lost[0]) if newly_lost and newly_lost[0] is not None else "n/a",
        "to contact today": number(today),
        "CLV": f"fit of {data.clv_as_of_date}" if data.clv_as_of_date else "not available",
    }


def write_report(warehouse: Warehouse | str | Path, as_of_date: date, exports_dir: str | Path,
                 max_customers: int = report_data.MAX_DRILL_DOWN_CUSTOMERS) -> WrittenReport:
    """The report of as_of_date, from the warehouse's marts (either engine),
    into exports_dir/<as_of_date>/report.html."""
    with as_warehouse(warehouse).duckdb_copy(report_relations(as_of_date)) as connection:
        data = report_data.load(connection, as_of_date, max_customers)
        rfm_order = _reference_order(connection, """
            select rfm_segment from reference.rfm_segments group by rfm_segment
            order by max(r_score_min + r_score_max + fm_score_min + fm_score_max) desc, rfm_segment""")
        value_class_order = _reference_order(connection, """
            select value_class from reference.value_classes group by value_class
            order by min(case value_class_tier when 'high' then 0 when 'middle' then 1 else 2 end),
                     -- 'high' sorts before 'low': the high-high-high class first
                     min(m_level), min(r_level), min(f_level), value_class""")
        horizon = (connection.execute("select max(horizon_days) from marts.customer_clv").fetchone()[0]
                   if table_exists(connection, "marts", "customer_clv") else None)
        summary = _summary(connection, data)
    page = render(data, rfm_segment_order=rfm_order, value_class_order=value_class_order,
                  clv_horizon_days=horizon, summary=summary,
                  generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    directory = Path(exports_dir) / as_of_date.isoformat()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / REPORT_FILE
    temporary = directory / f".{REPORT_FILE}.{os.getpid()}.tmp"
    try:
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return WrittenReport(path=path, size_bytes=path.stat().st_size, customers=data.customers_total,
                         customers_embedded=len(data.drill_down), notes=data.notes)


def main() -> None:
    from orchestration.settings import RetentionSettings

    parser = argparse.ArgumentParser(description="Write the retention report of the day the marts show.")
    parser.add_argument("--as-of-date", help="YYYY-MM-DD (default: the day the marts show)")
    arguments = parser.parse_args()
    settings = RetentionSettings.from_env()
    with settings.warehouse() as warehouse:
        if arguments.as_of_date:
            day = date.fromisoformat(arguments.as_of_date)
        else:
            day = warehouse.query("select max(as_of_date) from marts.customer_lifecycle")[0][0]
        written = write_report(warehouse, day, settings.exports_dir)
    print(f"{written.path} ({written.size_bytes / 1024:,.0f} KiB, {written.customers:,} customers)")


if __name__ == "__main__":
    main()
