"""The retention KPIs and the cohort triangle on the demo build, checked
against the marts they must agree with (the definitions themselves have dbt
unit tests on hand-computed figures in models/marts/retention/_retention__models.yml;
a backfilled range is in test_backfill.py)."""

from __future__ import annotations


def test_the_headline_counts_the_active_customers_of_the_history(demo_build):
    as_of, active = demo_build.query(
        "select as_of_date, count(*) from marts.customer_segment_history "
        "where lifecycle_stage in ('new', 'vulnerable', 'alert', 'evergreen') "
        "and as_of_date = (select max(as_of_date) from marts.customer_segment_history) group by as_of_date")[0]
    row = demo_build.query(
        "select count_active_customers, is_window_start_known, churn_rate, window_days "
        "from marts.retention_kpis where group_type = 'all' and as_of_date = ?", as_of)
    assert row == [(active, False, None, 90)]  # one day of history: the 90-day window is unknown, not 0


def test_every_group_type_adds_up_to_all_customers(demo_build):
    sums = demo_build.query(
        "select group_type, count(*), sum(count_active_customers), sum(count_new_customers), "
        "sum(count_newly_lost_customers) from marts.retention_kpis group by group_type order by group_type")
    by_type = {group_type: figures for group_type, *figures in sums}
    assert set(by_type) == {"all", "profit_tier", "rfm_segment", "value_class"}
    assert by_type["all"][0] == 1
    assert by_type["value_class"][0] > 1 and by_type["rfm_segment"][0] > 1
    for group_type in ("profit_tier", "rfm_segment", "value_class"):
        assert by_type[group_type][1:] == by_type["all"][1:], group_type


def test_the_cohorts_hold_every_buyer_and_all_their_business(demo_build):
    cohorts = demo_build.query(
        "select sum(count_customers) filter (where months_since_first_purchase = 0), "
        "min(share_active) filter (where months_since_first_purchase = 0), "
        "sum(revenue_amount), sum(margin_amount), max(as_of_date) from marts.cohort_retention")[0]
    buyers = demo_build.query(
        "select count(*), sum(value.revenue_amount), sum(value.margin_amount) "
        "from marts.customer_value as value inner join marts.customer_lifecycle as lifecycle "
        "using (customer_id) where lifecycle.frequency > 0")[0]
    assert cohorts[0] == buyers[0] > 0
    assert cohorts[1] == 1.0  # everyone buys in their own month
    assert cohorts[2] == buyers[1] and cohorts[3] == buyers[2]


def test_the_triangle_has_every_month_of_every_cohort(demo_build):
    rows = demo_build.query(
        "select cohort_month, count(*), max(months_since_first_purchase), "
        "bool_and(count_active_customers <= count_customers), count(distinct count_customers) "
        "from marts.cohort_retention group by cohort_month order by cohort_month")
    as_of = demo_build.scalar("select max(as_of_date) from marts.cohort_retention")
    for cohort_month, months, last_offset, within, sizes in rows:
        expected_last = (as_of.year - cohort_month.year) * 12 + as_of.month - cohort_month.month
        assert months == last_offset + 1 == expected_last + 1, cohort_month
        assert within and sizes == 1, cohort_month
