"""A short account of one day of the warehouse, read from the marts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

LIFECYCLE_STAGE_ORDER = ["prospect", "new", "vulnerable", "evergreen", "alert", "lost"]


@dataclass
class WarehouseSummary:
    warehouse: Path
    as_of_date: object
    count_customers: int
    customers_per_lifecycle_stage: dict[str, int]
    customers_per_rfm_segment: dict[str, int]
    customers_per_value_class: dict[str, int]
    count_repurchase_due: int
    count_churn_risk: int
    rejects_per_reason: dict[str, int] = field(default_factory=dict)
    serving_path: str | None = None
    exports_dir: str | None = None

    def render(self) -> str:
        def block(title: str, counts: dict[str, int]) -> list[str]:
            width = max((len(k) for k in counts), default=0)
            return [title] + [f"  {name:<{width}}  {count:>7,}" for name, count in counts.items()]

        lines = [
            f"Customer retention warehouse as of {self.as_of_date}: {self.count_customers:,} customers",
            *block("Customers per lifecycle stage:", self.customers_per_lifecycle_stage),
            *block("Customers per RFM segment:", self.customers_per_rfm_segment),
            *block("Customers per value class:", self.customers_per_value_class),
            f"Repurchase due (remind now): {self.count_repurchase_due:,}",
            f"Churn risk (act now):        {self.count_churn_risk:,}",
            *block("Rejected raw rows (marts.transaction_rejects):", self.rejects_per_reason or {"none": 0}),
            f"Warehouse file: {self.warehouse}",
        ]
        if self.serving_path:
            lines.append(f"Serving copy for BI tools: {self.serving_path}")
        if self.exports_dir:
            lines.append(f"Alert files for sales: {self.exports_dir}")
        return "\n".join(lines)


def _counts(connection: duckdb.DuckDBPyConnection, sql: str) -> dict[str, int]:
    return {str(name): int(count) for name, count in connection.execute(sql).fetchall()}


def summarise(warehouse: Path) -> WarehouseSummary:
    """Read the marts of a built warehouse file (read-only)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        as_of_date, count_customers = connection.execute(
            "select max(as_of_date), count(*) from marts.customer_lifecycle"
        ).fetchone()
        stages = _counts(
            connection,
            "select lifecycle_stage, count(*) from marts.customer_lifecycle group by 1",
        )
        bands = _counts(
            connection,
            "select warning_band, count(*) from marts.customer_lifecycle "
            "where warning_band is not null group by 1",
        )
        return WarehouseSummary(
            warehouse=warehouse,
            as_of_date=as_of_date,
            count_customers=int(count_customers),
            customers_per_lifecycle_stage={s: stages.get(s, 0) for s in LIFECYCLE_STAGE_ORDER},
            customers_per_rfm_segment=_counts(
                connection,
                "select rfm_segment, count(*) from marts.customer_rfm group by 1 order by 2 desc, 1",
            ),
            customers_per_value_class=_counts(
                connection,
                "select value_class, count(*) from marts.customer_rfm group by 1 order by 2 desc, 1",
            ),
            count_repurchase_due=bands.get("repurchase_due", 0),
            count_churn_risk=bands.get("churn_risk", 0),
            rejects_per_reason=_counts(
                connection,
                "select reject_reason, count(*) from marts.transaction_rejects group by 1 order by 2 desc, 1",
            ),
        )
