-- Grain: one row per (as_of_date, customer_id) for every REPORTED as-of date
-- of the run (int_as_of_dates_resolved.is_reported_date: one on a normal run,
-- many on a backfill; not the extra day before them), for each customer with
-- at least one purchase occasion up to that date: revenue, cost of goods,
-- cost to serve and margin, the margin of the recent period (var
-- value_trend_period_days, ending on the as-of date) and of the period
-- before it, the rank by margin among that day's customers and the profit
-- tier (macros/definitions/profit_tier.sql). marts.customer_value is the
-- latest date's snapshot of it; int_customer_rfm_scored reads the per-date
-- margin for the RFM monetary value (var rfm_monetary_basis).
-- Customer-days and service costs are read once, as one list of dated
-- amounts, and range-joined to the reported dates (value_date <=
-- as_of_date), so a backfill of n days aggregates about n x the lines.
-- Costs not known count 0: lines without a cost, customers without a
-- service-cost row (value_basis says whether any cost was known).

{%- set period_days = var('value_trend_period_days') | int %}
{%- if period_days < 1 %}
    {{ exceptions.raise_compiler_error("var value_trend_period_days must be a whole number of days >= 1, got '" ~ var('value_trend_period_days') ~ "'") }}
{%- endif %}

with as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

value_lines as (

    select * from {{ ref('int_customer_value_lines_unioned') }}

),

periods as (

    -- every reported as-of date, with the first day of each trend period
    select
        as_of_date,
        {{ add_days('as_of_date', 1 - period_days) }} as recent_period_start_date,
        {{ add_days('as_of_date', 1 - 2 * period_days) }} as previous_period_start_date
    from as_of_dates
    where is_reported_date

),

lines_as_of as (

    -- per reported date, only what happened up to it, tagged with its trend
    -- period (a range join: each line meets every date on or after it)
    select
        value_lines.*,
        periods.as_of_date,
        {{ margin_amount('value_lines.net_amount', 'value_lines.cost_of_goods_amount', 'value_lines.cost_to_serve_amount') }} as margin_amount,
        case
            when value_lines.value_date >= periods.recent_period_start_date then 'recent'
            when value_lines.value_date >= periods.previous_period_start_date then 'previous'
        end as trend_period
    from value_lines
    inner join periods
        on value_lines.value_date <= periods.as_of_date

),

summarised as (

    select
        customer_id,
        as_of_date,
        sum(net_amount) as revenue_amount,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(returned_amount) as returned_amount,
        coalesce(sum(cost_of_goods_amount), 0) as cost_of_goods_amount,
        coalesce(sum(cost_to_serve_amount), 0) as cost_to_serve_amount,
        sum(margin_amount) as margin_amount,
        count(cost_of_goods_amount) > 0 as is_cost_of_goods_known,
        count(cost_to_serve_amount) > 0 as is_cost_to_serve_known,
        sum(case when is_purchase_occasion then 1 else 0 end) as count_purchase_occasions,
        sum(case when trend_period = 'recent' then margin_amount else 0 end) as recent_period_margin_amount,
        sum(case when trend_period = 'previous' then margin_amount else 0 end) as previous_period_margin_amount,
        sum(case when trend_period = 'recent' and is_purchase_occasion then 1 else 0 end) as count_recent_period_occasions,
        sum(case when trend_period = 'previous' and is_purchase_occasion then 1 else 0 end) as count_previous_period_occasions
    from lines_as_of
    group by customer_id, as_of_date

),

buyers as (

    select
        *,
        case when is_cost_of_goods_known or is_cost_to_serve_known then 'margin' else 'revenue' end as value_basis,
        recent_period_margin_amount - previous_period_margin_amount as margin_trend_amount
    from summarised
    where count_purchase_occasions > 0

),

ranked as (

    -- value_rank 1 = highest margin; ties share a rank, so value_rank - 1 is
    -- the number of customers with a strictly higher margin
    select
        *,
        rank() over (partition by as_of_date order by margin_amount desc) as value_rank,
        count(*) over (partition by as_of_date) as count_customers
    from buyers

),

tiered as (

    select
        *,
        cast(value_rank - 1 as {{ dbt.type_numeric() }}) / count_customers as share_ranked_above,
        {{ profit_tier(
            'margin_amount',
            'value_rank - 1',
            'count_customers',
            'recent_period_margin_amount',
            'previous_period_margin_amount',
            'count_recent_period_occasions',
            'count_previous_period_occasions'
        ) }} as profit_tier
    from ranked

)

select * from tiered
