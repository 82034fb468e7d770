-- One row per known customer and as-of date of the run: every customer-level
-- figure the marts build on, defined once here. Known = any usable
-- transaction up to the as-of date, or a row in the customers source signed
-- up by then; customers with no purchase occasion have frequency 0 and null
-- purchase figures.

with states as (

    select * from {{ ref('int_customer_states_accumulated') }}

),

customers as (

    select * from {{ ref('stg_raw__customers') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

business_rules as (

    select * from {{ ref('int_business_rules_resolved') }}

),

states_as_of as (

    select
        as_of_dates.as_of_date,
        states.customer_id,
        states.valid_from_date,
        states.valid_to_date,
        states.first_activity_date,
        states.frequency,
        states.first_purchase_date,
        states.last_purchase_date,
        states.monetary,
        states.gross_sales_amount,
        states.returned_amount,
        states.cost_amount,
        states.mean_recent_interval_days,
        states.mean_interval_days,
        states.median_interval_days,
        states.mean_earlier_interval_days,
        states.count_recent_slow_intervals,
        states.mean_recent_occasion_amount,
        states.mean_earlier_occasion_amount,
        states.count_recent_small_occasions,
        states.count_reactivations,
        states.last_reactivated_date
    from states
    inner join as_of_dates
        on states.valid_from_date <= as_of_dates.as_of_date
        and as_of_dates.as_of_date < states.valid_to_date

),

signed_up_customers as (

    select
        customer_id,
        min(signed_up_date) as signed_up_date
    from customers
    where customer_id is not null
    group by customer_id

),

signed_up_as_of as (

    select
        as_of_dates.as_of_date,
        signed_up_customers.customer_id,
        signed_up_customers.signed_up_date
    from signed_up_customers
    inner join as_of_dates
        on signed_up_customers.signed_up_date is null
        or signed_up_customers.signed_up_date <= as_of_dates.as_of_date

),

known_customers as (

    select customer_id, as_of_date from states_as_of
    union
    select customer_id, as_of_date from signed_up_as_of

),

joined as (

    select
        known_customers.customer_id,
        known_customers.as_of_date,
        signed_up_as_of.signed_up_date,
        states_as_of.first_activity_date,
        states_as_of.first_purchase_date,
        states_as_of.last_purchase_date,
        coalesce(states_as_of.frequency, 0) as frequency,
        coalesce(states_as_of.monetary, 0) as monetary,
        coalesce(states_as_of.gross_sales_amount, 0) as gross_sales_amount,
        coalesce(states_as_of.returned_amount, 0) as returned_amount,
        states_as_of.cost_amount,
        cast({{ dbt.datediff('states_as_of.last_purchase_date', 'known_customers.as_of_date', 'day') }} as {{ dbt.type_bigint() }})
            as recency_days,
        states_as_of.mean_recent_interval_days,
        states_as_of.mean_interval_days,
        states_as_of.median_interval_days,
        states_as_of.mean_earlier_interval_days,
        states_as_of.count_recent_slow_intervals,
        states_as_of.mean_recent_occasion_amount,
        states_as_of.mean_earlier_occasion_amount,
        states_as_of.count_recent_small_occasions,
        coalesce(states_as_of.count_reactivations, 0) as count_reactivations,
        states_as_of.last_reactivated_date,
        business_rules.business_lost_window_days,
        business_rules.expected_repurchase_days
    from known_customers
    cross join business_rules
    left join states_as_of
        on known_customers.customer_id = states_as_of.customer_id
        and known_customers.as_of_date = states_as_of.as_of_date
    left join signed_up_as_of
        on known_customers.customer_id = signed_up_as_of.customer_id
        and known_customers.as_of_date = signed_up_as_of.as_of_date

),

ratios as (

    select
        *,
        recency_days / nullif(mean_recent_interval_days, 0) as recency_ratio,
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
