-- One row per customer and activity day (any day with a usable transaction,
-- purchases or returns): the customer's cumulative state after that day,
-- valid from that day until the day before their next activity
-- (valid_to_date is exclusive; 9999-12-31 for the current state). A
-- customer's figures change only on activity days, so the state as of any
-- date is one range lookup: valid_from_date <= as_of_date < valid_to_date.
-- Independent of the as-of date. Incremental by customer
-- (macros/incremental/customer_changes.sql): a build recomputes the states of
-- the customers whose days or occasions changed since its last build.
{{ customer_changes_config(
    parents=[
        {'model': 'int_customer_days_aggregated', 'written_at': 'built_at'},
        {'model': 'int_purchase_occasions_numbered', 'written_at': 'built_at'},
    ],
    settings=['occasion_min_net_amount', 'zero_amount_day_is_occasion'],
) }}

{%- set plan = customer_changes_plan() %}

with customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}
    {{ customer_changes_filter(plan) }}

),

occasions as (

    select * from {{ ref('int_purchase_occasions_numbered') }}
    {{ customer_changes_filter(plan) }}

),

running as (

    select
        customer_id,
        activity_date as valid_from_date,
        coalesce(
            lead(activity_date) over (partition by customer_id order by activity_date),
            {{ date_literal('9999-12-31') }}
        ) as valid_to_date,
        min(activity_date) over (partition by customer_id) as first_activity_date,
        sum(case when {{ is_purchase_occasion('net_amount') }} then 1 else 0 end) over (
            partition by customer_id order by activity_date
            rows between unbounded preceding and current row
        ) as frequency,
        min(case when {{ is_purchase_occasion('net_amount') }} then activity_date end) over (
            partition by customer_id order by activity_date
            rows between unbounded preceding and current row
        ) as first_purchase_date,
        sum(net_amount) over (
            partition by customer_id order by activity_date
            rows between unbounded preceding and current row
        ) as monetary,
        sum(gross_sales_amount) over (
            partition by customer_id order by activity_date
            rows between unbounded preceding and current row
        ) as gross_sales_amount,
        sum(returned_amount) over (
            partition by customer_id order by activity_date
            rows between unbounded preceding and current row
        ) as returned_amount,
        sum(cost_amount) over (
            partition by customer_id order by activity_date
            rows between unbounded preceding and current row
        ) as cost_amount
    from customer_days

),

joined as (

    -- the latest occasion so far carries the rhythm figures
    select
        running.customer_id,
        running.valid_from_date,
        running.valid_to_date,
        running.first_activity_date,
        running.frequency,
        running.first_purchase_date,
        latest_occasion.purchase_date as last_purchase_date,
        running.monetary,
        running.gross_sales_amount,
        running.returned_amount,
        running.cost_amount,
        latest_occasion.mean_recent_interval_days,
        latest_occasion.mean_interval_days,
        latest_occasion.median_interval_days,
        latest_occasion.mean_earlier_interval_days,
        latest_occasion.count_recent_slow_intervals,
        latest_occasion.mean_recent_occasion_amount,
        latest_occasion.mean_earlier_occasion_amount,
        latest_occasion.count_recent_small_occasions,
        coalesce(latest_occasion.count_reactivations, 0) as count_reactivations,
        latest_occasion.last_reactivated_date,
        {{ customer_changes_columns(plan) }}
    from running
    left join occasions as latest_occasion
        on running.customer_id = latest_occasion.customer_id
        and running.frequency = latest_occasion.purchase_number

)

select * from joined
