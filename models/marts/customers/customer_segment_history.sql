-- One row per customer and as-of date: where the customer stood that day.
-- Each run (a Dagster partition, a backfill range, or a single dbt build)
-- replaces exactly the as-of dates it computes and leaves every other day
-- alone: delete+insert keyed on as_of_date, so running a day twice keeps one
-- copy. (--full-refresh would rebuild the table from the run's dates only.)

-- The contract in models/marts/customers/_customers__models.yml fixes every column and its
-- type. dbt requires an incremental model with an enforced contract to set
-- on_schema_change to append_new_columns or fail; fail: a table built under
-- another schema (an older contract) stops the run rather than silently
-- keeping old types or growing new columns. To change the schema, alter the
-- existing table by hand (alter table ... add column / alter column ... type)
-- before the next run: --full-refresh would keep only the run's dates.

{{ as_of_date_incremental_config(on_schema_change='fail') }}

with lifecycle as (

    select * from {{ ref('int_customer_lifecycle_staged') }}

),

rfm as (

    select * from {{ ref('int_customer_rfm_scored') }}

),

customer_value as (

    select * from {{ ref('int_customer_value_summarised') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

reported as (

    select
        lifecycle.customer_id,
        lifecycle.as_of_date,
        lifecycle.lifecycle_stage,
        rfm.rfm_segment,
        rfm.value_class,
        customer_value.profit_tier,
        lifecycle.warning_band,
        lifecycle.is_lost,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        -- a sum (DuckDB HUGEINT) and a sum of numeric(28,6) amounts
        -- (decimal(38,6)): cast to the contract types on purpose
        cast(lifecycle.frequency as {{ dbt.type_bigint() }}) as frequency,
        cast(lifecycle.monetary as decimal(18, 6)) as monetary,
        lifecycle.days_since_last_purchase
    from lifecycle
    inner join as_of_dates
        on lifecycle.as_of_date = as_of_dates.as_of_date
    left join rfm
        on lifecycle.customer_id = rfm.customer_id
        and lifecycle.as_of_date = rfm.as_of_date
    left join customer_value
        on lifecycle.customer_id = customer_value.customer_id
        and lifecycle.as_of_date = customer_value.as_of_date
    where as_of_dates.is_reported_date

)

select * from reported
