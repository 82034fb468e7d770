-- Cohort retention as of the latest as-of date of the run: the triangle BI
-- tools plot. One row per cohort (the month of the customers' first purchase
-- occasion) and month since it (0 = the cohort's own month, up to the
-- as-of date's month, every month present even when nobody bought):
-- the cohort's size, how many of its customers had a purchase occasion in
-- that month, their share, and the cohort's revenue and margin that month
-- (all its customer-days, returns included; margin as in
-- marts.customer_value). The as-of date's month is partial:
-- is_month_complete says so. A customer-day before the customer's first
-- purchase occasion (a return or a zero day) counts in month 0.


with as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

occasions as (

    select * from {{ ref('int_purchase_occasions_numbered') }}

),

value_lines as (

    select * from {{ ref('int_customer_value_lines_unioned') }}

),

latest as (

    select as_of_date
    from as_of_dates
    where is_latest_date

),

cohorts as (

    -- each customer's first purchase occasion up to the as-of date
    select
        occasions.customer_id,
        {{ dbt.date_trunc('month', 'occasions.purchase_date') }} as cohort_month
    from occasions
    inner join latest
        on occasions.purchase_date <= latest.as_of_date
    where occasions.purchase_number = 1

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as count_customers
    from cohorts
    group by cohort_month

),

digits as (

    select 0 as digit union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9

),

month_offsets as (

    -- 0 .. 999 months
    select hundreds.digit * 100 + tens.digit * 10 + units.digit as months_since_first_purchase
    from digits as hundreds
    cross join digits as tens
    cross join digits as units

),

cohort_grid as (

    -- every cohort and every month from its own up to the as-of date's
    select
        cohort_sizes.cohort_month,
        month_offsets.months_since_first_purchase,
        {{ dbt.dateadd('month', 'month_offsets.months_since_first_purchase', 'cohort_sizes.cohort_month') }} as activity_month,
        cohort_sizes.count_customers,
        latest.as_of_date
    from cohort_sizes
    cross join latest
    inner join month_offsets
        on month_offsets.months_since_first_purchase
            <= {{ dbt.datediff('cohort_sizes.cohort_month', 'latest.as_of_date', 'month') }}

),

activity_lines as (

    -- customer-days and service costs up to the as-of date, by month
    select
        value_lines.*,
        {{ dbt.date_trunc('month', 'value_lines.value_date') }} as activity_month
    from value_lines
    cross join latest
    where value_lines.value_date <= latest.as_of_date

),

customer_months as (

    -- one row per cohort customer and month of theirs with any line
    select
        cohorts.cohort_month,
        greatest(
            {{ dbt.datediff('cohorts.cohort_month', 'activity_lines.activity_month', 'month') }}, 0
        ) as months_since_first_purchase,
        activity_lines.customer_id,
        max(case when activity_lines.is_purchase_occasion then 1 else 0 end) as had_purchase_occasion,
        sum(activity_lines.net_amount) as revenue_amount,
        sum({{ margin_amount('activity_lines.net_amount', 'activity_lines.cost_of_goods_amount', 'activity_lines.cost_to_serve_amount') }}) as margin_amount
    from activity_lines
    inner join cohorts
        on activity_lines.customer_id = cohorts.customer_id
    group by 1, 2, 3

),

cohort_months as (

    select
        cohort_month,
        months_since_first_purchase,
        sum(had_purchase_occasion) as count_active_customers,
        sum(revenue_amount) as revenue_amount,
        sum(margin_amount) as margin_amount
    from customer_months
    group by cohort_month, months_since_first_purchase

),

final as (

    select
        cohort_grid.as_of_date,
        cast(cohort_grid.cohort_month as date) as cohort_month,
        cast(cohort_grid.months_since_first_purchase as {{ dbt.type_int() }}) as months_since_first_purchase,
        cast(cohort_grid.activity_month as date) as activity_month,
        cast(cohort_grid.count_customers as {{ dbt.type_bigint() }}) as count_customers,
        cast(coalesce(cohort_months.count_active_customers, 0) as {{ dbt.type_bigint() }}) as count_active_customers,
        {{ share_of('coalesce(cohort_months.count_active_customers, 0)', 'cohort_grid.count_customers') }} as share_active,
        cast(coalesce(cohort_months.revenue_amount, 0) as decimal(18, 6)) as revenue_amount,
        cast(coalesce(cohort_months.margin_amount, 0) as decimal(18, 6)) as margin_amount,
        {{ dbt.dateadd('month', 1, 'cohort_grid.activity_month') }} <= {{ add_days('cohort_grid.as_of_date', 1) }} as is_month_complete
    from cohort_grid
    left join cohort_months
        on cohort_grid.cohort_month = cohort_months.cohort_month
        and cohort_grid.months_since_first_purchase = cohort_months.months_since_first_purchase

)

select * from final
