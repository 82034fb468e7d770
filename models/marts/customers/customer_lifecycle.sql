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

),

final as (

    -- The contract's columns (models/marts/customers/_customers__models.yml). frequency and
    -- count_reactivations are sums (DuckDB HUGEINT) and monetary a sum of
    -- numeric(28,6) amounts (decimal(38,6)): cast to the contract types on purpose.
    select
        customer_id,
        as_of_date,
        signed_up_date,
        first_purchase_date,
        last_purchase_date,
        cast(frequency as {{ dbt.type_bigint() }}) as frequency,
        cast(monetary as decimal(18, 6)) as monetary,
        days_since_last_purchase,
        mean_recent_interval_days,
        mean_interval_days,
        median_interval_days,
        recency_ratio,
        interval_basis,
        expected_interval_days,
        expected_interval_ratio,
        warning_band,
        expected_next_purchase_date,
        is_rhythm_slowing,
        mean_recent_occasion_amount,
        mean_earlier_occasion_amount,
        is_spend_falling,
        lifecycle_stage,
        lost_window_days,
        is_lost,
        lost_since,
        cast(count_reactivations as {{ dbt.type_bigint() }}) as count_reactivations,
        last_reactivated_date
    from latest

)

select * from final
