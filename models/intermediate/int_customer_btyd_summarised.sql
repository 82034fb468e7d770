-- The "buy till you die" summary the CLV models are fitted on
-- (orchestration/clv), one row per customer and fit window, as of the latest
-- as-of date of the run:
--   fit_window 'full': every purchase occasion up to the as-of date;
--   fit_window 'calibration': up to var clv_holdout_days before it, with the
--     repeat occasions of the holdout days after it (the honest-evaluation
--     report compares them with the prediction).
-- frequency = repeat purchase occasions (occasions after the first), recency
-- = first to last occasion, age = first occasion to the window's end, both in
-- units of var clv_time_unit_days (7: weeks, as days / 7). Spend per repeat
-- occasion is net of returns: the net amounts of later days that are no
-- occasion (returns only) are taken off the repeat spend.

{%- set unit_days = var('clv_time_unit_days') %}

with occasions as (

    select * from {{ ref('int_purchase_occasions_numbered') }}

),

customer_days as (

    select * from {{ ref('int_customer_days_aggregated') }}

),

as_of_dates as (

    select * from {{ ref('int_as_of_dates_resolved') }}

),

fit_windows as (

    select
        'full' as fit_window,
        as_of_date,
        as_of_date as window_end_date,
        cast(null as date) as holdout_end_date
    from as_of_dates
    where is_latest_date

    union all

    select
        'calibration' as fit_window,
        as_of_date,
        {{ add_days('as_of_date', -1 * var('clv_holdout_days')) }} as window_end_date,
        as_of_date as holdout_end_date
    from as_of_dates
    where is_latest_date

),

first_occasions as (

    select
        customer_id,
        purchase_date as first_purchase_date
    from occasions
    where purchase_number = 1

),

returns_only_days as (

    select
        customer_days.customer_id,
        customer_days.activity_date,
        customer_days.net_amount
    from customer_days
    inner join first_occasions
        on customer_days.customer_id = first_occasions.customer_id
    where customer_days.activity_date > first_occasions.first_purchase_date
        and not {{ is_purchase_occasion('customer_days.net_amount') }}

),

occasions_in_window as (

    select
        fit_windows.fit_window,
        occasions.customer_id,
        count(*) - 1 as frequency,
        min(occasions.purchase_date) as first_purchase_date,
        max(occasions.purchase_date) as last_purchase_date,
        sum(case when occasions.purchase_number > 1 then occasions.net_amount else 0 end) as repeat_occasion_amount
    from occasions
    cross join fit_windows
    where occasions.purchase_date <= fit_windows.window_end_date
    group by fit_windows.fit_window, occasions.customer_id

),

returns_in_window as (

    select
        fit_windows.fit_window,
        returns_only_days.customer_id,
        sum(returns_only_days.net_amount) as returns_only_amount
    from returns_only_days
    cross join fit_windows
    where returns_only_days.activity_date <= fit_windows.window_end_date
    group by fit_windows.fit_window, returns_only_days.customer_id

),

holdout_occasions as (

    select
        occasions.customer_id,
        count(*) as holdout_frequency,
        sum(occasions.net_amount) as holdout_amount
    from occasions
    inner join fit_windows
        on fit_windows.fit_window = 'calibration'
    where occasions.purchase_date > fit_windows.window_end_date
        and occasions.purchase_date <= fit_windows.holdout_end_date
    group by occasions.customer_id

),

summarised as (

    select
        fit_windows.fit_window,
        occasions_in_window.customer_id,
        fit_windows.as_of_date,
        fit_windows.window_end_date,
        fit_windows.holdout_end_date,
        occasions_in_window.first_purchase_date,
        occasions_in_window.last_purchase_date,
        occasions_in_window.frequency,
        -- doubles on both engines (Spark would keep a decimal of 6 places, and the fit would differ)
        cast({{ dbt.datediff('occasions_in_window.first_purchase_date', 'occasions_in_window.last_purchase_date', 'day') }}
            as double) / {{ unit_days }} as recency,
        cast({{ dbt.datediff('occasions_in_window.first_purchase_date', 'fit_windows.window_end_date', 'day') }}
            as double) / {{ unit_days }} as age,
        case
            when occasions_in_window.frequency > 0
                then cast(occasions_in_window.repeat_occasion_amount
                          + coalesce(returns_in_window.returns_only_amount, 0) as double)
                    / occasions_in_window.frequency
        end as mean_repeat_spend_amount,
        coalesce(returns_in_window.returns_only_amount, 0) as returns_only_amount,
        case
            when fit_windows.fit_window = 'calibration' then coalesce(holdout_occasions.holdout_frequency, 0)
        end as holdout_frequency,
        case
            when fit_windows.fit_window = 'calibration' then coalesce(holdout_occasions.holdout_amount, 0)
        end as holdout_amount
    from occasions_in_window
    inner join fit_windows
        on occasions_in_window.fit_window = fit_windows.fit_window
    left join returns_in_window
        on occasions_in_window.fit_window = returns_in_window.fit_window
        and occasions_in_window.customer_id = returns_in_window.customer_id
    left join holdout_occasions
        on occasions_in_window.fit_window = 'calibration'
        and occasions_in_window.customer_id = holdout_occasions.customer_id

)

select * from summarised
