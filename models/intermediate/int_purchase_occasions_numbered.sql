-- One row per purchase occasion up to the as-of date: a customer-day whose net
-- amount is above var occasion_min_net_amount (several orders or lines that
-- day are one occasion; a day of returns only is none). Numbered per
-- customer, with the gap to the previous occasion, the position counted from
-- the latest, and whether the occasion ended a lost spell (reactivation).

{%- set recent_count = var('recent_interval_count') %}

with customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}

),

parameters as (

    select * from {{ ref('int_run_parameters_resolved') }}

),

occasions as (

    select
        customer_days.customer_id,
        parameters.as_of_date,
        customer_days.activity_date as purchase_date,
        customer_days.net_amount,
        parameters.business_lost_window_days
    from customer_days
    cross join parameters
    where customer_days.activity_date <= parameters.as_of_date
        and customer_days.net_amount > {{ var('occasion_min_net_amount') }}

),

numbered as (

    select
        customer_id,
        as_of_date,
        purchase_date,
        net_amount,
        business_lost_window_days,
        row_number() over (partition by customer_id order by purchase_date) as purchase_number,
        row_number() over (partition by customer_id order by purchase_date desc) as purchase_number_from_latest,
        lag(purchase_date) over (partition by customer_id order by purchase_date) as previous_purchase_date
    from occasions

),

gaps as (

    select
        *,
        {{ dbt.datediff('previous_purchase_date', 'purchase_date', 'day') }} as days_since_previous_purchase
    from numbered

),

prior_rhythm as (

    -- the customer's mean recent interval as it stood before this occasion
    select
        *,
        avg(days_since_previous_purchase) over (
            partition by customer_id
            order by purchase_number
            rows between {{ recent_count }} preceding and 1 preceding
        ) as prior_mean_recent_interval_days
    from gaps

),

reactivations as (

    select
        customer_id,
        as_of_date,
        purchase_date,
        purchase_number,
        purchase_number_from_latest,
        previous_purchase_date,
        days_since_previous_purchase,
        net_amount,
        prior_mean_recent_interval_days,
        coalesce(
            days_since_previous_purchase
                > {{ lost_window_days('business_lost_window_days', 'prior_mean_recent_interval_days') }},
            false
        ) as is_reactivation
    from prior_rhythm

)

select * from reactivations
