-- One row per customer with a purchase, as of the latest as-of date of the
-- run; the scoring lives in int_customer_rfm_scored (monetary is margin where
-- a cost of the customer is known, else net revenue: var rfm_monetary_basis).

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

),

final as (

    -- The contract's columns (models/marts/customers/_customers__models.yml). frequency is a
    -- sum() (DuckDB HUGEINT) and monetary a sum() of numeric(28,6) amounts
    -- (decimal(38,6)): cast to the contract types on purpose.
    select
        customer_id,
        as_of_date,
        recency_days,
        cast(frequency as {{ dbt.type_bigint() }}) as frequency,
        cast(monetary as decimal(18, 6)) as monetary,
        monetary_basis,
        r_score,
        f_score,
        m_score,
        fm_score,
        rfm_code,
        rfm_segment,
        r_level,
        f_level,
        m_level,
        value_class
    from latest

)

select * from final
