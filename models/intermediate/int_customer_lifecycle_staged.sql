-- One row per known customer and as-of date of the run (prospects included
-- when a customers source exists): rhythm figures, warning band, expected next
-- purchase, lost flag and exactly one lifecycle stage. Stages, first match
-- wins:
--   prospect   no purchase occasion yet
--   lost       days since the last purchase > the lost window
--   alert      overdue against their rhythm (band churn_risk or probably_gone),
--              or their rhythm slowed, or their spend per occasion fell
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
        recency_days / expected_interval_days as expected_interval_ratio
    from rhythm

),

flags as (

    select
        *,
        coalesce(frequency > 0 and recency_days > lost_window_days, false) as is_lost,
        {{ warning_band('expected_interval_ratio') }} as warning_band,
        {{ add_days('last_purchase_date', 'cast(round(expected_interval_days) as ' ~ dbt.type_int() ~ ')') }}
            as expected_next_purchase_date,
        coalesce(
            mean_recent_interval_days > {{ var('alert_interval_slowdown_factor') }} * mean_interval_days,
            false
        ) as is_rhythm_slowing,
        coalesce(
            mean_recent_occasion_amount < {{ var('alert_spend_drop_share') }} * mean_earlier_occasion_amount,
            false
        ) as is_spend_falling
    from windows

),

staged as (

    select
        *,
        case
            when frequency = 0 then 'prospect'
            when is_lost then 'lost'
            when warning_band in ('churn_risk', 'probably_gone') or is_rhythm_slowing or is_spend_falling
                then 'alert'
            when frequency = 1 and recency_days <= {{ var('new_customer_days') }} then 'new'
            when frequency < {{ var('evergreen_min_occasions') }} then 'vulnerable'
            else 'evergreen'
        end as lifecycle_stage,
        case when is_lost then {{ lost_since_date('last_purchase_date', 'lost_window_days') }} end as lost_since
    from flags

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
        is_rhythm_slowing,
        mean_recent_occasion_amount,
        mean_earlier_occasion_amount,
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
