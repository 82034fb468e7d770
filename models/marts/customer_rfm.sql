-- One row per customer with a purchase, as of the latest as-of date of the
-- run; the scoring lives in int_customer_rfm_scored.

with scored as (

    select * from {{ ref('int_customer_rfm_scored') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

latest as (

    select scored.*
    from scored
    inner join as_of_dates
        on scored.as_of_date = as_of_dates.as_of_date
    where as_of_dates.is_latest_date

)

select * from latest
