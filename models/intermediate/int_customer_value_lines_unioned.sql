-- A customer's business as one list of dated amounts, independent of the
-- as-of date: one row per customer-day (int_customer_days_aggregated: net
-- revenue, gross sales, returns, cost of goods, whether the day is a
-- purchase occasion) and one per customer and day with a service cost
-- (stg_raw__service_costs, the day's rows summed). Revenue and margin over
-- any span of days are sums over it (macro margin_amount): up to each
-- as-of date (int_customer_value_summarised), in each action's outcome
-- window (marts.alert_outcomes), per calendar month (marts.cohort_retention),
-- cost to serve in the retention window (marts.retention_kpis).
-- A view: the lines are read where they are summed, never stored twice.

{{ config(materialized='view') }}

with customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}

),

service_costs as (

    select * from {{ ref('stg_raw__service_costs') }}

),

customer_day_lines as (

    select
        customer_id,
        activity_date as value_date,
        'customer_day' as value_line_type,
        net_amount,
        gross_sales_amount,
        returned_amount,
        cost_amount as cost_of_goods_amount,
        cast(null as {{ dbt.type_numeric() }}) as cost_to_serve_amount,
        {{ is_purchase_occasion('net_amount') }} as is_purchase_occasion
    from customer_days

),

service_cost_lines as (

    select
        customer_id,
        incurred_on as value_date,
        'service_cost' as value_line_type,
        0 as net_amount,
        0 as gross_sales_amount,
        0 as returned_amount,
        cast(null as {{ dbt.type_numeric() }}) as cost_of_goods_amount,
        sum(cost_to_serve_amount) as cost_to_serve_amount,
        false as is_purchase_occasion
    from service_costs
    group by customer_id, incurred_on

),

unioned as (

    select * from customer_day_lines

    union all

    select * from service_cost_lines

)

select * from unioned
