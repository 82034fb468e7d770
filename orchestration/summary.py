"""A short account of one day of the warehouse, read from the marts.

Every figure has one definition, the one the rest of the warehouse uses: the
alert-list counts are the rows of the day's files (marts.customer_alerts per
alert_type; the win-back file of the latest day is marts.winback_candidates
when it holds that day, read by the same function the export uses), and the
CLV line is what the serving copy's marts.publication says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

LIFECYCLE_STAGE_ORDER = ["prospect", "new", "vulnerable", "evergreen", "alert", "lost"]
# the lists of marts.customer_alerts, in the order of the alert files, with what sales does with them
ALERT_LISTS = {
    "repurchase_due": "remind now",
    "churn_risk": "act now",
    "winback": "win back",
}


@dataclass
class AlertList:
    customers: int
    new: int  # customers on the customer_alerts list today who were not on it the day before
    source: str  # the table the file (and so this count) comes from


@dataclass
class WarehouseSummary:
    warehouse: Path
    as_of_date: object
    count_customers: int
    customers_per_lifecycle_stage: dict[str, int]
    customers_per_rfm_segment: dict[str, int]
    customers_per_value_class: dict[str, int]
    alerts_as_of_date: object
    alert_lists: dict[str, AlertList]
    rejects_per_reason: dict[str, int] = field(default_factory=dict)
    clv: str | None = None
    serving_path: str | None = None
    exports_dir: str | None = None

    def render(self) -> str:
        def block(title: str, counts: dict[str, int]) -> list[str]:
            width = max((len(k) for k in counts), default=0)
            return [title] + [f"  {name:<{width}}  {count:>7,}" for name, count in counts.items()]

        where = f"the files in {self.exports_dir}" if self.exports_dir else "marts.customer_alerts"
        lines = [
            f"Customer retention warehouse as of {self.as_of_date}: {self.count_customers:,} customers",
            *block("Customers per lifecycle stage:", self.customers_per_lifecycle_stage),
            *block("Customers per RFM segment:", self.customers_per_rfm_segment),
            *block("Customers per value class:", self.customers_per_value_class),
            f"Alert lists for sales as of {self.alerts_as_of_date} ({where}):",
        ]
        for alert_type, alert_list in self.alert_lists.items():
            name = f"{alert_type} ({ALERT_LISTS[alert_type]})"
            if alert_list.source == "marts.winback_candidates":
                figures = (f"candidates ranked by win-back value ({alert_list.source}); "
                           f"{alert_list.new:,} customers newly lost")
            elif alert_type == "winback":
                figures = f"customers, {alert_list.new:,} newly lost"
            else:
                figures = f"customers, {alert_list.new:,} new"
            lines.append(f"  {name:<28} {alert_list.customers:>7,} {figures}")
        lines += [
            *block("Rejected raw rows (marts.transaction_rejects):", self.rejects_per_reason or {"none": 0}),
            *([self.clv] if self.clv else []),
            f"Warehouse file: {self.warehouse}",
        ]
        if self.serving_path:
            lines.append(f"Serving copy for BI tools: {self.serving_path}")
        if self.exports_dir:
            lines.append(f"Alert files for sales: {self.exports_dir}")
        return "\n".join(lines)


def _counts(connection: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict[str, int]:
    return {str(name): int(count) for name, count in connection.execute(sql, params or []).fetchall()}


def alert_lists(warehouse: Path, as_of_date: str) -> dict[str, AlertList]:
    """The day's alert lists as the export writes them: the count of each is
    the number of rows of exports/<as_of_date>/<list>.csv."""
    # imported here: the exports module builds Dagster partitions from the
    # environment, which the CLI sets before it summarises
    from orchestration.assets.exports import read_winback_candidates

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select alert_type, count(*), count(*) filter (where is_new_alert) from marts.customer_alerts "
            "where as_of_date = cast(? as date) group by 1",
            [as_of_date],
        ).fetchall()
    counts = {alert_type: (int(total), int(new)) for alert_type, total, new in rows}
    lists = {
        alert_type: AlertList(*counts.get(alert_type, (0, 0)), source="marts.customer_alerts")
        for alert_type in ALERT_LISTS
    }
    # the win-back file of the latest day: the ranked candidates when the snapshot holds that day
    candidates = read_winback_candidates(str(warehouse), as_of_date)
    if candidates is not None:
        lists["winback"].customers = len(candidates)
        lists["winback"].source = "marts.winback_candidates"
    return lists


def clv_line(serving_path: str | Path | None) -> str | None:
    """One line on the CLV of the serving copy, from its marts.publication
    (clv_status 'fitted', 'failed' or 'none', written with clv_as_of_date and
    clv_message); None when there is no copy, or one published before those
    columns existed."""
    if not serving_path or not Path(serving_path).exists():
        return None
    try:
        with duckdb.connect(str(serving_path), read_only=True) as connection:
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
    """Read the marts of a built warehouse file (read-only). The alert lists
    are those of as_of_date (default: the day the snapshot marts show)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        snapshot_date, count_customers = connection.execute(
            "select max(as_of_date), count(*) from marts.customer_lifecycle"
        ).fetchone()
        stages = _counts(
            connection,
            "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1",
        )
        rfm_segments = _counts(
            connection,
            "select rfm_segment, count(*) from marts.customer_rfm group by 1 order by 2 desc, 1",
        )
        value_classes = _counts(
            connection,
            "select value_class, count(*) from marts.customer_rfm group by 1 order by 2 desc, 1",
        )
        rejects = _counts(
            connection,
            "select reject_reason, count(*) from marts.transaction_rejects group by 1 order by 2 desc, 1",
        )
    alerts_as_of_date = as_of_date or str(snapshot_date)
    return WarehouseSummary(
        warehouse=warehouse,
        as_of_date=snapshot_date,
        count_customers=int(count_customers),
        customers_per_lifecycle_stage={s: stages.get(s, 0) for s in LIFECYCLE_STAGE_ORDER},
        customers_per_rfm_segment=rfm_segments,
        customers_per_value_class=value_classes,
        alerts_as_of_date=alerts_as_of_date,
        alert_lists=alert_lists(warehouse, alerts_as_of_date),
        rejects_per_reason=rejects,
        clv=clv_line(serving_path),
        serving_path=serving_path,
        exports_dir=exports_dir,
    )
