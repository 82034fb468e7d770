-- One row per known customer as of the latest as-of date of the run; the
-- stages, bands and lost flags live in int_customer_lifecycle_staged.

with staged as (

    select * from {{ ref('int_customer_lifecycle_staged') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

latest as (

    select staged.*
    from staged
    inner join as_of_dates
        on staged.as_of_date = as_of_dates.as_of_date
    where as_of_dates.is_latest_date

)

select * from latest
