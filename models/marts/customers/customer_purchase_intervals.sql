-- One row per customer and purchase occasion up to the latest as-of date of
-- the run.

with occasions as (

    select * from {{ ref('int_purchase_occasions_numbered') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

latest as (

    select as_of_date from as_of_dates where is_latest_date

),

final as (

    select
        occasions.customer_id,
        occasions.purchase_date,
        occasions.purchase_number,
        occasions.previous_purchase_date,
        occasions.days_since_previous_purchase,
        -- sum() of numeric(28,6) amounts is decimal(38,6) in DuckDB; pin the
        -- contract type (12 integer digits, the amounts' 6 decimals, no rounding)
        cast(occasions.net_amount as decimal(18, 6)) as net_amount,
        occasions.is_reactivation,
        latest.as_of_date
    from occasions
    inner join latest
        on occasions.purchase_date <= latest.as_of_date

)

select * from final
