-- One row per known customer and as-of date of the run (prospects included
-- when a customers source exists): rhythm figures, warning band, expected next
-- purchase, lost flag and exactly one lifecycle stage. This CASE is the rule;
-- seeds/lifecycle_stages.csv is the stages' table (order, is_active), which
-- every stage written here must be a row of. Stages, first match wins:
--   prospect   no purchase occasion yet
--   lost       days since the last purchase > the lost window
--   alert      past their usual interval, and overdue (warning band at or
--              past var churn_risk_ratio), or several recent gaps slower, or
--              several recent occasions smaller, than the earlier ones
--              (macros/definitions/churn_signals.sql)
--   new        a single purchase, at most new_customer_days ago
--   vulnerable bought, but fewer than evergreen_min_occasions occasions: no
--              established rhythm yet
--   evergreen  buys again and again at their rhythm

with rhythm as (

    select * from {{ ref('int_customer_rhythm_summarised') }}

),

windows as (

    select
        *,
        {{ lost_window_days('business_lost_window_days', 'mean_recent_interval_days') }} as lost_window_days,
        -- nullif: null, not an error (Spark 4 raises on a division by zero), when a preset says 0 days
        recency_days / nullif(expected_interval_days, 0) as expected_interval_ratio,
        {{ usual_interval_days('median_interval_days', 'expected_interval_days') }} as usual_interval_days
    from rhythm

),

flags as (

    select
        *,
        coalesce(frequency > 0 and recency_days > lost_window_days, false) as is_lost,
        {{ warning_band('expected_interval_ratio') }} as warning_band,
        {{ add_days('last_purchase_date', 'cast(round(expected_interval_days) as ' ~ dbt.type_int() ~ ')') }}
            as expected_next_purchase_date,
        {{ is_within_usual_interval('recency_days', 'usual_interval_days') }} as is_within_usual_interval,
        {{ is_rhythm_slowing('count_recent_slow_intervals', 'frequency') }} as is_rhythm_slowing,
        {{ is_spend_falling('count_recent_small_occasions', 'frequency') }} as is_spend_falling
    from windows

),

signals as (

    select
        *,
        {{ is_overdue('warning_band') }} as is_overdue
    from flags

),

staged as (

    select
        *,
        case
            when frequency = 0 then 'prospect'
            when is_lost then 'lost'
            when {{ has_churn_evidence('is_within_usual_interval', 'is_overdue', 'is_rhythm_slowing', 'is_spend_falling') }}
                then 'alert'
            when frequency = 1 and recency_days <= {{ var('new_customer_days') }} then 'new'
            when frequency < {{ var('evergreen_min_occasions') }} then 'vulnerable'
            else 'evergreen'
        end as lifecycle_stage,
        case when is_lost then {{ lost_since_date('last_purchase_date', 'lost_window_days') }} end as lost_since
    from signals

),

final as (

    select
        customer_id,
        as_of_date,
        signed_up_date,
        first_purchase_date,
        last_purchase_date,
        frequency,
        monetary,
        recency_days as days_since_last_purchase,
        mean_recent_interval_days,
        mean_interval_days,
        median_interval_days,
        recency_ratio,
        interval_basis,
        expected_interval_days,
        expected_interval_ratio,
        warning_band,
        expected_next_purchase_date,
        usual_interval_days,
        is_within_usual_interval,
        is_overdue,
        mean_earlier_interval_days,
        count_recent_slow_intervals,
        is_rhythm_slowing,
        mean_recent_occasion_amount,
        mean_earlier_occasion_amount,
        count_recent_small_occasions,
        is_spend_falling,
        lifecycle_stage,
        lost_window_days,
        is_lost,
        lost_since,
        count_reactivations,
        last_reactivated_date
    from staged

)

select * from final
