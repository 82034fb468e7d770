-- marts.retention_kpis adds up, for each as-of date of the run: the 'all'
-- row counts the customers marts.customer_segment_history has active that
-- day, and the groups of each group type (every active customer has one
-- value class, profit tier and RFM segment) add up to the 'all' row, day
-- figures and window figures alike. Returns each (date, group type) that
-- does not.

with kpis as (

    select * from {{ ref('retention_kpis') }}

),

history as (

    select * from {{ ref('customer_segment_history') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

lifecycle_stages as (

    select * from {{ ref('lifecycle_stages') }}

),

run_dates as (

    select as_of_date from as_of_dates where is_reported_date

),

active_in_history as (

    select
        history.as_of_date,
        count(*) as count_active_customers
    from history
    inner join run_dates
        on history.as_of_date = run_dates.as_of_date
    left join lifecycle_stages
        on history.lifecycle_stage = lifecycle_stages.lifecycle_stage
    where {{ is_active_customer('lifecycle_stages.is_active') }}
    group by history.as_of_date

),

all_rows as (

    select kpis.*
    from kpis
    inner join run_dates
        on kpis.as_of_date = run_dates.as_of_date
    where kpis.group_type = 'all'

),

group_sums as (

    select
        kpis.as_of_date,
        kpis.group_type,
        sum(kpis.count_active_customers) as count_active_customers,
        sum(kpis.count_active_at_window_start) as count_active_at_window_start,
        sum(kpis.count_lost_in_window) as count_lost_in_window,
        sum(kpis.count_repurchased_in_window) as count_repurchased_in_window
    from kpis
    inner join run_dates
        on kpis.as_of_date = run_dates.as_of_date
    where kpis.group_type <> 'all'
    group by kpis.as_of_date, kpis.group_type

),

mismatches as (

    select
        all_rows.as_of_date,
        'all' as group_type,
        all_rows.count_active_customers,
        coalesce(active_in_history.count_active_customers, 0) as expected_count
    from all_rows
    left join active_in_history
        on all_rows.as_of_date = active_in_history.as_of_date
    where all_rows.count_active_customers <> coalesce(active_in_history.count_active_customers, 0)

    union all

    select
        group_sums.as_of_date,
        group_sums.group_type,
        group_sums.count_active_customers,
        all_rows.count_active_customers as expected_count
    from group_sums
    inner join all_rows
        on group_sums.as_of_date = all_rows.as_of_date
    where group_sums.count_active_customers <> all_rows.count_active_customers
        or coalesce(group_sums.count_active_at_window_start, -1) <> coalesce(all_rows.count_active_at_window_start, -1)
        or coalesce(group_sums.count_lost_in_window, -1) <> coalesce(all_rows.count_lost_in_window, -1)
        or coalesce(group_sums.count_repurchased_in_window, -1) <> coalesce(all_rows.count_repurchased_in_window, -1)

)

select * from mismatches
