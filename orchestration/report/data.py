"""What the report shows, read from the marts of one as-of date.

Figures are never defined here: every count, rate and amount is a column of
a mart (its definition is in the dbt model or macro). This module only
selects the day, groups customers for the charts and picks the rows of the
drill-down table. One table, report_customers (temporary: one row per
customer of the day with every attribute a chart groups by), serves both the
counts and the drill-down table, so the customers a click shows are exactly the customers
the count counted; tests/test_report.py checks the counts against
marts.segment_summary, marts.cohort_retention and
marts.customer_segment_transitions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from orchestration.warehouse import table_exists

NONE = "(none)"  # no value that day (a customer with no purchase has no RFM segment), as marts.segment_summary writes it
NOT_KNOWN = "(not known then)"  # migration: the customer was not in the history on the earlier day
COHORT_MONTHS = 12  # the triangle shows the cohorts of the last 12 months (all: marts.cohort_retention)
TREND_DAYS = 56  # the call sheet's trend: the last 8 weeks
KPI_DAYS = 365  # churn and repurchase rates: the last year
TOP_WINBACK = 15
# the drill-down table embeds at most this many customers (the rest are
# named by the query under the table); counts always cover everyone
MAX_DRILL_DOWN_CUSTOMERS = 20_000
# columns of the drill-down table, in the order shown
CUSTOMER_COLUMNS = [
    "customer_id", "lifecycle_stage", "rfm_segment", "r_score", "f_score", "m_score", "value_class",
    "profit_tier", "margin_amount", "days_since_last_purchase", "action_list", "recommended_channel",
    "contact_status", "discounted_clv_amount", "clv_bucket", "winback_rank", "cohort_month",
    "previous_lifecycle_stage", "previous_rfm_segment", "previous_value_class", "active_months",
]


@dataclass
class ReportData:
    as_of_date: date
    customers_total: int
    drill_down: pd.DataFrame  # at most MAX_DRILL_DOWN_CUSTOMERS rows of CUSTOMER_COLUMNS
    counts: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # why a section is empty
    migration_from_date: date | None = None
    clv_as_of_date: date | None = None
    clv_edges: list[float] = field(default_factory=list)
    cohort_first_month: date | None = None


def clv_bucket_edges(low_positive: float | None, highest: float | None) -> list[float]:
    """Bucket edges for the CLV histogram: 0, then 1-2-5 steps from about
    low_positive (the 10th percentile of the positive values) to past the
    highest value (CLV is skewed: equal widths would put nearly everyone in
    the first bar)."""
    if not low_positive or not highest or highest <= 0:
        return [0.0]
    edges, magnitude = [0.0], 10 ** math.floor(math.log10(max(low_positive, 1e-2)))
    while edges[-1] <= highest:
        for multiple in (1, 2, 5):
            if multiple * magnitude > edges[-1] and edges[-1] <= highest:
                edges.append(multiple * magnitude)
        magnitude *= 10
    return edges


def bucket_label(low: float, high: float) -> str:
    def short(value: float) -> str:
        return f"{value:,.0f}" if value >= 1 else f"{value:g}"
    return f"{short(low)}-{short(high)}"


def clv_bucket_sql(edges: list[float]) -> str:
    """The CASE expression giving each customer's CLV bucket label."""
    if len(edges) < 2:
        return f"case when clv.discounted_clv_amount is not null then '{bucket_label(0, 0)}' end"
    branches = " ".join(
        f"when clv.discounted_clv_amount < {high!r} then '{bucket_label(low, high)}'"
        for low, high in zip(edges, edges[1:])
    )
    return (f"case when clv.discounted_clv_amount is null then null "
            f"when clv.discounted_clv_amount < 0 then 'below 0' {branches} end")


def _frame(connection: duckdb.DuckDBPyConnection, sql: str, *params) -> pd.DataFrame:
    return connection.execute(sql, list(params)).df()


def _clv_day(connection: duckdb.DuckDBPyConnection, as_of_date: date) -> date | None:
    """The day of the CLV scores when they are for the report's day, else None."""
    if not table_exists(connection, "marts", "customer_clv"):
        return None
    day = connection.execute("select max(as_of_date) from marts.customer_clv").fetchone()[0]
    return day if day == as_of_date else None


def _create_customer_view(connection, as_of_date: date, from_date: date | None, clv_day: date | None,
                          clv_edges: list[float], first_month: date) -> None:
    clv = (f"select customer_id, discounted_clv_amount from marts.customer_clv where as_of_date = '{clv_day}'"
           if clv_day else "select cast(null as varchar) as customer_id, cast(null as double) as discounted_clv_amount")
    previous = (f"select customer_id, lifecycle_stage, rfm_segment, value_class from marts.customer_segment_history "
                f"where as_of_date = '{from_date}'" if from_date else
                "select cast(null as varchar) as customer_id, cast(null as varchar) as lifecycle_stage, "
                "cast(null as varchar) as rfm_segment, cast(null as varchar) as value_class")
    day = f"date '{as_of_date}'"
    # a temporary table (allowed on a read-only connection): every count and the drill-down read it
    connection.execute(f"""
        create or replace temp table report_customers as
        with profile as (select * from marts.customer_profile where as_of_date = {day}),
        clv as ({clv}),
        previous as ({previous}),
        active_months as (
            select customer_id, list(distinct strftime(purchase_date, '%Y-%m') order by strftime(purchase_date, '%Y-%m'))
                as active_months
            from marts.customer_purchase_intervals
            where purchase_date <= {day} and purchase_date >= date '{first_month}'
            group by customer_id
        ),
        joined as (
            select
                profile.customer_id,
                profile.lifecycle_stage,
                coalesce(profile.rfm_segment, '{NONE}') as rfm_segment,
                profile.r_score, profile.f_score, profile.m_score,
                coalesce(profile.value_class, '{NONE}') as value_class,
                coalesce(profile.profit_tier, '{NONE}') as profit_tier,
                profile.margin_amount,
                profile.days_since_last_purchase,
                coalesce(profile.action_list, '{NONE}') as action_list,
                profile.recommended_channel,
                profile.contact_status,
                clv.discounted_clv_amount,
                {clv_bucket_sql(clv_edges)} as clv_bucket,
                profile.winback_rank,
                strftime(profile.first_purchase_date, '%Y-%m') as cohort_month,
                {_previous("lifecycle_stage")},
                {_previous("rfm_segment")},
                {_previous("value_class")},
                coalesce(active_months.active_months, []) as active_months,
                profile.sheet_rank
            from profile
            left join clv using (customer_id)
            left join previous using (customer_id)
            left join active_months using (customer_id)
        )
        select * from joined
    """)


def _previous(dimension: str) -> str:
    """The customer's value on the migration's earlier day, as marts.customer_segment_transitions has it."""
    return (f"case when previous.customer_id is null then '{NOT_KNOWN}' "
            f"else coalesce(previous.{dimension}, '{NONE}') end as previous_{dimension}")


def _counts(connection, group_by: str, extra: str = "") -> pd.DataFrame:
    return _frame(connection, f"""
        select {group_by}, count(*) as customers, sum(margin_amount) as margin_amount{extra}
        from report_customers group by all order by all""")


def load(connection: duckdb.DuckDBPyConnection, as_of_date: date,
         max_customers: int = MAX_DRILL_DOWN_CUSTOMERS) -> ReportData:
    """Everything the report of as_of_date shows. The marts must show that day."""
    shown = connection.execute("select max(as_of_date) from marts.customer_lifecycle").fetchone()[0]
    if shown is None:
        raise RuntimeError("marts.customer_lifecycle holds no day: run the job first")
    if shown != as_of_date:
        raise RuntimeError(f"the marts show {shown}, not {as_of_date}: run the job for {as_of_date} first")
    clv_day = _clv_day(connection, as_of_date)
    clv_edges = clv_bucket_edges(*connection.execute(
        "select quantile_cont(discounted_clv_amount, 0.1) filter (where discounted_clv_amount > 0), "
        "max(discounted_clv_amount) from marts.customer_clv").fetchone()) if clv_day else []
    transitions = _frame(connection, "select distinct from_date, was_known_on_from_date "
                                     "from marts.customer_segment_transitions")
    known = transitions[transitions["was_known_on_from_date"]]
    from_date = known["from_date"].iloc[0].date() if len(known) else None
    first_month = _first_cohort_month(as_of_date)
    _create_customer_view(connection, as_of_date, from_date, clv_day, clv_edges, first_month)

    total = connection.execute("select count(*) from report_customers").fetchone()[0]
    drill_down = _frame(connection, f"""
        select {", ".join(CUSTOMER_COLUMNS)} from report_customers
        order by sheet_rank nulls last, margin_amount desc nulls last, customer_id
        limit {int(max_customers)}""")
    data = ReportData(as_of_date=as_of_date, customers_total=total, drill_down=drill_down,
                      migration_from_date=from_date, clv_as_of_date=clv_day, clv_edges=clv_edges,
                      cohort_first_month=first_month)
    data.counts["lifecycle_stage"] = _counts(connection, "lifecycle_stage")
    data.counts["rfm_grid"] = _counts(connection, "r_score, f_score").dropna(subset=["r_score"])
    data.counts["value_class"] = _counts(connection, "value_class")
    data.counts["call_sheet"] = _frame(connection, """
        select action_list, recommended_channel, contact_status, count(*) as customers
        from report_customers where action_list <> '(none)' group by all order by all""")
    data.counts["call_sheet_trend"] = _frame(connection, f"""
        select as_of_date, action_list, count(*) as customers
        from marts.call_sheet
        where as_of_date > date '{as_of_date}' - {TREND_DAYS} and as_of_date <= date '{as_of_date}'
          and contact_status <> 'holdout'
        group by all order by all""")
    data.counts["retention_kpis"] = _frame(connection, f"""
        select as_of_date, count_active_customers, count_active_at_window_start, count_lost_in_window,
               count_repurchased_in_window, churn_rate, repurchase_rate, window_days
        from marts.retention_kpis
        where group_type = 'all' and as_of_date > date '{as_of_date}' - {KPI_DAYS}
          and as_of_date <= date '{as_of_date}'
        order by as_of_date""")
    data.counts["cohorts"] = _frame(connection, f"""
        select strftime(cohort_month, '%Y-%m') as cohort_month, months_since_first_purchase,
               strftime(activity_month, '%Y-%m') as activity_month, count_customers,
               count_active_customers, share_active, is_month_complete
        from marts.cohort_retention
        where as_of_date = date '{as_of_date}' and cohort_month >= date '{first_month}'
        order by all""")
    for dimension in ("lifecycle_stage", "rfm_segment", "value_class"):
        data.counts[f"migration_{dimension}"] = (
            _counts(connection, f"previous_{dimension} as from_value, {dimension} as to_value")
            if from_date else pd.DataFrame())
    data.counts["clv"] = (_frame(connection, """
        select clv_bucket, count(*) as customers, sum(discounted_clv_amount) as clv_amount,
               min(discounted_clv_amount) as low
        from report_customers where clv_bucket is not null group by all order by low""")
        if clv_day else pd.DataFrame())
    data.counts["winback"] = _frame(connection, f"""
        select winback_rank, customer_id, second_lifetime_value_amount, winback_score_amount,
               reason_category, is_lost, days_since_last_purchase, recommended_action, recommended_channel
        from marts.winback_candidates where as_of_date = date '{as_of_date}'
        order by winback_rank limit {TOP_WINBACK}""")
    data.notes.update(_notes(data, as_of_date))
    return data


def _first_cohort_month(as_of_date: date) -> date:
    month = as_of_date.year * 12 + as_of_date.month - 1 - (COHORT_MONTHS - 1)
    return date(month // 12, month % 12 + 1, 1)


def _notes(data: ReportData, as_of_date: date) -> dict[str, str]:
    """Why a section has nothing to draw, in words a reader can act on."""
    notes = {}
    if data.migration_from_date is None:
        notes["migration"] = ("The history does not hold the day a week before yet: backfill the days before "
                              f"{as_of_date} to see who moved where.")
    kpis = data.counts["retention_kpis"]
    if kpis["churn_rate"].notna().sum() == 0:
        notes["retention_kpis"] = ("Churn and repurchase rates need the history to hold the start of their window "
                                   "(var retention_window_days before the day): backfill those days to see them.")
    if data.clv_as_of_date is None:
        notes["clv"] = ("No CLV scores for this day (the fit failed or has not run for it; see "
                        "marts.publication.clv_message in the serving copy).")
    if data.counts["call_sheet"].empty:
        notes["call_sheet"] = "Nobody is on the call sheet today."
    if data.counts["winback"].empty:
        notes["winback"] = "Nobody to win back today."
    if data.counts["cohorts"].empty:
        notes["cohorts"] = "No customer has a first purchase in the last 12 months."
    return notes
