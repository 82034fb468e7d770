-- Who moved where: for each dimension (lifecycle_stage, rfm_segment,
-- value_class), one row per (from value, to value) between the as-of date
-- var transition_period_days (default 7) before the run's latest as-of date
-- and that date, read from customer_segment_history, with the number of
-- customers and their ids. A null from_value means the customer was not
-- known yet (or that day was never computed); unchanged pairs are included,
-- so each dimension's counts add up to the customers of the later day.

with history as (

    select * from {{ ref('customer_segment_history') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

period as (

    select
        {{ add_days('as_of_date', -1 * var('transition_period_days')) }} as from_date,
        as_of_date as to_date
    from as_of_dates
    where is_latest_date

),

from_rows as (

    select history.*
    from history
    inner join period
        on history.as_of_date = period.from_date

),

to_rows as (

    select history.*
    from history
    inner join period
        on history.as_of_date = period.to_date

),

paired as (

    select
        to_rows.customer_id,
        from_rows.customer_id is not null as was_known_on_from_date,
        from_rows.lifecycle_stage as from_lifecycle_stage,
        to_rows.lifecycle_stage as to_lifecycle_stage,
        from_rows.rfm_segment as from_rfm_segment,
        to_rows.rfm_segment as to_rfm_segment,
        from_rows.value_class as from_value_class,
        to_rows.value_class as to_value_class
    from to_rows
    left join from_rows
        on to_rows.customer_id = from_rows.customer_id

),

unpivoted as (

    select 'lifecycle_stage' as dimension, customer_id, was_known_on_from_date, from_lifecycle_stage as from_value, to_lifecycle_stage as to_value
    from paired
    union all
    select 'rfm_segment' as dimension, customer_id, was_known_on_from_date, from_rfm_segment as from_value, to_rfm_segment as to_value
    from paired
    union all
    select 'value_class' as dimension, customer_id, was_known_on_from_date, from_value_class as from_value, to_value_class as to_value
    from paired

),

aggregated as (

    select
        period.from_date,
        period.to_date,
        unpivoted.dimension,
        unpivoted.was_known_on_from_date,
        unpivoted.from_value,
        unpivoted.to_value,
        unpivoted.was_known_on_from_date and {{ dbt.equals('unpivoted.from_value', 'unpivoted.to_value') }} as is_unchanged,
        count(*) as count_customers,
        {{ dbt.listagg('unpivoted.customer_id', "', '", 'order by unpivoted.customer_id') }} as customer_ids
    from unpivoted
    cross join period
    group by
        period.from_date,
        period.to_date,
        unpivoted.dimension,
        unpivoted.was_known_on_from_date,
        unpivoted.from_value,
        unpivoted.to_value

)

select * from aggregated
