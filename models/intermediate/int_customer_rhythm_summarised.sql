-- One row per known customer as of the as-of date: every customer-level
-- figure the marts build on, defined once here. Known = any usable
-- transaction up to the as-of date, or a row in the customers source
-- (signed up by the as-of date); customers with no purchase occasion have
-- frequency 0 and null purchase figures.

{%- set recent_count = var('recent_interval_count') %}

with occasions as (

    select * from {{ ref('int_purchase_occasions_numbered') }}

),

customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}

),

customers as (

    select * from {{ ref('stg_raw__customers') }}

),

parameters as (

    select * from {{ ref('int_run_parameters_resolved') }}

),

days_to_date as (

    select customer_days.*
    from customer_days
    cross join parameters
    where customer_days.activity_date <= parameters.as_of_date

),

spend_summary as (

    select
        customer_id,
        sum(net_amount) as monetary,
        sum(gross_sales_amount) as gross_sales_amount,
        sum(returned_amount) as returned_amount,
        sum(cost_amount) as cost_amount,
        min(activity_date) as first_activity_date
    from days_to_date
    group by customer_id

),

occasion_summary as (

    select
        customer_id,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        count(*) as frequency,
        avg(case
            when purchase_number_from_latest <= {{ recent_count }} then days_since_previous_purchase
        end) as mean_recent_interval_days,
        avg(days_since_previous_purchase) as mean_interval_days,
        {{ median('days_since_previous_purchase') }} as median_interval_days,
        avg(case when purchase_number_from_latest <= {{ recent_count }} then net_amount end)
            as mean_recent_occasion_amount,
        avg(case when purchase_number_from_latest > {{ recent_count }} then net_amount end)
            as mean_earlier_occasion_amount,
        sum(case when is_reactivation then 1 else 0 end) as count_reactivations,
        max(case when is_reactivation then purchase_date end) as last_reactivated_date
    from occasions
    group by customer_id

),

signed_up_customers as (

    select
        customers.customer_id,
        min(customers.signed_up_date) as signed_up_date
    from customers
    cross join parameters
    where customers.customer_id is not null
        and (customers.signed_up_date is null or customers.signed_up_date <= parameters.as_of_date)
    group by customers.customer_id

),

known_customers as (

    select customer_id from spend_summary
    union
    select customer_id from signed_up_customers

),

joined as (

    select
        known_customers.customer_id,
        parameters.as_of_date,
        signed_up_customers.signed_up_date,
        spend_summary.first_activity_date,
        occasion_summary.first_purchase_date,
        occasion_summary.last_purchase_date,
        coalesce(occasion_summary.frequency, 0) as frequency,
        coalesce(spend_summary.monetary, 0) as monetary,
        coalesce(spend_summary.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(spend_summary.returned_amount, 0) as returned_amount,
        spend_summary.cost_amount,
        {{ dbt.datediff('occasion_summary.last_purchase_date', 'parameters.as_of_date', 'day') }} as recency_days,
        occasion_summary.mean_recent_interval_days,
        occasion_summary.mean_interval_days,
        occasion_summary.median_interval_days,
        occasion_summary.mean_recent_occasion_amount,
        occasion_summary.mean_earlier_occasion_amount,
        coalesce(occasion_summary.count_reactivations, 0) as count_reactivations,
        occasion_summary.last_reactivated_date,
        parameters.business_lost_window_days,
        parameters.expected_repurchase_days
    from known_customers
    cross join parameters
    left join spend_summary
        on known_customers.customer_id = spend_summary.customer_id
    left join occasion_summary
        on known_customers.customer_id = occasion_summary.customer_id
    left join signed_up_customers
        on known_customers.customer_id = signed_up_customers.customer_id

),

ratios as (

    select
        *,
        recency_days / mean_recent_interval_days as recency_ratio,
        -- the rhythm a warning is measured against: the customer's own, or
        -- the business's expected repurchase interval while they have none
        case
            when frequency = 0 then null
            when mean_recent_interval_days is not null then 'own_rhythm'
            else 'business_expected'
        end as interval_basis,
        case
            when frequency = 0 then null
            else coalesce(mean_recent_interval_days, expected_repurchase_days)
        end as expected_interval_days
    from joined

)

select * from ratios
