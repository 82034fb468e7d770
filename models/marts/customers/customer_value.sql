-- One row per customer with a purchase, as of the latest as-of date of the
-- run: revenue, costs, margin, its trend and the profit tier. A thin
-- snapshot: the figures are computed for every reported as-of date in
-- int_customer_value_summarised, and this keeps the latest date.

with summarised as (

    select * from {{ ref('int_customer_value_summarised') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

latest as (

    select summarised.*
    from summarised
    inner join as_of_dates
        on summarised.as_of_date = as_of_dates.as_of_date
    where as_of_dates.is_latest_date

),

final as (

    -- The contract's columns (models/marts/customers/_customers__models.yml). Amounts are
    -- sums of numeric(28,6) values (decimal(38,6)) and counts sum()s
    -- (HUGEINT): cast to the contract types on purpose.
    select
        customer_id,
        as_of_date,
        cast(revenue_amount as decimal(18, 6)) as revenue_amount,
        cast(gross_sales_amount as decimal(18, 6)) as gross_sales_amount,
        cast(returned_amount as decimal(18, 6)) as returned_amount,
        cast(cost_of_goods_amount as decimal(18, 6)) as cost_of_goods_amount,
        cast(cost_to_serve_amount as decimal(18, 6)) as cost_to_serve_amount,
        cast(margin_amount as decimal(18, 6)) as margin_amount,
        is_cost_of_goods_known,
        is_cost_to_serve_known,
        value_basis,
        cast(count_purchase_occasions as {{ dbt.type_bigint() }}) as count_purchase_occasions,
        cast(recent_period_margin_amount as decimal(18, 6)) as recent_period_margin_amount,
        cast(previous_period_margin_amount as decimal(18, 6)) as previous_period_margin_amount,
        cast(margin_trend_amount as decimal(18, 6)) as margin_trend_amount,
        cast(count_recent_period_occasions as {{ dbt.type_bigint() }}) as count_recent_period_occasions,
        cast(count_previous_period_occasions as {{ dbt.type_bigint() }}) as count_previous_period_occasions,
        cast(value_rank as {{ dbt.type_bigint() }}) as value_rank,
        cast(share_ranked_above as double) as share_ranked_above,
        profit_tier
    from latest

)

select * from final
