"""A short account of one day of the warehouse, read from the marts.

Every figure has one definition, the one the rest of the warehouse uses: the
customer counts per lifecycle stage, RFM segment, value class and profit tier
are the day's rows of marts.segment_summary (where a BI tool drills down
from), the call-sheet counts are the day's rows of marts.call_sheet (the rows
of the day's files: each list's file is the sheet's rows of that list), and
the CLV line is what the serving copy's marts.publication says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.report.build import REPORT_FILE
from orchestration.vocabularies import ACTION_LIST_LABELS, ACTION_LISTS, LIFECYCLE_STAGES, PROFIT_TIERS
from orchestration.warehouse import connect as warehouse_connection


@dataclass
class ActionList:
    contact_today: int  # rows of the list's file to contact today
    waiting: int  # rows of the list's file waiting for channel capacity
    new: int  # of all its rows: customers who entered their state on the list today
    held_out: int = 0  # control group (var holdout_share): on the sheet, not in the files, not contacted

    @property
    def customers(self) -> int:
        return self.contact_today + self.waiting


@dataclass
class WarehouseSummary:
    warehouse: Path
    as_of_date: object
    count_customers: int
    customers_per_lifecycle_stage: dict[str, int]
    customers_per_rfm_segment: dict[str, int]
    customers_per_value_class: dict[str, int]
    customers_per_profit_tier: dict[str, int]
    sheet_as_of_date: object
    action_lists: dict[str, ActionList]
    contacts_per_channel: dict[str, int] = field(default_factory=dict)
    rejects_per_reason: dict[str, int] = field(default_factory=dict)
    clv: str | None = None
    retention: list[str] | None = None
    serving_path: str | None = None
    exports_dir: str | None = None
    warehouse_line: str | None = None  # where the warehouse is, when not the file read (Spark)

    def render(self) -> str:
        def block(title: str, counts: dict[str, int]) -> list[str]:
            width = max((len(k) for k in counts), default=0)
            return [title] + [f"  {name:<{width}}  {count:>7,}" for name, count in counts.items()]

        where = f"the files in {self.exports_dir}" if self.exports_dir else "marts.call_sheet"
        total = sum(action_list.customers for action_list in self.action_lists.values())
        lines = [
            f"Customer retention warehouse as of {self.as_of_date}: {self.count_customers:,} customers",
            *block("Customers per lifecycle stage:", self.customers_per_lifecycle_stage),
            *block("Customers per RFM segment:", self.customers_per_rfm_segment),
            *block("Customers per value class:", self.customers_per_value_class),
            *block("Customers per profit tier:", self.customers_per_profit_tier),
            f"Call sheet for sales as of {self.sheet_as_of_date} ({where}): {total:,} customers, "
            "each on one list",
        ]
        for name, action_list in self.action_lists.items():
            label = f"{name} ({ACTION_LIST_LABELS[name]})"
            waiting = f", {action_list.waiting:,} waiting for capacity" if action_list.waiting else ""
            held_out = f", {action_list.held_out:,} held out (control group)" if action_list.held_out else ""
            lines.append(f"  {label:<28} {action_list.customers:>7,} customers, {action_list.new:,} new{waiting}"
                         f"{held_out}")
        if self.contacts_per_channel:
            channels = ", ".join(f"{channel} {count:,}" for channel, count in self.contacts_per_channel.items())
            lines.append(f"  contacts today per channel: {channels}")
        lines += [
            *(self.retention or []),
            *block("Rejected raw rows (marts.transaction_rejects):", self.rejects_per_reason or {"none": 0}),
            *([self.clv] if self.clv else []),
            "Drill down from any count: marts.segment_summary (drill_down_sql)",
            self.warehouse_line or f"Warehouse file: {self.warehouse}",
        ]
        if self.serving_path:
            lines.append(f"Serving copy for BI tools: {self.serving_path}")
        if self.exports_dir:
            lines.append(f"Call sheet files for sales: {self.exports_dir}")
            report = Path(self.exports_dir) / REPORT_FILE
            if report.exists():
                lines.append(f"Report (open in a browser): {report}")
        return "\n".join(lines)


def _counts(connection: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict[str, int]:
    return {str(name): int(count) for name, count in connection.execute(sql, params or []).fetchall()}


def action_lists(connection: duckdb.DuckDBPyConnection, as_of_date) -> dict[str, ActionList]:
    """The day's call sheet per action list, as the files hold it."""
    rows = connection.execute(
        "select action_list, count(*) filter (where contact_status = 'contact_today'), "
        "count(*) filter (where contact_status = 'waiting'), "
        "count(*) filter (where is_new_alert and contact_status <> 'holdout'), "
        "count(*) filter (where contact_status = 'holdout') "
        "from marts.call_sheet where as_of_date = cast(? as date) group by 1",
        [str(as_of_date)],
    ).fetchall()
    counts = {name: ActionList(int(today), int(waiting), int(new), int(held_out))
              for name, today, waiting, new, held_out in rows}
    return {name: counts.get(name, ActionList(0, 0, 0)) for name in ACTION_LISTS}


def retention_lines(connection: duckdb.DuckDBPyConnection, as_of_date) -> list[str]:
    """The day's headline of marts.retention_kpis (group 'all'): the day's
    movements and the window's churn and repurchase rates, or why the rates
    are not known yet; nothing for a warehouse built before the mart."""
    try:
        row = connection.execute(
            "select count_new_customers, count_newly_lost_customers, count_won_back_customers, window_days, "
            "window_start_date, is_window_start_known, count_active_at_window_start, churn_rate, repurchase_rate "
            "from marts.retention_kpis where group_type = 'all' and as_of_date = ?", [as_of_date]
        ).fetchone()
    except duckdb.CatalogException:
        return []
    if row is None:
        return []
    new, lost, won_back, days, start, known, active, churn, repurchase = row
    lines = [f"Retention (marts.retention_kpis): today {new:,} new, {lost:,} newly lost, {won_back:,} won back"]
    if not known:
        lines.append(f"  churn and repurchase rates over {days} days: not known until the history holds {start} "
                     f"(backfill the {days} days before {as_of_date} to see them)")
    elif churn is None:
        lines.append(f"  churn and repurchase rates over {days} days: nobody was active on {start}")
    else:
        lines.append(f"  over the {days} days since {start}: churn {churn:.1%}, repurchase {repurchase:.1%} "
                     f"of the {active:,} customers active then")
    return lines


def clv_line(serving_path: str | Path | None) -> str | None:
    """One line on the CLV of the serving copy, from its marts.publication
    (clv_status 'fitted', 'failed' or 'none', written with clv_as_of_date and
    clv_message); None when there is no copy, or one published before those
    columns existed."""
    if not serving_path or not Path(serving_path).exists():
        return None
    try:
        with warehouse_connection(str(serving_path), read_only=True) as connection:
            columns = {name for (name,) in connection.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'publication'"
            ).fetchall()}
            if "clv_status" not in columns:
                return None
            row = connection.execute(
                "select as_of_date, clv_status, clv_as_of_date, clv_message from marts.publication"
            ).fetchone()
    except duckdb.Error:
        return None
    if row is None:
        return None
    day, status, clv_day, message = row
    kept = f"the serving copy keeps the CLV of {clv_day}" if clv_day else "the serving copy has no CLV yet"
    if status == "fitted":
        return f"CLV: fitted on {clv_day or day}"
    if status == "failed":
        reason = " ".join(str(message or "no reason recorded").split())
        reason = reason if len(reason) <= 200 else reason[:197] + "..."
        return f"CLV: FAILED for {day} ({reason}); {kept}"
    return f"CLV: not fitted for {day}; {kept}"


def summarise(warehouse: Path, as_of_date: str | None = None, serving_path: str | None = None,
              exports_dir: str | None = None) -> WarehouseSummary:
    """Read the marts of a built warehouse file (read-only): the segment
    counts of the day the snapshot marts show, and the call sheet of
    as_of_date (default: that day)."""
    with warehouse_connection(str(warehouse), read_only=True) as connection:
        snapshot_date = connection.execute("select max(as_of_date) from marts.customer_lifecycle").fetchone()[0]

        def dimension(name: str) -> dict[str, int]:
            return _counts(
                connection,
                "select dimension_value, count_customers from marts.segment_summary "
                "where as_of_date = ? and dimension = ? order by count_customers desc, dimension_value",
                [snapshot_date, name],
            )

        stages, profit_tiers = dimension("lifecycle_stage"), dimension("profit_tier")
        rfm_segments = {k: v for k, v in dimension("rfm_segment").items() if k != "(none)"}
        value_classes = {k: v for k, v in dimension("value_class").items() if k != "(none)"}
        sheet_as_of_date = as_of_date or str(snapshot_date)
        lists = action_lists(connection, sheet_as_of_date)
        channels = _counts(
            connection,
            "select recommended_channel, count(*) from marts.call_sheet "
            "where as_of_date = cast(? as date) and contact_status = 'contact_today' group by 1 order by 2 desc, 1",
            [sheet_as_of_date],
        )
        retention = retention_lines(connection, snapshot_date)
        rejects = _counts(
            connection,
            "select reject_reason, count(*) from marts.transaction_rejects group by 1 order by 2 desc, 1",
        )
    return WarehouseSummary(
        warehouse=warehouse,
        as_of_date=snapshot_date,
        count_customers=sum(stages.values()),
        customers_per_lifecycle_stage={s: stages.get(s, 0) for s in LIFECYCLE_STAGES},
        customers_per_rfm_segment=rfm_segments,
        customers_per_value_class=value_classes,
        customers_per_profit_tier={t: profit_tiers.get(t, 0) for t in PROFIT_TIERS},
        sheet_as_of_date=sheet_as_of_date,
        action_lists=lists,
        contacts_per_channel=channels,
        rejects_per_reason=rejects,
        clv=clv_line(serving_path),
        retention=retention,
        serving_path=serving_path,
        exports_dir=exports_dir,
    )
