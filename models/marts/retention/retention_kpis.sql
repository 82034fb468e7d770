-- Retention KPIs: one row per as-of date and customer group (all customers,
-- each value class, each profit tier, each RFM segment). Definitions in
-- macros/definitions/retention_kpis.sql.
--   day figures (a customer counts in the group they are in on the day):
--     active, new, newly lost and won-back customers;
--   window figures over the var retention_window_days days ending on the
--   as-of date (a customer counts in the group they were in at the window's
--   start, the population the rates divide by): customers active at the
--   start, of them lost in the window and repurchased in it, churn rate,
--   repurchase rate, and their revenue and margin in the window (the
--   returning customers' business).
-- The window figures read the state at the window's start from
-- marts.customer_segment_history; they are null (not zero) for a date whose
-- window start the history does not hold yet: backfill the window's length
-- before the first date to fill them. A one-pass backfill of n days fills
-- them for every date from the window's length after its first.
-- Incremental like the call sheet: each run replaces exactly its own as-of
-- dates. The contract in models/marts/retention/_retention__models.yml fixes every
-- column and its type; on_schema_change fail (see customer_segment_history).

{{ as_of_date_incremental_config(on_schema_change='fail') }}

{%- set window_days = retention_window_days() %}

with as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

lifecycle as (

    select * from {{ ref('int_customer_lifecycle_staged') }}

),

history as (

    select * from {{ ref('customer_segment_history') }}

),

value_lines as (

    select * from {{ ref('int_customer_value_lines_unioned') }}

),

lifecycle_stages as (

    select * from {{ ref('lifecycle_stages') }}

),

windows as (

    select
        as_of_date,
        {{ add_days('as_of_date', -window_days) }} as window_start_date
    from as_of_dates
    where is_reported_date

),

known_window_starts as (

    -- the window starts the history holds (a run may reach before its first day)
    select distinct history.as_of_date as window_start_date
    from history
    inner join windows
        on history.as_of_date = windows.window_start_date

),

day_customers as (

    -- every customer on every reported date, in the groups of that day
    select
        lifecycle.as_of_date,
        lifecycle.customer_id,
        history.value_class,
        history.profit_tier,
        history.rfm_segment,
        {{ is_active_customer('day_stages.is_active') }} as is_active,
        coalesce(lifecycle.first_purchase_date = lifecycle.as_of_date, false) as is_new,
        coalesce(lifecycle.lost_since = lifecycle.as_of_date, false) as is_newly_lost,
        coalesce(lifecycle.last_reactivated_date = lifecycle.as_of_date, false) as is_won_back
    from lifecycle
    inner join windows
        on lifecycle.as_of_date = windows.as_of_date
    left join history
        on lifecycle.customer_id = history.customer_id
        and lifecycle.as_of_date = history.as_of_date
    left join lifecycle_stages as day_stages
        on lifecycle.lifecycle_stage = day_stages.lifecycle_stage

),

window_customers as (

    -- the customers active at each window's start, in their groups of then
    select
        windows.as_of_date,
        windows.window_start_date,
        history.customer_id,
        history.value_class,
        history.profit_tier,
        history.rfm_segment
    from windows
    inner join history
        on history.as_of_date = windows.window_start_date
    left join lifecycle_stages as start_stages
        on history.lifecycle_stage = start_stages.lifecycle_stage
    where {{ is_active_customer('start_stages.is_active') }}

),

window_amounts as (

    -- their revenue and margin in the window: sums of their value lines in
    -- (window start, as-of date], margin as everywhere (macro margin_amount)
    select
        window_customers.as_of_date,
        window_customers.customer_id,
        sum(value_lines.net_amount) as revenue_amount,
        sum({{ margin_amount('value_lines.net_amount', 'value_lines.cost_of_goods_amount', 'value_lines.cost_to_serve_amount') }}) as margin_amount
    from window_customers
    inner join value_lines
        on window_customers.customer_id = value_lines.customer_id
        and value_lines.value_date > window_customers.window_start_date
        and value_lines.value_date <= window_customers.as_of_date
    group by window_customers.as_of_date, window_customers.customer_id

),

window_outcomes as (

    -- what each of them did in the window
    select
        window_customers.*,
        {{ is_lost_in_window('lifecycle.is_lost', 'lifecycle.last_reactivated_date', 'window_customers.window_start_date') }} as is_lost_in_window,
        {{ has_repurchased_in_window('lifecycle.last_purchase_date', 'window_customers.window_start_date') }} as has_repurchased,
        coalesce(window_amounts.revenue_amount, 0) as revenue_amount,
        coalesce(window_amounts.margin_amount, 0) as margin_amount
    from window_customers
    inner join lifecycle
        on window_customers.customer_id = lifecycle.customer_id
        and window_customers.as_of_date = lifecycle.as_of_date
    left join window_amounts
        on window_customers.customer_id = window_amounts.customer_id
        and window_customers.as_of_date = window_amounts.as_of_date

),

day_groups as (

    {{ in_customer_groups('day_customers') }}

),

window_groups as (

    {{ in_customer_groups('window_outcomes') }}

),

day_figures as (

    select
        as_of_date,
        group_type,
        group_value,
        sum(case when is_active then 1 else 0 end) as count_active_customers,
        sum(case when is_new then 1 else 0 end) as count_new_customers,
        sum(case when is_newly_lost then 1 else 0 end) as count_newly_lost_customers,
        sum(case when is_won_back then 1 else 0 end) as count_won_back_customers
    from day_groups
    group by as_of_date, group_type, group_value

),

window_figures as (

    select
        as_of_date,
        group_type,
        group_value,
        count(*) as count_active_at_window_start,
        sum(case when is_lost_in_window then 1 else 0 end) as count_lost_in_window,
        sum(case when has_repurchased then 1 else 0 end) as count_repurchased_in_window,
        sum(revenue_amount) as returning_revenue_amount,
        sum(margin_amount) as returning_margin_amount
    from window_groups
    group by as_of_date, group_type, group_value

),

group_keys as (

    select as_of_date, group_type, group_value from day_figures
    union
    select as_of_date, group_type, group_value from window_figures

),

final as (

    select
        group_keys.as_of_date,
        group_keys.group_type,
        group_keys.group_value,
        cast(coalesce(day_figures.count_active_customers, 0) as {{ dbt.type_bigint() }}) as count_active_customers,
        cast(coalesce(day_figures.count_new_customers, 0) as {{ dbt.type_bigint() }}) as count_new_customers,
        cast(coalesce(day_figures.count_newly_lost_customers, 0) as {{ dbt.type_bigint() }}) as count_newly_lost_customers,
        cast(coalesce(day_figures.count_won_back_customers, 0) as {{ dbt.type_bigint() }}) as count_won_back_customers,
        cast({{ window_days }} as {{ dbt.type_int() }}) as window_days,
        windows.window_start_date,
        known_window_starts.window_start_date is not null as is_window_start_known,
        -- null, not zero, while the history does not hold the window's start
        {%- for figure in ['count_active_at_window_start', 'count_lost_in_window', 'count_repurchased_in_window'] %}
        case
            when known_window_starts.window_start_date is not null
                then cast(coalesce(window_figures.{{ figure }}, 0) as {{ dbt.type_bigint() }})
        end as {{ figure }},
        {%- endfor %}
        case
            when known_window_starts.window_start_date is not null
                then {{ churn_rate('coalesce(window_figures.count_lost_in_window, 0)', 'window_figures.count_active_at_window_start') }}
        end as churn_rate,
        case
            when known_window_starts.window_start_date is not null
                then {{ repurchase_rate('coalesce(window_figures.count_repurchased_in_window, 0)', 'window_figures.count_active_at_window_start') }}
        end as repurchase_rate,
        {%- for amount in ['returning_revenue_amount', 'returning_margin_amount'] %}
        case
            when known_window_starts.window_start_date is not null
                then cast(coalesce(window_figures.{{ amount }}, 0) as decimal(18, 6))
        end as {{ amount }}{{ ',' if not loop.last }}
        {%- endfor %}
    from group_keys
    inner join windows
        on group_keys.as_of_date = windows.as_of_date
    left join known_window_starts
        on windows.window_start_date = known_window_starts.window_start_date
    left join day_figures
        on group_keys.as_of_date = day_figures.as_of_date
        and group_keys.group_type = day_figures.group_type
        and group_keys.group_value = day_figures.group_value
    left join window_figures
        on group_keys.as_of_date = window_figures.as_of_date
        and group_keys.group_type = window_figures.group_type
        and group_keys.group_value = window_figures.group_value

)

select * from final
